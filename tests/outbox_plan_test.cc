// The outbox's pure functions, called directly: what an answer turns into
// (plan_updates), how a ticket reads, what Enter on a suggestion says, and
// the one retry policy. No process, no database.
#include <catch2/catch.hpp>

#include <climits>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "outbox/outbox.h"
#include "util/duration.h"

using namespace devtrack;
using nlohmann::json;

namespace {

// Midday 2026-06-01 UTC.
constexpr int64_t kNoon = 1'780'315'200'000;

Config trackers_config() {
  Config c;
  c.settings.timezone = "UTC";
  c.tracker.grace = std::chrono::seconds(60);
  c.plugins["github"] = {true, false, "{}"};
  c.plugins["jira"] = {true, false, R"({"worklogs": true, "transitions": {"done": "Done"}})"};
  c.plugins["trello"] = {false, false, "{}"};
  return c;
}

json gh(int number, const std::string& repo = "acme/widgets") {
  return {{"system", "github"}, {"repo", repo}, {"number", number}};
}
json jira(const std::string& key) { return {{"system", "jira"}, {"key", key}}; }

std::vector<UpdateRow> plan(const Config& c, const json& parsed, const json& context = json::object()) {
  return plan_updates(c, 7, parsed.dump(), context.dump(), kNoon);
}

}  // namespace

TEST_CASE("plan_updates: one comment per ticket of an enabled tracker, due after the grace") {
  Config c = trackers_config();
  c.tracker.comments = "each";
  auto rows = plan(c, {{"tickets", {gh(12), jira("PRX-1"), {{"system", "trello"}, {"card", "abc"}}}}},
                   {{"text", "fixed the login"}});
  REQUIRE(rows.size() == 2);  // trello is disabled: nothing planned for it
  CHECK(rows[0].target_plugin == "github");
  CHECK(rows[0].kind == "comment");
  CHECK(rows[0].state == UpdateState::kQueued);
  CHECK(rows[0].next_attempt_ms == kNoon + 60'000);
  CHECK(json::parse(rows[0].body)["text"] == "fixed the login");
  CHECK(rows[0].aggregate.empty());  // "each": no day's comment
  CHECK(rows[1].target_plugin == "jira");
  CHECK(rows[0].idempotency_key != rows[1].idempotency_key);
  CHECK(rows[0].idempotency_key.rfind("devtrack-7-comment-", 0) == 0);
}

TEST_CASE("plan_updates: the same answer plans the same keys, so a correction updates its rows") {
  Config c = trackers_config();
  json parsed = {{"tickets", {gh(12)}}};
  auto first = plan(c, parsed, {{"text", "a"}});
  auto again = plan(c, parsed, {{"text", "b, corrected"}});
  REQUIRE(first.size() == 1);
  REQUIRE(again.size() == 1);
  CHECK(first[0].idempotency_key == again[0].idempotency_key);
  CHECK(plan_updates(c, 8, parsed.dump(), "{}", kNoon)[0].idempotency_key != first[0].idempotency_key);
}

TEST_CASE("plan_updates: a worklog for a duration and a transition for a mapped status, where the tracker wants them") {
  Config c = trackers_config();
  auto rows = plan(c, {{"tickets", {jira("PRX-1"), gh(3)}}, {"duration_minutes", 90}, {"status", "done"}});
  std::vector<std::string> kinds;
  for (const auto& u : rows) kinds.push_back(u.target_plugin + ":" + u.kind);
  // GitHub has neither option on: its comment only.
  CHECK(kinds == std::vector<std::string>{"jira:comment", "jira:worklog", "jira:transition", "github:comment"});
  CHECK(json::parse(rows[1].body)["minutes"] == 90);
  // A status the tracker does not map moves nothing.
  CHECK(plan(c, {{"tickets", {jira("PRX-1")}}, {"status", "blocked"}}).size() == 1);
}

TEST_CASE("plan_updates: end-of-day mode holds every row for the summary") {
  Config c = trackers_config();
  c.tracker.mode = "end-of-day";
  for (const auto& u : plan(c, {{"tickets", {gh(1), jira("PRX-2")}}, {"duration_minutes", 5}}))
    CHECK(u.state == UpdateState::kHeld);
}

TEST_CASE("plan_updates: daily comments are parts of the ticket's comment of the local day") {
  Config c = trackers_config();
  c.settings.timezone = "Asia/Tokyo";  // 21:00 there: still 2026-06-01
  auto rows = plan(c, {{"tickets", {gh(12)}}}, {{"answered_at_ms", kNoon}});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].aggregate == "acme/widgets#12:2026-06-01");
  c.settings.timezone = "Pacific/Kiritimati";  // UTC+14: already the 2nd
  CHECK(plan(c, {{"tickets", {gh(12)}}}, {{"answered_at_ms", kNoon}})[0].aggregate == "acme/widgets#12:2026-06-02");
}

