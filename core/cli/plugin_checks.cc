#include "cli/plugin_checks.h"

#include <devtrack/plugin.h>

#include <nlohmann/json.hpp>

#include "cli/client_plugin.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"

using nlohmann::json;

namespace devtrack::cli {

std::vector<PluginCheck> local_plugin_checks(const std::vector<PluginInfo>& plugins, const Config& config) {
  std::vector<PluginCheck> checks;
  for (const auto& p : plugins) {
    if (p.refused || p.runs_in == "daemon" || !config.plugin_enabled(p.id)) continue;
    if (find_plugin(plugins, p.id)->path != p.path) continue;
    try {
      ClientPlugin plugin(p, config.plugin_config_json(p.id), "plugin " + p.id);
      auto* doctor = static_cast<const dt_doctor_v1*>(plugin.table(DEVTRACK_DOCTOR_V1));
      if (!doctor) continue;
      StringOut out;
      if (doctor->check(plugin.self(), &out.out) != DT_OK) continue;
      json r = json::parse(out.text, nullptr, false);
      if (!r.is_object() || !r.contains("checks")) continue;
      for (const auto& c : r["checks"]) {
        if (!c.is_object()) continue;
        auto text = [&](const char* key) {
          return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : std::string();
        };
        checks.push_back({p.id + ": " + (text("name").empty() ? "check" : text("name")),
                          c.contains("ok") && c["ok"].is_boolean() && c["ok"].get<bool>(), text("detail"), text("fix"),
                          text("severity") == "warning"});
      }
    } catch (const std::exception& e) {
      checks.push_back({p.id, false, e.what(), "devtrack plugins info " + p.id});
    }
  }
  return checks;
}

}  // namespace devtrack::cli
