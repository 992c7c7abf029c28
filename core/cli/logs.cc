// devtrack logs [-f]: reads the daemon's and worker's log lines from the store.
#include <date/date.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/command.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

std::string iso_time(int64_t ms) {
  return date::format("%FT%TZ", date::floor<std::chrono::milliseconds>(from_ms(ms)));
}

void print(const std::vector<LogRecord>& rows, bool json) {
  for (const auto& r : rows) {
    if (json)
      std::cout << nlohmann::json{{"id", r.id}, {"at", iso_time(r.at_ms)}, {"level", r.level},
                                  {"source", r.source}, {"message", r.message}}
                       .dump()
                << "\n";
    else
      std::cout << iso_time(r.at_ms) << " " << r.level << " [" << r.source << "] " << r.message << "\n";
  }
  std::cout.flush();
}

int run(const po::variables_map& args) {
  LogQuery q;
  q.limit = args["lines"].as<int>();
  if (q.limit <= 0) throw UsageError("--lines must be positive");
  if (args.count("level")) {
    q.min_level = level_number(args["level"].as<std::string>());
    if (q.min_level < 0) throw UsageError("--level must be debug, info, warn or error");
  }
  if (args.count("source")) q.source = args["source"].as<std::string>();
  if (args.count("since")) {
    auto d = parse_duration(args["since"].as<std::string>());
    if (!d) throw UsageError("--since takes a duration like 2h or 1d");
    q.since_ms = process_clock().now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(*d).count();
  }
  bool json = args.count("json") > 0;
  bool follow = args.count("follow") > 0;
  std::error_code ec;
  if (!std::filesystem::exists(paths::database(), ec)) {
    if (!follow) {
      if (!json) std::cerr << "no logs yet (" << paths::database() << " does not exist)\n";
      return kOk;
    }
  }
  Store store(paths::database());
  auto rows = store.read_logs(q);
  print(rows, json);
  if (!follow) return kOk;
  // Follow: the CLI is short-lived and outside the daemon's loop, so a
  // quarter-second poll of the primary-key index is the simple, cheap way.
  q.after_id = rows.empty() ? 0 : rows.back().id;
  q.limit = 1000;
  if (rows.empty()) {
    auto last = store.read_logs(LogQuery{0, 0, 0, "", 1});
    if (!last.empty()) q.after_id = last.back().id;
  }
  while (std::cout) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    rows = store.read_logs(q);
    if (!rows.empty()) {
      print(rows, json);
      q.after_id = rows.back().id;
    }
  }
  return kOk;
}

}  // namespace

extern const Command kLogs = {
    "logs",
    "show the daemon's and worker's log lines",
    "Commit messages and answers appear only with logging.content: true.",
    [](Spec& s) {
      s.options.add_options()("follow,f", "keep printing new lines as they arrive")(
          "lines,n", po::value<int>()->default_value(50)->value_name("N"), "how many recent lines")(
          "level", po::value<std::string>()->value_name("LEVEL"), "only this level and above (debug|info|warn|error)")(
          "source", po::value<std::string>()->value_name("NAME"), "only lines from this process or plugin")(
          "since", po::value<std::string>()->value_name("DURATION"), "only lines from the last DURATION (2h, 1d)")(
          "json", "print one JSON object per line");
    },
    run,
};

}  // namespace devtrack::cli
