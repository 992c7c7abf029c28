// devtrack report: a timesheet over a range of days, by day, project or
// ticket, as a table, CSV, JSON or a self-contained HTML page with a chart.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "util/duration.h"
#include "store/store.h"
#include "summary/report.h"
#include "summary/summary.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  std::string format = args["format"].as<std::string>();
  if (format != "table" && format != "csv" && format != "json" && format != "html")
    throw UsageError("--format is table, csv, json or html");
  std::string by = args["by"].as<std::string>();
  if (by != "day" && by != "project" && by != "ticket" && by != "device")
    throw UsageError("--by is day, project, ticket or device");
  Loaded loaded = load_config_and_plugins();
  Store store(paths::database());
  const bool sources = args.count("sources") > 0;
  std::string report = report_json(store, loaded.config, args["from"].as<std::string>(), args["to"].as<std::string>(),
                                   by, process_clock().now_ms(), sources);
  if (format == "json") std::cout << json::parse(report).dump(2) << "\n";
  else if (format == "csv") std::cout << report_csv(report, sources);
  else if (format == "html") std::cout << report_html(report);
  else {
    json r = json::parse(report);
    std::vector<std::vector<std::string>> table = {{by == "day" ? "DAY" : by == "project" ? "PROJECT" : by == "device" ? "DEVICE" : "TICKET",
                                                    "TIME", "ANSWERS"}};
    if (sources) table[0].insert(table[0].end(), {"TYPED", "PROPOSED", "FROM TRIGGER"});
    for (const auto& row : r["rows"]) {
      table.push_back({row["key"], minutes_text(row["minutes"]), std::to_string(row["answers"].get<int>())});
      if (sources)
        for (const char* k : {"typed_minutes", "proposed_minutes", "suggested_minutes"})
          table.back().push_back(minutes_text(row[k]));
    }
    table.push_back({"total", minutes_text(r["total_minutes"]), ""});
    if (sources) table.back().resize(table[0].size());
    print_table(table);
  }
  return kOk;
}

}  // namespace

extern const Command kReport = {
    "report", "a timesheet over a range of days, by day, project, ticket or device",
    "Days are local days in settings.timezone. --format html writes one self-contained page (no network)\n"
    "with a chart of time per project per day: devtrack report --from 2026-11-01 --format html > nov.html",
    [](Spec& s) {
      s.options.add_options()("from", po::value<std::string>()->default_value("today")->value_name("DAY"),
                              "first day: today, yesterday, this-week, last-week, this-month, last-month, -7d or YYYY-MM-DD")(
          "to", po::value<std::string>()->default_value("today")->value_name("DAY"), "last day (inclusive)")(
          "by", po::value<std::string>()->default_value("day")->value_name("KEY"), "day, project, ticket or device (sync: which machine it was answered on)")(
          "format", po::value<std::string>()->default_value("table")->value_name("FMT"), "table, csv, json or html")(
          "sources", "also split the time by where it came from: typed, proposed from activity, from the trigger");
    },
    run,
};

}  // namespace devtrack::cli