TEST_CASE("round_minutes: up or to the nearest step, 0 stays 0, nothing positive becomes 0, no overflow") {
  const MinuteRounding up{15, false}, nearest{15, true};
  CHECK(round_minutes(67, up) == 75);
  CHECK(round_minutes(60, up) == 60);  // a multiple stays
  CHECK(round_minutes(1, up) == 15);
  CHECK(round_minutes(67, nearest) == 60);
  CHECK(round_minutes(68, nearest) == 75);  // 8 of 15: more than half
  CHECK(round_minutes(7, nearest) == 15);   // not 0: a worklog of nothing would be refused
  CHECK(round_minutes(0, up) == 0);         // nothing logged stays nothing
  CHECK(round_minutes(0, nearest) == 0);
  CHECK(round_minutes(67, MinuteRounding{}) == 67);  // no step: not rounded
  CHECK(round_minutes(-5, up) == -5);
  // Bounded at the edge (ten years of minutes at most), but huge values saturate, never wrap.
  CHECK(round_minutes(INT64_MAX, up) == INT64_MAX - INT64_MAX % 15);
  CHECK(round_minutes(INT64_MAX - 1, nearest) == INT64_MAX - INT64_MAX % 15);
  CHECK(round_minutes(INT64_MAX, MinuteRounding{1440, true}) == INT64_MAX - INT64_MAX % 1440);
}

TEST_CASE("parse_rounding: a duration, then up or nearest, and what is wrong is said") {
  MinuteRounding r;
  CHECK(parse_rounding("15m", "tracker.round", &r).empty());
  CHECK(r == MinuteRounding{15, false});
  CHECK(parse_rounding("1h nearest", "tracker.round", &r).empty());
  CHECK(r == MinuteRounding{60, true});
  CHECK(parse_rounding("15 min up", "tracker.round", &r).empty());  // a duration with blanks of its own
  CHECK(r == MinuteRounding{15, false});
  CHECK(rounding_text(r) == "15m up");
  CHECK(rounding_text({90, true}) == "1h30m nearest");
  CHECK(rounding_text({}).empty());
  CHECK(parse_rounding("15m down", "tracker.round", &r) == "tracker.round: 'down' is not a way to round; use up or nearest");
  CHECK(parse_rounding("0m", "tracker.round", &r) == "tracker.round must be more than 0 (leave it out not to round)");
  CHECK(parse_rounding("90s", "tracker.round", &r) == "tracker.round rounds to whole minutes; 1m30s is not");
  CHECK(parse_rounding("2d", "tracker.round", &r) == "tracker.round is 2d; a worklog is rounded to at most a day (1d)");
  CHECK(parse_rounding("5000d", "tracker.round", &r).find("more than the maximum of 10 years") != std::string::npos);
  CHECK(parse_rounding("up", "tracker.round", &r).find("must be a duration") != std::string::npos);
}

TEST_CASE("plan_updates: tracker.round rounds a worklog of its own, keeping the minutes as given") {
  Config c = trackers_config();
  c.tracker.round = {15, false};
  auto rows = plan(c, {{"tickets", {jira("BILL-7")}}, {"duration_minutes", 67}, {"started_ms", kNoon - 3'600'000}});
  REQUIRE(rows.size() == 2);
  json comment = json::parse(rows[0].body), worklog = json::parse(rows[1].body);
  CHECK(worklog["minutes"] == 75);
  CHECK(worklog["raw_minutes"] == 67);
  CHECK(worklog["started_ms"] == kNoon - 3'600'000);  // the work's start, from activity
  CHECK(rows[1].aggregate.empty());                   // immediate mode: one worklog per answer
  CHECK(comment["minutes"] == 67);                    // comments are not rounded
  CHECK_FALSE(comment.contains("started_ms"));
}

