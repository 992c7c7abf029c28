#include "summary/delivery.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/plugin_info.h"
#include "plugin/registry.h"
#include "store/assigned.h"
#include "store/outbox_store.h"
#include "summary/standup.h"
#include "util/error.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

namespace {

// Where a sink delivers: the addresses of its `to` and `cc` options when it
// declares `to`, else one row to its own destination ("").
std::vector<std::string> recipients(const Config& config, const PluginInfo& sink) {
  if (!sink.option("to")) return {""};
  json options = json::parse(config.plugin_config_json(sink.id), nullptr, false);
  std::vector<std::string> out;
  for (const char* field : {"to", "cc"})
    if (options.is_object() && options.contains(field) && options[field].is_array())
      for (const auto& r : options[field])
        if (r.is_string() && !r.get<std::string>().empty()) out.push_back(r);
  if (out.empty()) throw Error("plugins." + sink.id + ".to names no recipient");
  return out;
}

// A summary's key stays what e-mails were keyed by before sinks were
// general ("email:DATE:TO:HASH"): an upgrade does not send one twice.
std::string idempotency_key(const Delivery& d, const std::string& sink, const std::string& recipient) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(d.markdown)));
  std::string key = sink + ":" + d.date + ":" + recipient + ":" + hash;
  return d.what == "summary" ? key : d.what + ":" + key;
}

}  // namespace

std::vector<std::string> delivery_sinks(const std::vector<PluginInfo>& plugins, const Config& config,
                                        const std::vector<std::string>& chosen) {
  std::vector<std::string> sinks;
  for (const auto& id : chosen) {
    const PluginInfo* p = find_plugin(plugins, id);
    if (!p) throw Error("no plugin '" + id + "' is installed (devtrack plugins list)");
    if (p->kind != "sink") throw Error("'" + id + "' is a " + p->kind + " plugin, not a sink");
    if (!config.plugin_enabled(id))
      throw Error("the " + id + " plugin is not enabled (devtrack plugins enable " + id + ")");
    sinks.push_back(id);
  }
  if (!chosen.empty()) return sinks;
  sinks = enabled_plugins(plugins, config, "sink");
  if (sinks.empty())
    throw Error("no sink plugin is enabled to send it (devtrack plugins list shows the sinks; "
                "devtrack plugins enable ID, then its options in docs/configuration.md)");
  return sinks;
}

std::vector<QueuedDelivery> queue_delivery(Store& store, const Config& config, const std::vector<PluginInfo>& plugins,
                                           const std::vector<std::string>& sinks, const Delivery& d, int64_t now_ms) {
  std::vector<QueuedDelivery> out;
  for (const auto& sink : sinks) {
    const PluginInfo* p = find_plugin(plugins, sink);
    if (!p) throw Error("no plugin '" + sink + "' is installed (devtrack plugins list)");
    for (const auto& to : recipients(config, *p)) {
      UpdateRow u;
      u.target_plugin = sink;
      u.target = to.empty() ? "null" : json(to).dump();
      u.kind = "delivery";
      u.state = UpdateState::kQueued;
      u.next_attempt_ms = now_ms;
      u.body = json{{"what", d.what}, {"date", d.date}, {"markdown", d.markdown}}.dump();
      u.idempotency_key = idempotency_key(d, sink, to);
      out.push_back({sink, to, queue_update(store, u, now_ms)});
    }
  }
  return out;
}

Delivery standup_delivery(Store& store, const Config& config, const std::vector<PluginInfo>& plugins,
                          const std::string& day_spec, int64_t now_ms) {
  auto assigned = assigned_lists(store, enabled_plugins(plugins, config, "tracker"), now_ms);
  std::string standup = standup_json(store, config, day_spec, assigned, now_ms);
  return {"standup", json::parse(standup).at("date").get<std::string>(), standup_markdown(standup)};
}

}  // namespace devtrack
