// devtrack gc: retention cleanup of the store.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "store/activity_store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// --NAME DURATION, checked, else `configured`.
std::chrono::seconds retention_option(const po::variables_map& args, const std::string& name,
                                      std::chrono::seconds configured) {
  if (!args.count(name)) return configured;
  auto d = parse_duration(args[name].as<std::string>());
  if (!d) throw UsageError("--" + name + " takes a duration like 90d or 12h");
  if (auto range = duration_range_error("--" + name, *d); !range.empty()) throw UsageError(range);
  return *d;
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  auto retention = retention_option(args, "logs-older-than", loaded.config.logging.retention);
  auto activity_retention = retention_option(args, "activity-older-than", loaded.config.activity.retention);
  bool dry = args.count("dry-run") > 0;
  std::error_code ec;
  GcReport r;
  int64_t activity = 0;
  if (std::filesystem::exists(paths::database(), ec)) {
    Store store(paths::database());
    int64_t now = process_clock().now_ms();
    r = store.gc(retention, now, dry);
    activity = remove_activity_before(
        store, now - std::chrono::duration_cast<std::chrono::milliseconds>(activity_retention).count(), dry);
  }
  if (args.count("json")) {
    std::cout << nlohmann::json{{"dry_run", dry}, {"logs", r.logs}, {"cache", r.cache}, {"activity", activity}}.dump()
              << "\n";
    return kOk;
  }
  std::cout << (dry ? "would remove " : "removed ") << r.logs << " log line" << (r.logs == 1 ? "" : "s")
            << " older than " << format_duration(retention) << ", " << activity << " heartbeat"
            << (activity == 1 ? "" : "s") << " older than " << format_duration(activity_retention) << " and "
            << r.cache << " expired cache entr" << (r.cache == 1 ? "y" : "ies") << "\n";
  return kOk;
}

}  // namespace

extern const Command kGc = {
    "gc",
    "remove old log lines, old activity and expired cache entries",
    "Log lines older than logging.retention (default 30d) and activity (heartbeats, commit times) older\n"
    "than activity.retention (default 90d) are removed.",
    [](Spec& s) {
      s.options.add_options()("dry-run", "only count what would be removed")(
          "logs-older-than", po::value<std::string>()->value_name("DURATION"),
          "override logging.retention for this run")(
          "activity-older-than", po::value<std::string>()->value_name("DURATION"),
          "override activity.retention for this run")("json", "print counts as JSON");
    },
    run,
};

}  // namespace devtrack::cli
