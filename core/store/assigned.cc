#include "store/assigned.h"

#include <nlohmann/json.hpp>

#include "store/store.h"

using nlohmann::json;

namespace devtrack {

void put_assigned(Store& store, const std::string& plugin, const std::string& tickets_json, int64_t now_ms) {
  json value = {{"fetched_ms", now_ms}, {"tickets", json::parse(tickets_json)}};
  store.cache_put(plugin, "assigned", value.dump(), now_ms + kAssignedKeepMs);
}

std::vector<AssignedList> assigned_lists(Store& store, const std::vector<std::string>& plugins, int64_t now_ms) {
  std::vector<AssignedList> out;
  for (const auto& plugin : plugins) {
    auto cached = store.cache_get(plugin, "assigned", now_ms);
    if (!cached) continue;
    json v = json::parse(*cached, nullptr, false);
    if (!v.is_object() || !v.contains("tickets") || !v["tickets"].is_array()) continue;
    out.push_back({plugin, v.value("fetched_ms", int64_t{0}), v["tickets"].dump()});
  }
  return out;
}

}  // namespace devtrack
