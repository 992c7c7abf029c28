// The worker's bus side: joined to the daemon's bus over an inherited
// socket (JSON lines, docs/ipc.md "Worker link"), it runs the enabled worker
// plugins and exits after `idle` without traffic, or when the daemon goes.
#pragma once

#include <chrono>

namespace devtrack {

int run_worker(int bus_fd, std::chrono::seconds idle);

}  // namespace devtrack
