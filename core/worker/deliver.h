// The worker's delivery of outbox rows through tracker plugins: takes
// "tracker.deliver" jobs, asks find() first when an earlier attempt may
// have gone out, then post(), and publishes "tracker.result". Also looks
// tickets up ("tracker.resolve") and fetches the lists of tickets assigned
// to the user ("tracker.assigned"), which it caches in the store.
#pragma once

#include <devtrack/plugin.h>

#include <chrono>
#include <string>

namespace devtrack {

class Bus;
class PluginHost;
class Store;

void start_delivery(Bus& bus, PluginHost& host, Store& store);

// How results name a plugin's status: "ok", "retry", "auth", "not_found",
// "permanent".
const char* status_name(dt_status s);
// A plugin's failure text ({"message"} JSON or plain text) as results carry
// it: valid UTF-8, one line, bounded.
std::string failure_message(const std::string& text);
// The worker's network.timeout: a row's lease outlasts one request (30 s
// until set).
void set_delivery_http_timeout(std::chrono::seconds timeout);

}  // namespace devtrack
