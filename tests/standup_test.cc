// devtrack standup through the real CLI on a real store: answers over a
// week written the way checkin writes them (parsed by the real rules
// plugin through `devtrack parse`), kept assigned lists, and the three
// sections read back as JSON and Markdown.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "store/assigned.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "test_support.h"
#include "util/clock.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

int64_t at(const std::string& utc) { return to_ms(*parse_utc_time(utc)); }

struct Week {
  TempHome home;
  Week() {
    set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("recording"));
    spit(home.file("config.yaml"),
         "settings: {timezone: Europe/Berlin, work_days: [mon, tue, wed, thu, fri]}\n"
         "projects:\n  - id: widgets\n    github: acme/widgets\n  - id: billing\n    jira: [BILL]\n"
         "plugins:\n  rules: {enabled: true}\n  timer: {enabled: false}\n  github: {enabled: true, mode: ok}\n");
  }
  ~Week() {
    ::unsetenv("DEVTRACK_TEST_CLOCK");
    ::unsetenv("DEVTRACK_PLUGIN_PATH");
  }
  // An answer at `utc`, parsed as checkin parses it.
  void answer(const std::string& utc, const std::string& text) {
    auto parsed = run("parse --json '" + text + "'");
    REQUIRE(parsed.status == 0);
    Store store(home.file("devtrack.db"));
    PromptRow p;
    p.kind = "manual";
    p.created_ms = at(utc);
    int64_t prompt = create_prompt(store, p);
    int64_t response = record_response(store, prompt, PromptState::kAnswered, text, at(utc));
    set_parsed(store, response, json::parse(parsed.out).dump());
  }
  void assigned(const std::string& tickets_json) {
    Store store(home.file("devtrack.db"));
    put_assigned(store, "github", tickets_json, at("2026-06-01T06:00:00Z"));
  }
  json standup(const std::string& day) {
    set_env("DEVTRACK_TEST_CLOCK", day + "T07:30:00Z");
    auto r = run("standup --json");
    INFO(r.out + r.err);
    REQUIRE(r.status == 0);
    return json::parse(r.out);
  }
};

std::vector<std::string> texts(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i["text"].is_string() ? i["text"].get<std::string>() : "(none)");
  return out;
}

}  // namespace

TEST_CASE("standup on a Monday: Friday's work, what is still in progress and assigned, and what blocks") {
  Week w;
  w.answer("2026-05-29T08:00:00Z", "acme/widgets#12 started on the login redirect, 1h");
  w.answer("2026-05-29T10:00:00Z", "BILL-7 invoice export, blocked by finance, 30m");
  w.answer("2026-05-29T12:00:00Z", "code review for the team, 20m");
  w.answer("2026-05-31T18:00:00Z", "acme/widgets#30 hotfix for checkout, done, 15m");  // a Sunday
  w.assigned(R"([{"ticket": {"system": "github", "repo": "acme/widgets", "number": 12}, "title": "Login redirect", "url": "", "state": "open"},
                 {"ticket": {"system": "github", "repo": "acme/widgets", "number": 30}, "title": "Checkout hotfix", "url": "", "state": "open"},
                 {"ticket": {"system": "github", "repo": "acme/widgets", "number": 41}, "title": "Dark mode", "url": "", "state": "open"}])");
  json s = w.standup("2026-06-01");
  INFO(s.dump(2));
  CHECK(s["date"] == "2026-06-01");
  // The last work day is Friday: Sunday's hotfix is not "yesterday".
  REQUIRE(s["previous"].is_object());
  CHECK(s["previous"]["date"] == "2026-05-29");
  CHECK(s["previous"]["total_minutes"] == 110);
  CHECK(texts(s["previous"]["items"]) == std::vector<std::string>{"acme/widgets#12", "BILL-7", "(none)"});
  // In progress first, then assigned and not done since (#30 was done on Sunday).
  CHECK(texts(s["today"]) == std::vector<std::string>{"acme/widgets#12", "acme/widgets#41"});
  CHECK(s["today"][0]["source"] == "in_progress");
  CHECK(s["today"][0]["since"] == "2026-05-29");
  CHECK(s["today"][1]["source"] == "assigned");
  CHECK(s["today"][1]["title"] == "Dark mode");
  REQUIRE(s["blockers"].size() == 1);
  CHECK(s["blockers"][0]["text"] == "BILL-7");
  CHECK(s["blockers"][0]["answer"] == "BILL-7 invoice export, blocked by finance, 30m");

  set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T07:30:00Z");
  std::string md = run("standup").out;
  INFO(md);
  CHECK(md.find("# Standup, 2026-06-01") != std::string::npos);
  CHECK(md.find("## Fri 2026-05-29 — 1 h 50 min") != std::string::npos);
  CHECK(md.find("- acme/widgets#12 — 1 h, in progress") != std::string::npos);
  CHECK(md.find("- acme/widgets#41 Dark mode (assigned in github)") != std::string::npos);
  CHECK(md.find("- BILL-7: BILL-7 invoice export, blocked by finance, 30m (since 2026-05-29)") != std::string::npos);
}

TEST_CASE("standup: a later answer clears a blocker and finishes the work, an empty fortnight says so") {
  Week w;
  w.answer("2026-06-01T08:00:00Z", "BILL-7 invoice export, blocked by finance, 30m");
  w.answer("2026-06-01T09:00:00Z", "waiting on legal for the contract text, blocked, 10m");
  w.answer("2026-06-02T08:00:00Z", "BILL-7 finished the invoice export, done, 1h");
  json s = w.standup("2026-06-03");
  INFO(s.dump(2));
  CHECK(s["previous"]["date"] == "2026-06-02");
  CHECK(texts(s["today"]).empty());
  // BILL-7 is done now; the answer without a ticket still blocks.
  CHECK(texts(s["blockers"]) == std::vector<std::string>{"(none)"});
  CHECK(s["blockers"][0]["since"] == "2026-06-01");

  json later = w.standup("2026-07-01");
  INFO(later.dump(2));
  CHECK(later["previous"].is_null());
  CHECK(later["blockers"].empty());
  set_env("DEVTRACK_TEST_CLOCK", "2026-07-01T07:30:00Z");
  std::string md = run("standup").out;
  CHECK(md.find("Nothing recorded in the last 14 days.") != std::string::npos);
  CHECK(md.find("## Blockers\n\nNone.") != std::string::npos);
  CHECK(run("standup --date someday").status == 2);
}
