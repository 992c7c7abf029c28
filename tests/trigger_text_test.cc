// checkin/trigger_text.h: what a plugin's trigger payload says, read as
// outside input (wrong types, huge or hostile text, times out of range).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "checkin/trigger_text.h"
#include "config/work_hours.h"

using namespace devtrack;
using nlohmann::json;

namespace {

constexpr int64_t k10am = 1'780'308'000'000;  // 2026-06-01T10:00:00Z

}  // namespace

TEST_CASE("trigger text: a meeting's title, time range and suggestions, in the user's zone") {
  json d = {{"title", "Sprint planning"},
            {"start_ms", k10am},
            {"end_ms", k10am + 3'600'000},
            {"suggested", {{"minutes", 60}, {"project", "widgets"}, {"ticket", {{"system", "jira"}, {"key", "BILL-7"}}}}}};
  TriggerText t = trigger_text(d.dump());
  const auto* utc = configured_zone("UTC");
  const auto* berlin = configured_zone("Europe/Berlin");  // UTC+2 in June
  CHECK(trigger_label(t, utc) == "Sprint planning (10:00\u201311:00)");
  CHECK(trigger_question(t, berlin) == "What came out of 'Sprint planning' (12:00\u201313:00)?");
  CHECK(t.suggested_minutes == 60);
  CHECK(t.suggested_project == "widgets");
  CHECK(json::parse(t.suggested_ticket) == json{{"system", "jira"}, {"key", "BILL-7"}});
  // The plugin's own question wins; no title, no label.
  t = trigger_text(json{{"question", "Anything to log?"}}.dump());
  CHECK(trigger_question(t, utc) == "Anything to log?");
  CHECK(trigger_label(t, utc).empty());
  CHECK(trigger_question(trigger_text("{}"), utc).empty());  // the caller's default
}

TEST_CASE("trigger text: what is not a payload, or of the wrong type or range, is left out") {
  const auto* utc = configured_zone("UTC");
  for (const char* bad : {"", "not json", "[1, 2]", "null", "\"title\""}) {
    TriggerText t = trigger_text(bad);
    CHECK(t.title.empty());
    CHECK(t.start_ms == 0);
  }
  json d = {{"title", 5},
            {"question", json::array()},
            {"start_ms", "10:00"},
            {"end_ms", -1},
            {"suggested", {{"minutes", 90000}, {"project", 3}, {"ticket", {{"key", "no system"}}}}}};
  TriggerText t = trigger_text(d.dump());
  CHECK(t.title.empty());
  CHECK(t.question.empty());
  CHECK(t.start_ms == 0);
  CHECK(t.end_ms == 0);
  CHECK(t.suggested_minutes == 0);  // more than a day is not a suggestion
  CHECK(t.suggested_project.empty());
  CHECK(t.suggested_ticket.empty());
  // An end before the start, and a time past year 9999, are dropped.
  t = trigger_text(json{{"title", "x"}, {"start_ms", k10am}, {"end_ms", k10am - 1}}.dump());
  CHECK(trigger_label(t, utc) == "x (10:00)");
  t = trigger_text(json{{"title", "x"}, {"start_ms", INT64_MAX}}.dump());
  CHECK(trigger_label(t, utc) == "x");
  CHECK(trigger_text(json{{"suggested", {{"minutes", 0}}}}.dump()).suggested_minutes == 0);
  CHECK(trigger_text(json{{"suggested", {{"minutes", -5}}}}.dump()).suggested_minutes == 0);
  CHECK(trigger_text(json{{"suggested", {{"minutes", 1440}}}}.dump()).suggested_minutes == 1440);
}

TEST_CASE("trigger text: one bounded line of valid UTF-8, with no control bytes for the terminal") {
  TriggerText t = trigger_text("{\"title\": \"Stand\\u001b]0;owned\\u0007up\\nsecond line\\r\\t\\u007f\"}");
  CHECK(t.title == "Stand ]0;owned up second line   ");
  CHECK(t.title.find('\x1b') == std::string::npos);
  std::string huge(1 << 20, 'a');
  t = trigger_text(json{{"title", huge}, {"question", huge}}.dump());
  CHECK(t.title.size() <= 200);
  CHECK(t.question.size() <= 400);
  CHECK(t.title.substr(t.title.size() - 6) == " [...]");
  // A payload that is not UTF-8 is not JSON: nothing of it is shown.
  t = trigger_text("{\"title\": \"caf\xe9\"}");
  CHECK(t.title.empty());
}
