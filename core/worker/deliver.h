// The worker's delivery of outbox rows through tracker plugins: takes
// "tracker.deliver" jobs, asks find() first when an earlier attempt may
// have gone out, then post(), and publishes "tracker.result". Also looks
// tickets up ("tracker.resolve") and fetches the lists of tickets assigned
// to the user ("tracker.assigned"), which it caches in the store.
#pragma once

namespace devtrack {

class Bus;
class PluginHost;
class Store;

void start_delivery(Bus& bus, PluginHost& host, Store& store);

}  // namespace devtrack
