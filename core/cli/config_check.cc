// devtrack config check: validates the whole config and every enabled
// plugin's options, reporting file:line:column: messages.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/plugin_checks.h"
#include "config/config.h"
#include "plugin/registry.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// "git, timer (default), ..." — what runs, and which of it the file did not ask for.
std::string enabled_plugins_text(const Config& config) {
  std::string out;
  for (const auto& [id, pc] : config.plugins) {
    if (!pc.enabled) continue;
    out += (out.empty() ? "" : ", ") + id + (pc.by_default && !config.path.empty() ? " (default)" : "");
  }
  return out.empty() ? "none" : out;
}

int run(const po::variables_map& args) {
  std::string path = args.count("file") ? args["file"].as<std::string>() : paths::config_file();
  auto plugins = load_registry();
  ConfigResult result = load_config(path, plugins);
  bool missing = result.config.path.empty();
  if (args.count("json")) {
    nlohmann::json diags = nlohmann::json::array();
    for (const auto& d : result.diagnostics)
      diags.push_back({{"file", d.file},
                       {"line", d.line},
                       {"column", d.column},
                       {"severity", d.severity},
                       {"message", d.message}});
    nlohmann::json enabled = nlohmann::json::array();
    for (const auto& [id, pc] : result.config.plugins)
      if (pc.enabled) enabled.push_back({{"id", id}, {"by_default", pc.by_default}});
    std::cout << nlohmann::json{{"file", path},
                                {"exists", !missing},
                                {"ok", result.ok()},
                                {"enabled_plugins", enabled},
                                {"diagnostics", diags}}
                     .dump(2)
              << "\n";
    return result.ok() ? kOk : kFailure;
  }
  for (const auto& d : result.diagnostics) std::cerr << d.str() << "\n";
  // What the enabled plugins say of their set-up (a missing token...).
  if (result.ok())
    for (const auto& c : local_plugin_checks(plugins, result.config))
      if (!c.ok) std::cerr << path << ": warning: " << c.name << ": " << c.detail << (c.fix.empty() ? "" : " (" + c.fix + ")") << "\n";
  if (missing) {
    std::cout << "no config file at " << path << ": the defaults apply (devtrack config init writes one)\n"
              << "enabled plugins: " << enabled_plugins_text(result.config) << "\n";
    return kOk;
  }
  if (!result.ok()) return kFailure;
  std::cout << path << ": OK\n"
            << "enabled plugins: " << enabled_plugins_text(result.config) << "\n";
  return kOk;
}

}  // namespace

extern const Command kConfigCheck = {
    "config check",
    "validate config.yaml and every plugin's options",
    "Errors and warnings are printed as file:line:column: severity: message.\n"
    "Then it names the enabled plugins; \"(default)\" marks the default bundle's,\n"
    "on because the file does not turn them off (plugins.ID.enabled: false).\n"
    "Exit status 1 if there is any error.",
    [](Spec& s) {
      s.options.add_options()("json", "print the result as JSON")(
          "file", po::value<std::string>()->value_name("PATH"), "check this file instead of the config");
    },
    run,
};

}  // namespace devtrack::cli
