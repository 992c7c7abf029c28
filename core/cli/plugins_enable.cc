// devtrack plugins enable|disable ID: changes only plugins.<id>.enabled in
// config.yaml, keeping the user's comments and formatting.
#include <filesystem>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "plugin/registry.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

void apply_to_daemon();

int set_enabled(const po::variables_map& args, bool enabled) {
  std::string id = args["ID"].as<std::string>();
  auto plugins = load_registry();
  // Disabling a plugin that is gone is still allowed: it cleans the config.
  if (enabled) require_plugin(plugins, id);
  std::string path = paths::config_file();
  std::error_code ec;
  std::string text;
  if (std::filesystem::exists(path, ec)) {
    text = paths::read_file(path);
  } else {
    paths::ensure_private_dir(paths::home());
    text = default_config_text();
    std::cerr << "devtrack: wrote the default config to " << path << "\n";
  }
  std::string edited = set_plugin_enabled(text, id, enabled);
  if (edited != text) paths::write_file_atomic(path, edited, 0600);
  std::cout << "plugin " << id << " " << (enabled ? "enabled" : "disabled") << " in " << path << "\n";
  apply_to_daemon();
  return kOk;
}

// The running daemon takes the change at once (a reload), and the user is
// told which state things are in either way.
void apply_to_daemon() {
  try {
    daemon_call("reload");
    std::cout << "the running daemon applied it\n";
  } catch (const ipc::NotRunning&) {
    std::cout << "the daemon is not running: it applies this when it starts\n";
  } catch (const std::exception& e) {
    std::cerr << "devtrack: the daemon did not apply it and keeps running with its previous config: " << e.what()
              << "\n";
  }
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
