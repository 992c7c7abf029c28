// devtrack standup: the last work day's work, today's plan and the
// blockers, as Markdown to paste where the team talks, or --json; --send
// posts it through the sinks.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "store/assigned.h"
#include "store/store.h"
#include "summary/delivery.h"
#include "summary/standup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// Hands the standup to the sinks (--sink, else standup.sinks, else every
// enabled sink) and tells a running daemon to send it now.
int send(const po::variables_map& args, const Loaded& loaded, Store& store, int64_t now) {
  auto chosen = args.count("sink") ? args["sink"].as<std::vector<std::string>>() : loaded.config.standup.sinks;
  auto sinks = delivery_sinks(loaded.plugins, loaded.config, chosen);
  Delivery standup = standup_delivery(store, loaded.config, loaded.plugins, args["date"].as<std::string>(), now);
  auto rows = queue_delivery(store, loaded.config, loaded.plugins, sinks, standup, now);
  if (args.count("json")) {  // what went where, for scripts
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows)
      out.push_back({{"sink", r.sink}, {"recipient", r.recipient.empty() ? nlohmann::json() : nlohmann::json(r.recipient)},
                     {"queued", r.queued}});
    std::cout << nlohmann::json{{"date", standup.date}, {"deliveries", out}}.dump(2) << "\n";
  } else {
    std::cout << standup.markdown << "\n";
    print_deliveries(rows, "standup");
  }
  tell_daemon_updates_changed();
  return kOk;
}

int run(const po::variables_map& args) {
  if (args.count("sink") && !args.count("send")) throw UsageError("--sink goes with --send");
  Loaded loaded = load_config_and_plugins();
  Store store(paths::database());
  int64_t now = process_clock().now_ms();
  if (args.count("send")) return send(args, loaded, store, now);
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
    "answers without one) whose latest answer says blocked. --send posts it through the sink plugins\n"
    "(slack, email: standup.sinks, else every enabled one) by the outbox, retried until it arrives, once;\n"
    "standup.time sends it on work days without asking.",
    [](Spec& s) {
      s.options.add_options()("date", po::value<std::string>()->default_value("today")->value_name("DAY"),
                              "the standup's day: today, yesterday, -3d or YYYY-MM-DD (in settings.timezone)")(
          "json", "print the standup as JSON for scripts (with --send: where it was queued)")(
          "send", "send it to the sinks (standup.sinks, else every enabled sink)")(
          "sink", po::value<std::vector<std::string>>()->value_name("ID"),
          "with --send: this sink plugin instead (repeatable)");
    },
    run,
};

}  // namespace devtrack::cli
