// Deliveries: a summary or a standup the user confirmed, handed to sink
// plugins (email, slack, a third party's) through the outbox, one row per
// sink and recipient so each is retried on its own. A sink that declares a
// list option `to` (and `cc`) is given one row per address listed there; any
// other sink gets one row and delivers where its own options say (a
// channel). The idempotency key carries a hash of the text: the same text
// to the same place is queued once, a changed one again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

class Store;
struct Config;
struct PluginInfo;

struct Delivery {
  std::string what;      // "summary" | "standup"
  std::string date;      // the local day it is about, YYYY-MM-DD
  std::string markdown;  // as confirmed
};

struct QueuedDelivery {
  std::string sink;
  std::string recipient;  // "" for a sink's own destination
  bool queued = false;    // false: the same text went there already
};

// The sink plugins to use: `chosen` (each checked: a known, enabled sink),
// or when empty every enabled sink, in the order the plugins are listed.
// Throws devtrack::Error naming what is wrong.
std::vector<std::string> delivery_sinks(const std::vector<PluginInfo>& plugins, const Config& config,
                                        const std::vector<std::string>& chosen);

// Queues `d` to each of `sinks`, atomically per row. Throws devtrack::Error
// when a sink that takes recipients has none configured.
std::vector<QueuedDelivery> queue_delivery(Store& store, const Config& config, const std::vector<PluginInfo>& plugins,
                                           const std::vector<std::string>& sinks, const Delivery& d, int64_t now_ms);

// The standup of `day_spec` (as `devtrack standup --date` reads it), built
// with the kept assigned lists of the trackers enabled among `plugins`, as
// a delivery.
Delivery standup_delivery(Store& store, const Config& config, const std::vector<PluginInfo>& plugins,
                          const std::string& day_spec, int64_t now_ms);

}  // namespace devtrack
