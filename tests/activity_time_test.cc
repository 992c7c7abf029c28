// Durations from activity (checkin/activity_time.h) on recorded streams:
// heartbeats and commits written to a real store by the test, with long
// pauses and two repositories; where the minutes came from; retention.
#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "checkin/activity_time.h"
#include "config/config.h"
#include "ipc/ipc.h"
#include "store/activity_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "test_support.h"
#include "util/strings.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

constexpr int64_t kMin = 60'000;
// Monday 2026-06-01 00:00 UTC.
constexpr int64_t kDay = 1'780'272'000'000;

int64_t at(int hour, int minute) { return kDay + (hour * 60 + minute) * kMin; }

Config utc_config() {
  Config c;
  c.settings.timezone = "UTC";
  return c;
}

// A heartbeat every `every` minutes in [from, to).
void beats(Store& store, const std::string& repo, int64_t from, int64_t to, int every = 2) {
  for (int64_t t = from; t < to; t += every * kMin) record_activity(store, {t, repo, "edit", repo + "/main.c"}, false);
}

PromptRow pending_prompt(Store& store, const std::string& repo, int64_t when) {
  PromptRow p;
  p.kind = "commit";
  p.repo = repo;
  p.created_ms = when;
  p.id = create_prompt(store, p);
  return p;
}

void answered_prompt(Store& store, const std::string& repo, int64_t when) {
  record_response(store, pending_prompt(store, repo, when).id, PromptState::kAnswered, "earlier work", when);
}

}  // namespace

TEST_CASE("active time adds the steps between activities and cuts pauses longer than the gap") {
  CHECK(active_ms({}, 15 * kMin) == 0);
  CHECK(active_ms({at(9, 0)}, 15 * kMin) == 0);
  CHECK(active_ms({at(9, 0), at(9, 10), at(9, 25)}, 15 * kMin) == 25 * kMin);
  CHECK(active_ms({at(9, 0), at(9, 10), at(9, 26)}, 15 * kMin) == 10 * kMin);  // 16 min is a pause
  CHECK(active_ms({at(9, 0), at(9, 0), at(9, 5)}, 15 * kMin) == 5 * kMin);      // twice the same moment
}

TEST_CASE("a recorded morning in two repositories: the proposal counts the prompt's repository since its last answer") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  Config c = utc_config();
  const std::string widgets = "/src/widgets", billing = "/src/billing";
  // widgets: 09:00–10:00 editing, a 30 min pause, 10:30–11:00 and a commit at 11:00.
  beats(store, widgets, at(9, 0), at(10, 0) + 1);
  beats(store, widgets, at(10, 30), at(11, 0));
  record_activity(store, {at(11, 0), widgets, "commit", ""}, false);
  // billing, at the same time, never counts for widgets.
  beats(store, billing, at(8, 0), at(12, 0), 3);

  SECTION("no answer before today: from the first activity of the day") {
    auto p = propose_duration(store, c, pending_prompt(store, widgets, at(11, 1)), at(11, 2));
    REQUIRE(p);
    CHECK(p->minutes == 90);  // the known minutes: 60 + 30
    CHECK(p->first_ms == at(9, 0));
  }
  SECTION("an answer at 09:30 in widgets: only what came after it") {
    answered_prompt(store, widgets, at(9, 30));
    auto p = propose_duration(store, c, pending_prompt(store, widgets, at(11, 1)), at(11, 2));
    REQUIRE(p);
    CHECK(p->minutes == 60);  // 09:30–10:00 and 10:30–11:00
    CHECK(p->first_ms == at(9, 30));
  }
  SECTION("an answer in billing does not shorten widgets' window") {
    answered_prompt(store, billing, at(10, 45));
    auto p = propose_duration(store, c, pending_prompt(store, widgets, at(11, 1)), at(11, 2));
    REQUIRE(p);
    CHECK(p->minutes == 90);
  }
  SECTION("a prompt without a repository counts every repository since the last answer anywhere") {
    answered_prompt(store, billing, at(10, 0));
    auto p = propose_duration(store, c, pending_prompt(store, "", at(11, 1)), at(11, 2));
    REQUIRE(p);
    CHECK(p->minutes == 60);  // billing's beats fill widgets' pause: one stream, 10:00–11:00
  }
  SECTION("answered hours after the prompt asked: the work up to the ask, not what came after") {
    PromptRow p = pending_prompt(store, widgets, at(10, 0));
    auto late = propose_duration(store, c, p, at(15, 0));
    REQUIRE(late);
    CHECK(late->minutes == 60);  // 09:00-10:00; 10:30-11:00 came after the ask
    auto soon = propose_duration(store, c, p, at(10, 5));
    REQUIRE(soon);
    CHECK(soon->minutes == 60);  // within activity.gap of the ask: up to the answer (nothing more here)
  }
  SECTION("yesterday's activity never counts") {
    auto p = propose_duration(store, c, pending_prompt(store, widgets, at(11, 1) + 86'400'000),
                              at(11, 2) + 86'400'000);
    CHECK_FALSE(p);
  }
}

