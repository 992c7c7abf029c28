// The end-of-day summary: one local day's answers grouped by project, then
// ticket (with their commits, minutes, status and outbox rows), plus the
// prompts left unanswered (skipped, expired). Built from the store as JSON
// (the `--format json` shape, docs/summary.md), rendered as Markdown — with
// markers that let an edited copy be mapped back (summary_edit.h) — or HTML.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

class Store;
struct Config;

struct LocalDay {
  std::string date;  // YYYY-MM-DD
  int64_t start_ms = 0, end_ms = 0;  // [start, end): 23 or 25 h on DST days
};

// "today" | "yesterday" | "YYYY-MM-DD" in `timezone` ("" = the system's).
// Throws devtrack::Error for anything else.
LocalDay local_day(const std::string& spec, const std::string& timezone, int64_t now_ms);

// The day's work as JSON text.
std::string day_summary_json(Store& store, const Config& config, const LocalDay& day, int64_t now_ms);

// Markdown with mapping markers, and a self-contained HTML page.
std::string summary_markdown(const std::string& summary_json);
std::string summary_html(const std::string& summary_json);

// "2 h 30 min", "45 min".
std::string minutes_text(int64_t minutes);

}  // namespace devtrack
