// The worker's bus side: joined to the daemon's bus over an inherited
// socket (JSON lines, docs/ipc.md "Worker link"), it runs the enabled worker
// plugins and exits after `idle` without traffic, or when the daemon goes.
#pragma once

#include <chrono>

#include "plugin/host.h"

namespace devtrack {

struct Config;

// Given the config, the dt_host http and smtp services this worker offers
// (the worker's main links libcurl; the core library does not).
struct NetworkServices {
  PluginHost::HttpFn http = nullptr;
  PluginHost::HttpFn smtp = nullptr;
};
using NetworkFactory = NetworkServices (*)(const Config& config);

int run_worker(int bus_fd, std::chrono::seconds idle, NetworkFactory network);

}  // namespace devtrack
