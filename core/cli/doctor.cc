// devtrack doctor: one line per check, with the fix for anything wrong.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/plugin_checks.h"
#include "config/config.h"
#include "git/hooks.h"
#include "ipc/ipc.h"
#include "plugin/registry.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "util/json_text.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

struct Check {
  std::string name;
  bool ok;
  std::string detail;
  std::string fix;
  // A state worth knowing that is not a fault (no desktop on a server):
  // shown as "warn" and not counted as a failure.
  bool warning = false;
};

void check_program(std::vector<Check>& out, const std::string& name) {
  std::string path = paths::helper(name);
  bool ok = ::access(path.c_str(), X_OK) == 0;
  out.push_back({name, ok, path, ok ? "" : "reinstall DevTrack (scripts/install.sh)"});
}

// The plugin files found, and each refused one with its reason.
std::vector<PluginInfo> check_registry(std::vector<Check>& checks) {
  std::vector<PluginInfo> plugins;
  try {
    plugins = load_registry();
    int refused = 0;
    for (const auto& p : plugins) refused += p.refused;
    checks.push_back({"plugin registry", true,
                      std::to_string(plugins.size() - refused) + " plugin(s) usable, " + std::to_string(refused) +
                          " refused",
                      ""});
    for (const auto& p : plugins)
      if (p.refused) checks.push_back({"plugin " + p.path, false, p.error, "remove or rebuild it"});
  } catch (const std::exception& e) {
    checks.push_back({"plugin registry", false, e.what(), "reinstall DevTrack (scripts/install.sh)"});
  }
  return plugins;
}

// The config, the plugins it enables and what those say of their set-up.
void check_config(std::vector<Check>& checks, const std::vector<PluginInfo>& plugins) {
  ConfigResult config = load_config(paths::config_file(), plugins);
  std::string config_problems;
  for (const auto& d : config.diagnostics)
    if (d.severity == "error") config_problems += (config_problems.empty() ? "" : "; ") + d.str();
  checks.push_back({"config", config.ok(), config.ok() ? paths::config_file() : config_problems,
                    config.ok() ? "" : "fix it: devtrack config check"});
  if (!config.ok()) return;
  std::string enabled;
  for (const auto& [id, pc] : config.config.plugins)
    if (pc.enabled) enabled += (enabled.empty() ? "" : ", ") + id;
  checks.push_back({"enabled plugins", true, enabled.empty() ? "none" : enabled, ""});
  for (auto& c : local_plugin_checks(plugins, config.config))
    checks.push_back({c.name, c.ok, c.detail, c.fix, c.warning});
}

// The daemon, its socket directory, and the checks of the plugins it runs.
void check_daemon(std::vector<Check>& checks) {
  bool running = ipc::daemon_running();
  checks.push_back({"daemon", running, running ? "running, socket " + ipc::socket_path() : "not running",
                    running ? "" : "devtrack start"});
  if (!running) return;
  struct stat st;
  bool private_dir = ::stat(ipc::socket_dir().c_str(), &st) == 0 && (st.st_mode & 077) == 0;
  checks.push_back({"socket directory", private_dir, ipc::socket_dir(),
                    private_dir ? "" : "chmod 700 " + ipc::socket_dir()});
  // The plugins' own checks (tokens, servers...), run where they live.
  try {
    auto result = nlohmann::json::parse(daemon_call("doctor"));
    for (const auto& c : result["checks"]) {
      auto text = [&](const char* key) {
        return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : std::string();
      };
      checks.push_back({text("name").empty() ? "plugin" : text("name"),
                        c.contains("ok") && c["ok"].is_boolean() && c["ok"].get<bool>(), text("detail"), text("fix"),
                        text("severity") == "warning"});
    }
  } catch (const std::exception& e) {
    checks.push_back({"plugin checks", false, e.what(), "devtrack logs"});
  }
}

// The outbox and the hook of every watched repository.
void check_store(std::vector<Check>& checks) {
  try {
    Store store(paths::database());
    auto counts = count_updates_by_state(store);
    int64_t blocked = counts[UpdateState::kBlocked], failed = counts[UpdateState::kFailed];
    checks.push_back({"outbox", blocked == 0 && failed == 0,
                      std::to_string(blocked) + " blocked, " + std::to_string(failed) + " failed update(s)",
                      blocked || failed ? "devtrack updates list; fix the cause, then devtrack updates retry ID" : ""});
    for (const auto& r : list_repos(store)) {
      std::string state = r.hooks_dir.empty() ? "missing" : git::check_hook(r.hooks_dir, paths::helper("devtrack-hook"));
      checks.push_back({"hook " + r.path, state == "ok", state, state == "ok" ? "" : "devtrack repos add " + r.path});
    }
  } catch (const std::exception& e) {
    checks.push_back({"database", false, e.what(), "check " + paths::database()});
  }
}

int run(const po::variables_map& args) {
  std::vector<Check> checks;
  auto plugins = check_registry(checks);
  check_config(checks, plugins);
  check_program(checks, "devtrack-worker");
  check_program(checks, "devtrack-hook");
  check_daemon(checks);
  check_store(checks);

  bool all_ok = true;
  for (const auto& c : checks) all_ok = all_ok && (c.ok || c.warning);
  auto severity = [](const Check& c) { return c.ok ? "ok" : c.warning ? "warning" : "fail"; };
  if (args.count("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : checks)
      out.push_back({{"check", c.name},
                     {"ok", c.ok},
                     {"severity", severity(c)},
                     {"detail", c.detail},
                     {"fix", c.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.fix)}});
    std::cout << dump_text(nlohmann::json{{"ok", all_ok}, {"checks", out}}) << "\n";
  } else {
    for (const auto& c : checks) {
      std::cout << (c.ok ? "ok    " : c.warning ? "warn  " : "FAIL  ") << c.name << ": " << c.detail;
      if (!c.fix.empty()) std::cout << "  → fix: " << c.fix;
      std::cout << "\n";
    }
  }
  return all_ok ? kOk : kFailure;
}

}  // namespace

extern const Command kDoctor = {
    "doctor",
    "check the installation, daemon, plugins and hooks, with the fix for each problem",
    "Exit status 1 if any check fails. Warnings (a state, not a fault: no desktop\n"
    "session on a server) are shown and do not fail.",
    [](Spec& s) { s.options.add_options()("json", "print the checks as JSON"); },
    run,
};

}  // namespace devtrack::cli