TEST_CASE("where the minutes came from: typed, proposed from activity, none") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  Config c = utc_config();
  beats(store, "/src/widgets", at(14, 0), at(14, 45) + 1);
  PromptRow p = pending_prompt(store, "/src/widgets", at(14, 50));

  json typed = {{"duration_minutes", 20}};
  settle_duration(store, c, p, "fixed it, 20m", typed, at(14, 50));
  CHECK(typed["duration_minutes"] == 20);
  CHECK(typed["duration_source"] == "typed");

  json none = {{"duration_minutes", nullptr}};
  settle_duration(store, c, p, "fixed it", none, at(14, 50));
  CHECK(none["duration_minutes"] == 44);  // 14:00–14:44, one beat every 2 min
  CHECK(none["duration_source"] == "proposed");
  CHECK(none["started_ms"] == at(14, 0));

  // "break" is only a break for a time away: here it is an answer like any.
  json word = json::object();
  settle_duration(store, c, p, "break", word, at(14, 50));
  CHECK_FALSE(word.contains("break"));

  PromptRow elsewhere = pending_prompt(store, "/src/other", at(14, 50));
  json nothing = json::object();
  settle_duration(store, c, elsewhere, "fixed it", nothing, at(14, 50));
  CHECK_FALSE(nothing.contains("duration_source"));
  CHECK_FALSE(nothing.contains("duration_minutes"));
}

TEST_CASE("activity keeps a file as a hash unless content logging is on, and retention removes old rows") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  record_activity(store, {at(9, 0), "/src/widgets", "edit", "/src/widgets/secret-plans.c"}, false);
  record_activity(store, {at(9, 2), "/src/widgets", "edit", "/src/widgets/secret-plans.c"}, true);
  SQLite::Statement q(store.db(), "SELECT file, ifnull(path, '') FROM activity ORDER BY at_ms");
  REQUIRE(q.executeStep());
  std::string hash = q.getColumn(0).getString();
  CHECK(hash.size() == 16);
  CHECK(hash.find("secret") == std::string::npos);
  CHECK(q.getColumn(1).getString().empty());
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == hash);  // the same file, the same hash
  CHECK(q.getColumn(1).getString() == "/src/widgets/secret-plans.c");
  q.reset();

  CHECK(remove_activity_before(store, at(9, 1), true) == 1);
  CHECK(activity_times(store, "", 0, at(10, 0)).size() == 2);  // a dry run removes nothing
  CHECK(remove_activity_before(store, at(9, 1), false) == 1);
  CHECK(activity_times(store, "", 0, at(10, 0)) == std::vector<int64_t>{at(9, 2)});
}

