// The worker's bus side: joined to the daemon's bus over an inherited
// socket (JSON lines, docs/ipc.md "Worker link"), it runs the enabled worker
// plugins and exits after `idle` without traffic, or when the daemon goes.
#pragma once

#include <chrono>

#include "plugin/host.h"

namespace devtrack {

struct Config;

// Given the config, the dt_host http service this worker offers (the
// worker's main links libcurl; the core library does not).
using HttpFactory = PluginHost::HttpFn (*)(const Config& config);

int run_worker(int bus_fd, std::chrono::seconds idle, HttpFactory http);

}  // namespace devtrack
