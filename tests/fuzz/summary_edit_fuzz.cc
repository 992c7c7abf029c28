// Fuzzes the summary edit mapping (core/summary/summary_edit.h): the input
// is the Markdown a user saved from `devtrack summary --edit`, mapped back
// onto a fixed day (the shape of docs/summary.md: two projects, a GitHub
// and a Jira ticket, an answer without a ticket, two unanswered prompts).
// An input "SUMMARY_JSON\0MARKDOWN" maps against that day instead: how a
// day of another shape is kept as a regression input.
// Properties: the unedited Markdown maps to no change; any edit only names
// answers and prompts of that day; stripping markers never fails.
#include <nlohmann/json.hpp>

#include <optional>
#include <set>

#include "fuzz_support.h"
#include "summary/summary.h"
#include "summary/summary_edit.h"

using nlohmann::json;

namespace {

const char* kSummary = R"({"date": "2026-06-01", "timezone": "Europe/Berlin", "total_minutes": 150,
 "answers": 4, "commits": 3,
 "projects": [
  {"project": "widgets", "minutes": 90, "tickets": [
   {"ticket": {"system": "github", "repo": "acme/widgets", "number": 12},
    "text": "acme/widgets#12", "title": "Fix the login redirect", "minutes": 60, "status": "done",
    "answers": [
     {"response_id": 5, "prompt_id": 4, "time": "10:12", "text": "fixed the login redirect, 30m, done",
      "typed": "fixed the login redirect, 30m, done", "minutes": 30, "status": "done",
      "commits": [{"commit": "3f2a1b0c9d8e7f60", "summary": "fix the login redirect", "repo": "acme/widgets"}],
      "updates": [{"id": 7, "kind": "comment", "state": "queued", "plugin": "github"}]},
     {"response_id": 9, "prompt_id": 10, "time": "11:30", "text": "tests for the redirect",
      "typed": "tests", "minutes": 30, "status": null, "commits": [],
      "updates": [{"id": 11, "kind": "comment", "state": "sent", "plugin": "github"}]}]},
   {"ticket": null, "text": "no ticket", "title": "", "minutes": 30, "status": null,
    "answers": [{"response_id": 12, "prompt_id": 13, "time": "12:00", "text": "code review", "typed": "code review",
                 "minutes": 30, "status": null, "commits": [], "updates": []}]}]},
  {"project": "billing", "minutes": 60, "tickets": [
   {"ticket": {"system": "jira", "key": "BILL-7"}, "text": "BILL-7", "title": "Invoices in EUR", "minutes": 60,
    "status": "in_progress",
    "answers": [{"response_id": 14, "prompt_id": 15, "time": "14:00", "text": "BILL-7 invoices, 1h",
                 "typed": "BILL-7 invoices, 1h", "minutes": 60, "status": "in_progress",
                 "commits": [{"commit": "9c1d2e3f4a5b6c7d", "summary": "wip", "repo": "acme/billing"}],
                 "updates": [{"id": 16, "kind": "comment", "state": "held", "plugin": "jira"},
                             {"id": 17, "kind": "worklog", "state": "held", "plugin": "jira"}]}]}]}],
 "unanswered": [
  {"prompt_id": 6, "response_id": 8, "state": "skipped", "time": "15:40", "kind": "commit",
   "repo": "/home/me/widgets", "branch": "main", "suggestion": null,
   "commits": [{"commit": "aa11bb22cc33dd44", "summary": "wip", "repo": "acme/widgets"}]},
  {"prompt_id": 18, "response_id": null, "state": "expired", "time": "16:10", "kind": "timer",
   "repo": "", "branch": "", "suggestion": null, "commits": []}]})";

struct Day {
  std::string summary;
  std::string markdown;
  std::set<int64_t> responses, prompts;

  explicit Day(const std::string& summary_json) : summary(json::parse(summary_json).dump()) {
    markdown = devtrack::summary_markdown(summary);
    json s = json::parse(summary);
    for (const auto& p : s["projects"])
      for (const auto& t : p["tickets"])
        for (const auto& a : t["answers"]) responses.insert(a["response_id"].get<int64_t>());
    for (const auto& u : s["unanswered"]) prompts.insert(u["prompt_id"].get<int64_t>());
  }
};

void check_edits(const Day& day, const std::string& edited) {
  auto edits = devtrack::map_summary_edits(day.summary, edited);
  if (edited == day.markdown)
    FUZZ_CHECK(edits.empty() && edits.unmapped.empty(), "the unedited summary maps to changes:\n" + edited);
  for (const auto& e : edits.edits) FUZZ_CHECK(day.responses.count(e.response_id), "edit of " + edited);
  for (const auto& e : edits.removals) FUZZ_CHECK(day.responses.count(e.response_id), "removal in " + edited);
  for (const auto& f : edits.fills) FUZZ_CHECK(day.prompts.count(f.prompt_id), "fill in " + edited);
  for (const auto& e : edits.edits) FUZZ_CHECK(json::accept(e.ticket_json), e.ticket_json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Day fixed(kSummary);
  static const bool unedited_ok = (check_edits(fixed, fixed.markdown), true);
  (void)unedited_ok;
  std::string_view in = fuzz::bytes(data, size);
  size_t nul = in.find('\0');
  if (!in.empty() && in[0] == '{' && nul != std::string_view::npos && json::accept(in.substr(0, nul))) {
    std::optional<Day> day;
    try {
      day.emplace(std::string(in.substr(0, nul)));
    } catch (const std::exception&) {
      return -1;  // not the shape day_summary_json writes: nothing to map against
    }
    check_edits(*day, std::string(in.substr(nul + 1)));
  } else {
    check_edits(fixed, std::string(in));
  }
  devtrack::strip_summary_markers(std::string(in));
  return 0;
}
