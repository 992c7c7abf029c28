// devtrack standup: the last work day's work, today's plan and the
// blockers, as Markdown to paste where the team talks, or --json.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "store/assigned.h"
#include "store/store.h"
#include "summary/standup.h"
#include "util/clock.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  Store store(paths::database());
  int64_t now = process_clock().now_ms();
  auto assigned = assigned_lists(store, enabled_trackers(loaded), now);
  std::string standup = standup_json(store, loaded.config, args["date"].as<std::string>(), assigned, now);
  if (args.count("json")) std::cout << nlohmann::json::parse(standup).dump(2) << "\n";
  else std::cout << standup_markdown(standup);
  return kOk;
}

}  // namespace

extern const Command kStandup = {
    "standup", "the last work day's work, today's plan and your blockers, as Markdown",
    "The last work day is the latest earlier day of settings.work_days with an answer (within 14 days),\n"
    "shown as its summary shows it. Today lists the tickets whose latest answer says in progress, then\n"
    "the open tickets assigned to you (devtrack tickets) not done since. Blockers are the tickets (and\n"
    "answers without one) whose latest answer says blocked.",
    [](Spec& s) {
      s.options.add_options()("date", po::value<std::string>()->default_value("today")->value_name("DAY"),
                              "the standup's day: today, yesterday, -3d or YYYY-MM-DD (in settings.timezone)")(
          "json", "print the standup as JSON for scripts");
    },
    run,
};

}  // namespace devtrack::cli
