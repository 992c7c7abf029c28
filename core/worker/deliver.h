// The worker's delivery of outbox rows through tracker plugins: takes
// "tracker.deliver" jobs, asks find() first when an earlier attempt may
// have gone out, then post(), and publishes "tracker.result".
#pragma once

namespace devtrack {

class Bus;
class PluginHost;

void start_delivery(Bus& bus, PluginHost& host);

}  // namespace devtrack
