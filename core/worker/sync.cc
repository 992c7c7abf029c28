#include "worker/sync.h"

#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/string_out.h"
#include "worker/deliver.h"

using nlohmann::json;

namespace devtrack {

namespace {

// The first running plugin with the sync interface (one is enabled: the
// daemon asks only when sync is set up).
PluginHost::Interface sync_plugin(PluginHost& host) {
  for (const auto& id : host.running())
    if (auto iface = host.interface(id, DEVTRACK_SYNC_V1); iface.table) return iface;
  return {};
}

void exchange(Bus& bus, PluginHost& host, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  if (!job.is_object() || !job.contains("job_id")) return;
  json result = {{"job_id", job["job_id"]}};
  auto iface = sync_plugin(host);
  if (!iface.table) {
    result["status"] = "permanent";
    result["message"] = "no sync plugin is running (devtrack plugins enable git-sync)";
    bus.publish("sync.result", result.dump());
    return;
  }
  std::string request = job.value("request", json::object()).dump();
  StringOut out;
  dt_status s = static_cast<const dt_sync_v1*>(iface.table)->exchange(iface.self, request.c_str(), &out.out);
  result["status"] = status_name(s);
  json reply = json::parse(out.text, nullptr, false);
  if (s == DT_OK && reply.is_object()) {
    for (const char* field : {"head", "pushed", "incoming"})
      if (reply.contains(field)) result[field] = reply[field];
  } else {
    result["message"] = failure_message(out.text);
  }
  bus.publish("sync.result", result.dump());
}

}  // namespace

void start_sync_service(Bus& bus, PluginHost& host) {
  bus.subscribe("sync.exchange", [&bus, &host](const Event& e) { exchange(bus, host, e.payload); }, "sync");
}

}  // namespace devtrack
