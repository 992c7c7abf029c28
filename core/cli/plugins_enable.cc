// devtrack plugins enable|disable ID: changes only plugins.<id>.enabled in
// config.yaml, keeping the user's comments and formatting.
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "plugin/registry.h"
#include "util/error.h"

namespace devtrack::cli {

namespace {

int set_enabled(const po::variables_map& args, bool enabled) {
  std::string id = args["ID"].as<std::string>();
  auto plugins = load_registry();
  // Disabling a plugin that is gone is still allowed: it cleans the config.
  if (enabled) require_plugin(plugins, id);
  std::string path = write_plugin_enabled(id, enabled);
  std::cout << "plugin " << id << " " << (enabled ? "enabled" : "disabled") << " in " << path << "\n";
  reload_daemon_config();
  return kOk;
}


void define(Spec& s) {
  s.positionals.push_back({"ID"});
  s.completion = "plugins";
}

}  // namespace

extern const Command kPluginsEnable = {
    "plugins enable",
    "enable a plugin in config.yaml (comments and formatting are kept)",
    "A running daemon applies the change at once (as devtrack reload does).",
    define,
    [](const po::variables_map& args) { return set_enabled(args, true); },
};

extern const Command kPluginsDisable = {
    "plugins disable",
    "disable a plugin in config.yaml (comments and formatting are kept)",
    "A running daemon applies the change at once (as devtrack reload does).",
    define,
    [](const po::variables_map& args) { return set_enabled(args, false); },
};

}  // namespace devtrack::cli
