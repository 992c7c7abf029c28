// devtrack status: is the daemon running, and what is it doing.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "util/clock.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// The daemon's UTC ISO time as a person reads it ("at 15:42", "tomorrow
// at 09:00"); --json keeps the ISO form for scripts.
std::string human_time(const std::string& iso) {
  auto t = parse_utc_time(iso);
  if (!t) return iso;
  return local_moment(to_ms(*t), load_config_and_plugins().config.settings.timezone);
}

int run(const po::variables_map& args) {
  nlohmann::json s;
  try {
    s = nlohmann::json::parse(daemon_call("status"));
  } catch (const ipc::NotRunning&) {
    if (args.count("json")) std::cout << nlohmann::json{{"running", false}, {"home", paths::home()}}.dump(2) << "\n";
    else std::cout << "devtrack daemon: not running (devtrack start)\n";
    return kFailure;
  }
  if (args.count("json")) {
    std::cout << s.dump(2) << "\n";
    return kOk;
  }
  std::cout << "devtrack daemon: running (pid " << s["pid"] << ", since " << human_time(s["started_at"].get<std::string>())
            << ")\n";
  std::cout << "  home:      " << s["home"].get<std::string>() << "\n";
  if (s["paused"] == true)
    std::cout << "  prompts:   paused "
              << (s["paused_until"].is_null() ? "until resumed" : "until " + human_time(s["paused_until"].get<std::string>()))
              << "\n";
  else
    std::cout << "  prompts:   every " << s["interval_s"].get<int64_t>() / 60 << " min of work\n";
  std::cout << "  repos:     " << s["repos"] << " registered, " << s["watched"] << " watched\n";
  const auto& w = s["worker"];
  std::cout << "  worker:    " << (w["running"] == true ? "running (pid " + w["pid"].dump() + ")" : "not running")
            << (w["pending"].get<int>() ? ", " + w["pending"].dump() + " job(s) pending" : "")
            << (w["crashes"].get<int>() ? ", " + w["crashes"].dump() + " crash(es)" : "") << "\n";
  const auto& u = s["updates"];
  std::string outbox;
  for (const auto& [state, n] : u["by_state"].items()) outbox += (outbox.empty() ? "" : ", ") + n.dump() + " " + state;
  std::cout << "  outbox:    " << (outbox.empty() ? "empty" : outbox) << "\n";
  for (const auto& t : u["blocked_trackers"])
    std::cout << "  WARNING:   " << t.get<std::string>()
              << " refused the credentials: its updates are blocked (devtrack updates list; fix the token, then "
                 "devtrack updates retry ID)\n";
  if (u["allow_http"] == true) std::cout << "  WARNING:   network.allow_http is on: plain HTTP is allowed\n";
  for (const auto& p : s["plugins"])
    std::cout << "  plugin:    " << p["id"].get<std::string>() << " — " << p["state"].get<std::string>() << "\n";
  if (s.contains("summary_due") && s["summary_due"].is_string())
    std::cout << "  summary:   " << s["summary_due"].get<std::string>()
              << " is ready to review (devtrack summary --edit)\n";
  if (s.contains("sync") && s["sync"].value("configured", false)) {
    const auto& y = s["sync"];
    std::cout << "  sync:      " << y["remote"].get<std::string>() << ", last "
              << (y["last_ok_ms"].is_number() ? local_when(y["last_ok_ms"].get<int64_t>(), "") : "never") << "\n";
    if (y["last_error"].is_string()) std::cout << "  WARNING:   sync: " << y["last_error"].get<std::string>() << "\n";
  }
  if (s["clock"] == "manual") std::cout << "  clock:     manual (test mode), now " << s["now"].get<std::string>() << "\n";
  return kOk;
}

}  // namespace

extern const Command kStatus = {
    "status",
    "show whether the daemon runs and what it is doing",
    "Exit status 1 when the daemon is not running.",
    [](Spec& s) { s.options.add_options()("json", "print a JSON object for scripts"); },
    run,
};

}  // namespace devtrack::cli