TEST_CASE("end to end: editing, a commit, an answer without a duration: the minutes come from the heartbeats") {
  TempHome home;
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T09:00:00Z");
  spit(home.file("config.yaml"),
       "settings: {timezone: UTC, work_hours: \"09:00-18:00\", work_days: [mon, tue, wed, thu, fri]}\n"
       "prompt: {surfaces: [tty]}\naway: {ask: false}\n"
       "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  tty: {enabled: true}\n"
       "  timer: {enabled: false}\n  github: {enabled: false}\n  notify: {enabled: false}\n");
  std::string repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  REQUIRE(run("start").status == 0);
  // The CLI's test clock follows the daemon's, so an answer is given "now".
  auto advance = [](int minutes) {
    json now = json::parse(ipc::call("clock.advance", json{{"ms", minutes * kMin}}.dump()));
    set_env("DEVTRACK_TEST_CLOCK", std::to_string(now["now_ms"].get<int64_t>()));
  };
  // 09:00-09:40 editing, a 10 min pause (under activity.gap), 09:50-10:10.
  for (int m = 0; m <= 70; m += 2) {
    if (m < 40 || m >= 50) REQUIRE(run("heartbeat --file '" + repo + "/main.c' --editor test").status == 0);
    if (m < 70) advance(2);
  }
  commit(repo, "Fix the login redirect");  // 10:10
  REQUIRE(wait_until([&] { return json::parse(run("checkin --list --json").out).size() == 1; }));
  json prompt = json::parse(run("checkin --list --json").out)[0];
  std::string about;
  for (const auto& l : prompt["about"]) about += l.get<std::string>() + "\n";
  CHECK(about.find("About 1 h 10 min from your activity since 09:00") != std::string::npos);
  REQUIRE(run("checkin --answer 'fixed the login redirect'").status == 0);
  json log = json::parse(run("log --json").out);
  json response = log.back()["response"];
  CHECK(response["duration_minutes"] == 70);
  CHECK(response["duration_source"] == "proposed");
  CHECK(run("log").out.find("(1 h 10 min, proposed from activity)") != std::string::npos);
  // The next answer in this repository starts counting from this one.
  advance(20);
  REQUIRE(run("heartbeat --file '" + repo + "/main.c' --editor test").status == 0);
  advance(5);
  REQUIRE(run("heartbeat --file '" + repo + "/main.c' --editor test").status == 0);
  commit(repo, "Tidy");
  REQUIRE(wait_until([&] { return json::parse(run("checkin --list --json").out).size() == 1; }));
  REQUIRE(run("checkin --answer 'tidied up'").status == 0);
  CHECK(json::parse(run("log --json").out).back()["response"]["duration_minutes"] == 5);
  run("stop");
  ::unsetenv("DEVTRACK_TEST_CLOCK");
}

TEST_CASE("a simulated day on the editor plugins' cadence (fixtures/activity/day.tsv): proposals within 10 % of the minutes worked") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  Config c = utc_config();
  struct Answer {
    int64_t at_ms;
    std::string repo;
    int truth;
  };
  std::vector<Answer> answers;
  for (const auto& line : split(slurp(source_dir() + "/tests/fixtures/activity/day.tsv"), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, '\t');
    REQUIRE(f.size() >= 3);
    int64_t ms = std::stoll(f[0]);
    if (f[2] == "answer") answers.push_back({ms, f[1], std::stoi(f[3])});
    else record_activity(store, {ms, f[1], f[2], f[2] == "edit" ? f[1] + "/main.c" : ""}, false);
  }
  REQUIRE(answers.size() == 6);
  int total_truth = 0, total_proposed = 0, worst = 0;
  for (const auto& a : answers) {
    PromptRow p = pending_prompt(store, a.repo, a.at_ms - 2 * kMin);
    auto proposal = propose_duration(store, c, p, a.at_ms);
    REQUIRE(proposal);
    INFO(a.repo << " answered at " << a.at_ms << ": proposed " << proposal->minutes << ", worked " << a.truth);
    CHECK(std::abs(proposal->minutes - a.truth) <= a.truth / 10);
    total_truth += a.truth;
    total_proposed += proposal->minutes;
    worst = std::max(worst, std::abs(proposal->minutes - a.truth));
    record_response(store, p.id, PromptState::kAnswered, "done", a.at_ms);
  }
  WARN("simulated day: proposed " << total_proposed << " min against " << total_truth << " min worked, worst answer off by "
                                 << worst << " min");
  CHECK(std::abs(total_proposed - total_truth) <= total_truth / 20);
}