TEST_CASE("plan_updates: in end-of-day mode a worklog is a part of the ticket's worklog of the day, rounded there") {
  Config c = trackers_config();
  c.tracker.mode = "end-of-day";
  c.tracker.round = {15, true};
  auto rows = plan(c, {{"tickets", {jira("BILL-7")}}, {"duration_minutes", 20}}, {{"answered_at_ms", kNoon}});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].aggregate == "BILL-7:2026-06-01");
  CHECK(rows[1].aggregate == "BILL-7:2026-06-01:worklog");  // never the comment's row
  json part = json::parse(rows[1].body);
  CHECK(part["minutes"] == 20);  // the day's total is rounded, not each part
  CHECK(part["round"] == "15m nearest");
  CHECK_FALSE(part.contains("raw_minutes"));
  // Each comment, daily worklogs all the same; immediate mode: no day's worklog.
  c.tracker.comments = "each";
  CHECK(plan(c, {{"tickets", {jira("BILL-7")}}, {"duration_minutes", 20}})[1].aggregate == "BILL-7:2026-06-01:worklog");
  c.tracker.mode = "immediate";
  CHECK(plan(c, {{"tickets", {jira("BILL-7")}}, {"duration_minutes", 20}})[1].aggregate.empty());
}

TEST_CASE("plan_updates: a ticket without a repository takes the project's, else the commits' remote") {
  Config c = trackers_config();
  c.projects.push_back({"billing", "Billing", {}, {}, {{"github", {"acme/billing"}}}});
  json bare = {{"system", "github"}, {"number", 4}};
  CHECK(json::parse(plan(c, {{"tickets", {bare}}}, {{"slug", "acme/widgets"}})[0].body)["repo"] == "acme/widgets");
  CHECK(json::parse(plan(c, {{"tickets", {bare}}, {"project", "billing"}}, {{"slug", "acme/widgets"}})[0].body)["repo"] ==
        "acme/billing");
}

TEST_CASE("plan_updates: Enter on the suggestion posts the commits' subjects, marked accepted") {
  Config c = trackers_config();
  json commits = json::array({{{"commit", "e7e9fce0123"}, {"summary", "Fix the redirect"}}, {{"commit", "abcdef9"}}});
  auto rows = plan(c, {{"tickets", {gh(12)}}}, {{"text", "  "}, {"commits", commits}});
  json body = json::parse(rows.at(0).body);
  CHECK(body["text"] == "e7e9fce Fix the redirect; abcdef9");
  CHECK(body["accepted"] == true);
  CHECK_FALSE(json::parse(plan(c, {{"tickets", {gh(12)}}}, {{"text", "typed"}})[0].body).contains("accepted"));
}

