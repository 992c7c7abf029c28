// The end-of-day summary: built from a real store (answers given through a
// real daemon, or seeded through the store API for exact times), edited
// round-trip through a script $EDITOR that makes real edits, and released
// to the outbox (the recording tracker .so stands in for GitHub).
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "event/clock.h"
#include "ipc/ipc.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "summary/summary.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int64_t at(const std::string& utc) { return to_ms(*parse_utc_time(utc)); }

// One prompt and its final response, written the way checkin writes them.
int64_t seed(Store& store, int64_t at_ms, const std::string& state, const std::string& text, const json& parsed) {
  PromptRow p;
  p.kind = "manual";
  p.created_ms = at_ms;
  int64_t prompt = create_prompt(store, p);
  int64_t response = record_response(store, prompt, state, text, at_ms);
  if (!parsed.is_null()) set_parsed(store, response, parsed.dump());
  return response;
}

struct Day {
  TempHome home;
  std::string repo;
  explicit Day(const std::string& mode, const std::string& extra_plugins = "") {
    set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("recording"));
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "tracker: {mode: " + mode + ", grace: 1m}\n"
         "projects:\n  - id: widgets\n    repos: [acme/widgets]\n    github: acme/widgets\n"
         "  - id: billing\n    jira: [BILL]\n"
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  github: {enabled: true, mode: ok}\n" +
             extra_plugins);
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~Day() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
    ::unsetenv("DEVTRACK_PLUGIN_PATH");
    ::unsetenv("EDITOR");
    ::unsetenv("VISUAL");
  }
  // A commit, its prompt, and an answer (or "skip").
  void work(const std::string& message, const std::string& answer) {
    size_t before = json::parse(run("log --json").out).size();
    commit(repo, message);
    REQUIRE(wait_until([&] {
      json list = json::parse(run("checkin --list --json").out);
      return json::parse(run("log --json").out).size() == before + 1 && !list.empty() &&
             list.back()["state"] == "pending";
    }));
    if (answer == "skip") REQUIRE(run("checkin --skip").status == 0);
    else REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  json summary() { return json::parse(run("summary --date 2026-06-01 --format json").out); }
  json updates() { return json::parse(run("updates list --json").out); }
  json update_for(int number) {
    for (const auto& u : updates())
      if (u["ticket"].is_object() && u["ticket"].value("number", 0) == number) return u;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("summary: by project then ticket, with commits, minutes, totals and the unanswered") {
  Day d("immediate");
  d.work("fix the login redirect", "fixed the login redirect, 30m, done");
  d.work("export invoices", "BILL-7 invoices export, 1h");
  d.work("wip", "skip");
  json s = d.summary();
  INFO(s.dump(2));
  CHECK(s["date"] == "2026-06-01");
  CHECK(s["total_minutes"] == 90);
  CHECK(s["answers"] == 2);
  CHECK(s["commits"] == 3);
  REQUIRE(s["projects"].size() == 2);
  CHECK(s["projects"][0]["project"] == "widgets");
  CHECK(s["projects"][0]["minutes"] == 30);
  const json& t = s["projects"][0]["tickets"][0];
  CHECK(t["ticket"] == json{{"system", "github"}, {"repo", nullptr}, {"number", 12}});  // as parsed
  CHECK(t["text"] == "acme/widgets#12");  // with the repository its update goes to
  CHECK(t["status"] == "done");
  CHECK(t["answers"][0]["commits"][0]["summary"] == "fix the login redirect");
  CHECK(t["answers"][0]["updates"][0]["state"] == "queued");
  CHECK(s["projects"][1]["tickets"][0]["ticket"]["key"] == "BILL-7");
  REQUIRE(s["unanswered"].size() == 1);
  CHECK(s["unanswered"][0]["state"] == "skipped");
  CHECK(s["unanswered"][0]["commits"][0]["summary"] == "wip");

  std::string md = run("summary --date 2026-06-01").out;
  INFO(md);
  CHECK(md.find("# Summary of 2026-06-01") != std::string::npos);
  CHECK(md.find("**Total:** 1 h 30 min · 2 answer(s) · 3 commit(s)") != std::string::npos);
  CHECK(md.find("## widgets — 30 min") != std::string::npos);
  CHECK(md.find("### acme/widgets#12 · A ticket — 30 min · done") != std::string::npos);
  CHECK(md.find("- fixed the login redirect, 30m, done") != std::string::npos);
  CHECK(md.find("## Unanswered") != std::string::npos);
  CHECK(md.find("<!--") == std::string::npos);  // markers only in --edit copies
  CHECK(run("summary --date 2026-06-01 --format html").out.find("<h3>acme/widgets#12 · A ticket — 30 min · done</h3>") !=
        std::string::npos);
  CHECK(run("summary --date tomorrow").err.find("'tomorrow' is not a day") != std::string::npos);
}

TEST_CASE("summary --edit: reworded, reordered, deleted and filled in, then released (end-of-day mode)") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  d.work("css", "#15 cleaned up the css, 20m");
  d.work("docs", "#18 wrote the upgrade notes, 25m");
  d.work("release", "skip");
  for (int n : {12, 15, 18}) REQUIRE(d.update_for(n)["state"] == "held");
  // The editor: a script making the edits a person would.
  std::string editor = d.home.root() + "/edit.sh";
  spit(editor,
       "#!/bin/sh\nset -e\nf=\"$1\"\n"
       // reword #12
       "sed -i 's/fixed the login redirect, 30m/fixed the login redirect for SSO users, 30m/' \"$f\"\n"
       // delete the #15 section (heading to the next heading)
       "awk '/^### acme\\/widgets#15/{skip=1; next} /^#/{skip=0} !skip' \"$f\" > \"$f.new\" && mv \"$f.new\" \"$f\"\n"
       // move the #18 section before #12
       "awk '/^### /{sec=$0 ~ /#18/ ? 2 : 1} /^## /{sec=0} {if (sec==2) b=b $0 \"\\n\"; else if (sec==1) a=a $0 "
       "\"\\n\"; else { if (a!=\"\"||b!=\"\") {printf \"%s%s\", b, a; a=\"\"; b=\"\"} print } } "
       "END {printf \"%s%s\", b, a}' \"$f\" > \"$f.new\" && mv \"$f.new\" \"$f\"\n"
       // fill in the unanswered prompt
       "sed -i 's/^  Answer:$/  Answer: #21 tagged the release, 15m/' \"$f\"\n"
       // a line that belongs to no answer
       "echo 'also pinged the team' >> \"$f\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  set_env("EDITOR", editor);
  auto r = run("summary --date 2026-06-01 --edit --push");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1 edited, 1 removed, 1 filled in") != std::string::npos);
  CHECK(r.err.find("not mapped") != std::string::npos);
  CHECK(r.err.find("also pinged the team") != std::string::npos);
  std::string kept = d.home.file("summaries/2026-06-01.md");
  REQUIRE(fs::exists(kept));
  // The reorder happened and the section order did not matter.
  std::string edited = slurp(kept);
  CHECK(edited.find("#18") < edited.find("#12"));

  json u12 = d.update_for(12), u15 = d.update_for(15), u18 = d.update_for(18), u21 = d.update_for(21);
  INFO(d.updates().dump(2));
  auto released = [](const json& u) { return u["state"] == "queued" || u["state"] == "sending" || u["state"] == "sent"; };
  CHECK(released(u12));
  CHECK(u15["state"] == "dropped");
  CHECK(released(u18));
  REQUIRE(u21.is_object());
  CHECK(released(u21));
  // The filled-in prompt is answered now, and parsed like any answer.
  json s = d.summary();
  CHECK(s["unanswered"].empty());
  CHECK(s["total_minutes"] == 90);
  // The trackers get what the user wrote.
  ipc::call("clock.advance", json{{"ms", 1000}}.dump());
  REQUIRE(wait_until([&] { return d.update_for(12)["state"] == "sent" && d.update_for(21)["state"] == "sent"; }));
  Store store(d.home.file("devtrack.db"));
  bool found = false;
  for (int i = 1; i <= 3; ++i)
    if (auto b = store.kv_get("github", "body:" + std::to_string(i)))
      found = found || json::parse(*b)["text"] == "#12 fixed the login redirect for SSO users, 30m";
  CHECK(found);
  CHECK(d.update_for(15)["state"] == "dropped");
}

TEST_CASE("summary --edit in immediate mode amends what was posted already") {
  Day d("immediate");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  ipc::call("clock.advance", json{{"ms", 61'000}}.dump());
  REQUIRE(wait_until([&] { return d.update_for(12)["state"] == "sent"; }));
  std::string editor = d.home.root() + "/edit.sh";
  spit(editor, "#!/bin/sh\nsed -i 's/fixed the login redirect, 30m/fixed the login redirect (and its test), 30m/' \"$1\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  set_env("VISUAL", editor);
  REQUIRE(run("summary --date 2026-06-01 --edit --push").status == 0);
  Store store(d.home.file("devtrack.db"));
  REQUIRE(wait_until([&] { return store.kv_get("github", "amends") == std::optional<std::string>("1"); }));
  CHECK(json::parse(*store.kv_get("github", "body:1"))["text"] == "#12 fixed the login redirect (and its test), 30m");
  CHECK(std::stoi(store.kv_get("github", "count").value_or("0")) == 1);  // one post, then one amend
}

TEST_CASE("summary --edit without confirmation posts nothing and keeps the copy") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  set_env("EDITOR", "true");
  auto r = run("summary --date 2026-06-01 --edit", "", "");
  CHECK(r.status == 0);
  CHECK(r.out.find("nothing posted") != std::string::npos);
  CHECK(d.update_for(12)["state"] == "held");
  set_env("EDITOR", "false");
  r = run("summary --date 2026-06-01 --edit");
  CHECK(r.status != 0);
  CHECK(r.err.find("exited with status 1; your copy is kept in") != std::string::npos);
}

TEST_CASE("local days: a DST change and answers around midnight in Europe/Berlin") {
  // 2026-03-29: clocks go 02:00 -> 03:00 (a 23 h day); 2026-10-25: 03:00 -> 02:00 (25 h).
  LocalDay spring = local_day("2026-03-29", "Europe/Berlin", 0);
  CHECK(spring.start_ms == at("2026-03-28T23:00:00Z"));
  CHECK(spring.end_ms - spring.start_ms == 23 * 3'600'000LL);
  LocalDay fall = local_day("2026-10-25", "Europe/Berlin", 0);
  CHECK(fall.end_ms - fall.start_ms == 25 * 3'600'000LL);
  CHECK(local_day("yesterday", "Europe/Berlin", at("2026-06-01T22:30:00Z")).date == "2026-06-01");  // 00:30 local

  TempHome home;
  spit(home.file("config.yaml"), "settings: {timezone: Europe/Berlin}\nplugins: {rules: {enabled: true}}\n");
  {
    Store store(home.file("devtrack.db"));
    seed(store, at("2026-03-28T22:30:00Z"), "answered", "late on Saturday, 30m",
         {{"tickets", json::array()}, {"duration_minutes", 30}});                      // 23:30 on the 28th
    seed(store, at("2026-03-28T23:30:00Z"), "answered", "just after midnight, 20m",
         {{"tickets", json::array()}, {"duration_minutes", 20}});                      // 00:30 on the 29th
    seed(store, at("2026-03-29T21:30:00Z"), "answered", "last thing on Sunday, 10m",
         {{"tickets", json::array()}, {"duration_minutes", 10}});                      // 23:30 (CEST) on the 29th
    seed(store, at("2026-03-29T22:30:00Z"), "skipped", "", nullptr);                  // 00:30 on the 30th
  }
  json s = json::parse(run("summary --date 2026-03-29 --format json").out);
  INFO(s.dump(2));
  CHECK(s["total_minutes"] == 30);
  CHECK(s["answers"] == 2);
  CHECK(s["unanswered"].empty());
  CHECK(s["projects"][0]["tickets"][0]["answers"][0]["time"] == "00:30");
  CHECK(s["projects"][0]["tickets"][0]["answers"][1]["time"] == "23:30");
  json before = json::parse(run("summary --date 2026-03-28 --format json").out);
  CHECK(before["total_minutes"] == 30);
  json after = json::parse(run("summary --date 2026-03-30 --format json").out);
  CHECK(after["unanswered"].size() == 1);
}
