// The worker's side of sync (docs/sync.md): takes "sync.exchange" jobs
// from the daemon, hands them to the running sync plugin (dt_sync_v1) and
// publishes "sync.result" {"job_id", "status", "head", "pushed",
// "incoming", "message"}. The daemon seals and opens the segments; here
// only files move.
#pragma once

namespace devtrack {

class Bus;
class PluginHost;

void start_sync_service(Bus& bus, PluginHost& host);

}  // namespace devtrack