TEST_CASE("plan_updates: what is not a parse plans nothing") {
  Config c = trackers_config();
  CHECK(plan_updates(c, 1, "not json", "{}", kNoon).empty());
  CHECK(plan_updates(c, 1, R"({"tickets": "#12"})", "{}", kNoon).empty());
  CHECK(plan_updates(c, 1, R"({"tickets": [12, {"system": 3}, {}]})", "[]", kNoon).empty());
}

TEST_CASE("ticket_text: how each tracker's ticket reads, and nothing for what is none") {
  CHECK(ticket_text(gh(12)) == "acme/widgets#12");
  CHECK(ticket_text({{"system", "github"}, {"number", 3}}) == "#3");
  CHECK(ticket_text(jira("PRX-123")) == "PRX-123");
  CHECK(ticket_text({{"system", "trello"}, {"card", "abc"}}) == "trello:abc");
  CHECK(ticket_text(json("#12")).empty());
  CHECK(ticket_text({{"system", "gitea"}}).empty());
}

TEST_CASE("ticket_text and tracker_of: a 1.1 ticket reads through its tracker's show template") {
  json hello = {{"tracker", "hello-tracker"}, {"system", "hello-tracker"}, {"show", "HELLO-{number}"}, {"number", 7}};
  CHECK(ticket_text(hello) == "HELLO-7");
  CHECK(tracker_of(hello) == "hello-tracker");
  json bare = {{"tracker", "forge"}, {"show", "{repo}#{number}"}, {"repo", nullptr}, {"number", 12}};
  CHECK(ticket_text(bare) == "#12");
  CHECK(needs_repo(bare));
  bare["repo"] = "acme/site";
  CHECK(ticket_text(bare) == "acme/site#12");
  CHECK_FALSE(needs_repo(bare));
  CHECK_FALSE(needs_repo(hello));
  // A broken template falls back to the fields; a third party's id field reads tracker:value.
  CHECK(ticket_text({{"tracker", "x"}, {"show", "{oops"}, {"number", 3}}) == "#3");
  CHECK(ticket_text({{"tracker", "boards"}, {"card", "a1B2c3"}}) == "boards:a1B2c3");
  CHECK(tracker_of({{"system", "github"}}) == "github");
  CHECK(tracker_of(json::array()).empty());
}

TEST_CASE("a ticket routes to the plugin it names, whatever its name, with the same idempotency key as before") {
  Config c = trackers_config();
  c.plugins["hello-tracker"].enabled = true;
  json hello = {{"tracker", "hello-tracker"}, {"system", "hello-tracker"}, {"show", "HELLO-{number}"}, {"number", 7}};
  auto rows = plan_updates(c, 1, json{{"tickets", {hello}}}.dump(), R"({"text": "x"})", kNoon);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].target_plugin == "hello-tracker");
  // The key hashes the ticket's fields and system, not how it is shown.
  json old_style = {{"system", "github"}, {"repo", "acme/widgets"}, {"number", 12}};
  json new_style = old_style;
  new_style["tracker"] = "github";
  new_style["show"] = "{repo}#{number}";
  auto a = plan_updates(c, 1, json{{"tickets", {old_style}}}.dump(), R"({"text": "x"})", kNoon);
  auto b = plan_updates(c, 1, json{{"tickets", {new_style}}}.dump(), R"({"text": "x"})", kNoon);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].idempotency_key == b[0].idempotency_key);
}

TEST_CASE("retry_delay_ms: full jitter under a doubling ceiling, capped at an hour, never before Retry-After") {
  CHECK(retry_delay_ms(1, 0, 0.0) == 0);
  CHECK(retry_delay_ms(1, 0, 0.999) < 30'000);
  CHECK(retry_delay_ms(2, 0, 0.999) < 60'000);
  CHECK(retry_delay_ms(2, 0, 0.999) >= 59'000);
  CHECK(retry_delay_ms(8, 0, 0.999) < 3'600'000);  // 30 s << 7 would pass the hour
  CHECK(retry_delay_ms(8, 0, 0.999) > 3'500'000);
  CHECK(retry_delay_ms(1000, 0, 0.5) == 1'800'000);  // no shift overflow for a huge attempt
  CHECK(retry_delay_ms(0, 0, 0.5) == 15'000);
  CHECK(retry_delay_ms(1, 120, 0.1) == 120'000);  // the server's Retry-After wins
  CHECK(retry_delay_ms(1, -5, 0.0) == 0);
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt)
    CHECK(retry_delay_ms(attempt, 0, 0.5) <= retry_delay_ms(attempt + 1, 0, 0.5));
}

TEST_CASE("plan_updates: a third-party parser's odd ticket fields are read safely") {
  Config c = trackers_config();
  json odd = {{"tracker", "github"}, {"show", "{repo}#{number}"}, {"repo", 5}, {"number", 4}};
  auto rows = plan(c, {{"tickets", {odd}}}, {{"slug", "acme/widgets"}});
  REQUIRE(rows.size() == 1);
  CHECK(json::parse(rows[0].body)["repo"] == "acme/widgets");
}
