// The end-of-day summary: one local day's answers grouped by project, then
// ticket (with their commits, minutes, status and outbox rows), plus the
// prompts left unanswered (skipped, expired). Built from the store as JSON
// (the `--format json` shape, docs/summary.md), rendered as Markdown — with
// markers that let an edited copy be mapped back (summary_edit.h) — or HTML.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

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

// An answer's project as the summary and the report count it: the one its
// parse found, else the one project whose `repos` (or `github`) hold the
// prompt's repository — its path or its commits' owner/name — matched as
// the rules parser matches them (none when several do). So both agree with
// what the prompt showed, also for an answer parsed without the commit's
// remote. The repositories of the range's answers are read in one query,
// the first time an answer's parse names no project.
class AnswerProjects {
 public:
  AnswerProjects(Store& store, const Config& config, int64_t from_ms, int64_t to_ms)
      : store_(store), config_(config), from_ms_(from_ms), to_ms_(to_ms) {}
  // "" for none.
  std::string of(int64_t response_id, const nlohmann::json& parsed);

 private:
  Store& store_;
  const Config& config_;
  int64_t from_ms_, to_ms_;
  bool read_ = false;
  std::map<int64_t, std::vector<std::string>> repos_;  // response id -> paths and owner/names
};

// The tickets an answer still counts for: its parsed tickets ([null] when
// it names none) less those it was deleted under in a summary edit (the
// parse's "summary_removed", written by apply_summary_edits). Empty: the
// answer was deleted and counts nowhere, in the summary or the report.
nlohmann::json kept_tickets(const nlohmann::json& parsed);


}  // namespace devtrack
