// devtrack plugins list: every plugin file on the search path and its state.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"

namespace devtrack::cli {

namespace {

std::string state_of(const PluginInfo& p, const Config& config) {
  if (p.refused) return "refused";
  return config.plugin_enabled(p.id) ? "available" : "disabled";
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  if (args.count("json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : loaded.plugins) {
      list.push_back({
          {"id", p.id.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.id)},
          {"name", p.name},
          {"version", p.version},
          {"kind", p.kind.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.kind)},
          {"enabled", !p.refused && loaded.config.plugin_enabled(p.id)},
          {"state", state_of(p, loaded.config)},
          {"path", p.path},
          {"source", p.source},
          {"abi", p.abi_major || p.abi_minor ? nlohmann::json(p.abi()) : nlohmann::json(nullptr)},
          {"runs_in", p.runs_in.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.runs_in)},
          {"error", p.refused ? nlohmann::json(p.error) : nlohmann::json(nullptr)},
          // The daemon's view (running, failed...) once a daemon runs.
          {"runtime", nullptr},
      });
    }
    std::cout << list.dump(2) << "\n";
    return kOk;
  }
  if (loaded.plugins.empty()) {
    std::cout << "No plugins found. Search path: $DEVTRACK_PLUGIN_PATH, $DEVTRACK_HOME/plugins, "
                 "the bundled plugin directory.\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "KIND", "STATE", "VERSION", "RUNS IN", "SOURCE", "PATH"}};
  for (const auto& p : loaded.plugins)
    if (!p.refused)
      rows.push_back({p.id, p.kind, state_of(p, loaded.config), p.version, p.runs_in, p.source, p.path});
  if (rows.size() > 1) print_table(rows);
  for (const auto& p : loaded.plugins)
    if (p.refused) std::cout << "refused: " << p.path << ": " << p.error << "\n";
  return kOk;
}

}  // namespace

extern const Command kPluginsList = {
    "plugins list",
    "list every plugin found, bundled and user, with its state",
    "States: available (enabled in config), disabled, refused (with the reason).\n"
    "Plugins are searched in $DEVTRACK_PLUGIN_PATH (colon-separated), then\n"
    "$DEVTRACK_HOME/plugins, then the bundled plugin directory.",
    [](Spec& s) { s.options.add_options()("json", "print a JSON array for scripts"); },
    run,
    Loads::kNoCode,
};

}  // namespace devtrack::cli
