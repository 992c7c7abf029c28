// devtrack pause | resume | set-interval | reload: steer the running daemon.
// Pause and interval are stored, so they survive a restart; with the daemon
// down they are written to the store for its next start.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "store/daemon_state.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// Calls the daemon, or applies `offline` to the store when it is not running.
template <class Offline>
void call_or_store(const std::string& command, const nlohmann::json& args, Offline offline) {
  try {
    daemon_call(command, args.dump());
  } catch (const ipc::NotRunning&) {
    Store store(paths::database());
    offline(store);
    std::cout << "(the daemon is not running: it applies this when it starts)\n";
  }
}

int pause(const po::variables_map& args) {
  nlohmann::json a = nlohmann::json::object();
  int64_t until = kUntilResumed;
  if (args.count("for")) {
    auto d = parse_duration(args["for"].as<std::string>());
    if (!d || d->count() <= 0) throw UsageError("--for takes a duration like 30m or 2h");
    if (auto range = duration_range_error("--for", *d); !range.empty()) throw UsageError(range);
    a["for_s"] = d->count();
    until = process_clock().now_ms() + d->count() * 1000;
  }
  call_or_store("pause", a, [&](Store& s) { set_pause(s, until); });
  std::cout << (args.count("for") ? "prompts paused for " + args["for"].as<std::string>() : "prompts paused until `devtrack resume`")
            << "\n";
  return kOk;
}

int resume(const po::variables_map&) {
  call_or_store("resume", nlohmann::json::object(), [](Store& s) { clear_pause(s); });
  std::cout << "prompts resumed\n";
  return kOk;
}

int set_interval(const po::variables_map& args) {
  auto d = parse_duration(args["DURATION"].as<std::string>());
  if (!d || d->count() < 60) throw UsageError("DURATION must be at least 1m, like 90m or 2h");
  if (auto range = duration_range_error("DURATION", *d); !range.empty()) throw UsageError(range);
  call_or_store("set-interval", {{"seconds", d->count()}},
                [&](Store& s) { set_chosen_interval_s(s, d->count()); });
  std::cout << "prompt interval set to " << format_duration(*d) << "\n";
  return kOk;
}

int reload(const po::variables_map&) {
  auto r = nlohmann::json::parse(daemon_call("reload"));
  std::cout << "config reloaded; running plugins: " << (r["running"].empty() ? "none" : "");
  for (size_t i = 0; i < r["running"].size(); ++i) std::cout << (i ? ", " : "") << r["running"][i].get<std::string>();
  std::cout << "\n";
  return kOk;
}

}  // namespace

extern const Command kPause = {
    "pause", "stop asking for a while (or until resume)", "",
    [](Spec& s) {
      s.options.add_options()("for", po::value<std::string>()->value_name("DURATION"), "pause for DURATION (2h, 30m)");
    },
    pause,
};

extern const Command kResume = {"resume", "ask again after a pause", "", [](Spec&) {}, resume};

extern const Command kSetInterval = {
    "set-interval", "change how long after the last answer the timer asks again", "",
    [](Spec& s) { s.positionals.push_back({"DURATION"}); },
    set_interval,
};

extern const Command kReload = {
    "reload", "make the daemon re-read the config and apply plugin enable/disable",
    "Plugins restart with their new options. A config with errors is refused and\n"
    "the daemon keeps the one it runs with.",
    [](Spec&) {}, reload,
};

}  // namespace devtrack::cli
