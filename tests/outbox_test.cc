// The outbox end to end: answer -> updates rows (same transaction as the
// parse) -> the daemon -> the worker -> a real tracker plugin .so. The
// tracker here is tests/plugins/recording_tracker.cc (id "github"), which
// records posts in its store and misbehaves on request; the real GitHub
// plugin against the real API description is tested separately.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "config/config.h"
#include "ipc/ipc.h"
#include "outbox/outbox.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

struct Setup {
  TempHome home;
  std::string repo;
  explicit Setup(const std::string& mode, const std::string& extra = "") {
    set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("recording"));
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         // A short HTTP timeout keeps the send lease short (timeout + 10 s):
         // after a worker dies mid-post the next one waits it out.
         std::string("settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\nnetwork: {timeout: 2s}\n") +
         (extra.empty() ? std::string("tracker: {grace: 1m}\n") : extra) +
         "plugins: {git: {enabled: true}, rules: {enabled: true}, github: {enabled: true, mode: " + mode + "}}\n");
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
    commit(repo, "fix the login redirect");
    REQUIRE(wait_until([&] { return json::parse(run("checkin --list --json").out).size() == 1; }));
  }
  ~Setup() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json updates() { return json::parse(run("updates list --json").out); }
  int posts() {
    Store store(home.file("devtrack.db"));
    return std::stoi(store.kv_get("github", "count").value_or("0"));
  }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
  bool state_is(const std::string& state) {
    json u = updates();
    return !u.empty() && u[0]["state"] == state;
  }
};

}  // namespace

TEST_CASE("an answer queues one comment per ticket, sent after the grace delay, once") {
  Setup s("ok");
  REQUIRE(run("checkin --answer 'fixed the login redirect, 30m, done'").status == 0);
  json u = s.updates();
  REQUIRE(u.size() == 1);
  CHECK(u[0]["target_plugin"] == "github");
  CHECK(u[0]["ticket"]["number"] == 12);
  CHECK(u[0]["kind"] == "comment");
  CHECK(u[0]["state"] == "queued");
  CHECK(u[0]["attempts"] == 0);
  CHECK(u[0]["remote_id"].is_null());
  std::string key = u[0]["idempotency_key"];
  // Inside the grace minute a correction changes the queued row.
  CHECK(run("checkin --edit 1 --answer 'fixed the login redirect and the logout, 45m, done'").status == 0);
  REQUIRE(s.updates().size() == 1);
  CHECK(s.updates()[0]["idempotency_key"] == key);
  s.advance(59'000);
  CHECK(s.state_is("queued"));
  s.advance(2'000);
  REQUIRE(wait_until([&] { return s.state_is("sent"); }));
  CHECK(s.updates()[0]["remote_id"] == "1");
  CHECK(s.updates()[0]["attempts"] == 1);
  CHECK(s.posts() == 1);
  Store store(s.home.file("devtrack.db"));
  json body = json::parse(*store.kv_get("github", "body:1"));
  CHECK(body["text"] == "fixed the login redirect and the logout, 45m, done");
  CHECK(body["minutes"] == 45);
  CHECK(body["status"] == "done");
  CHECK(body["commits"][0]["summary"] == "fix the login redirect");
}

TEST_CASE("correcting an answer already sent amends the post instead of posting again") {
  Setup s("ok");
  run("checkin --answer 'fixed the login redirect, 30m'");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.state_is("sent"); }));
  CHECK(run("checkin --edit 1 --answer 'fixed the login redirect and the session bug, 50m'").status == 0);
  // (In test-clock mode the CLI's clock stays at the start: the amend is
  // due at once for the daemon.)
  Store store(s.home.file("devtrack.db"));
  REQUIRE(wait_until([&] { return store.kv_get("github", "amends") == std::optional<std::string>("1"); }));
  REQUIRE(wait_until([&] { return s.state_is("sent"); }));
  CHECK(s.updates()[0]["remote_id"] == "1");
  // An amend is a delivery of its own: its attempts count from zero, so a
  // day of edits cannot use up the retries of the next network error.
  CHECK(s.updates()[0]["attempts"] == 1);
  CHECK(s.posts() == 1);
  json body = json::parse(*store.kv_get("github", "body:1"));
  CHECK(body["minutes"] == 50);
  CHECK(body["text"] == "fixed the login redirect and the session bug, 50m");
}

TEST_CASE("a retry honours Retry-After, then the update goes out") {
  Setup s("retry_once");
  run("checkin --answer 'fixed, 10m'");
  s.advance(61'000);
  // One read for both: two reads can see `queued` before the attempt and
  // `sending` during it, with no error yet.
  json first;
  REQUIRE(wait_until([&] {
    json u = s.updates();
    first = u.empty() ? json() : u[0];
    return !u.empty() && first["state"] == "queued" && first["attempts"] == 1;
  }));
  CHECK(first["last_error"] == "503 Service Unavailable");
  s.advance(60'000);  // Retry-After is 120 s: not yet
  CHECK(s.state_is("queued"));
  s.advance(61'000 + 3'600'000);  // past any backoff
  REQUIRE(wait_until([&] { return s.state_is("sent"); }));
  CHECK(s.updates()[0]["attempts"] == 2);
  CHECK(s.posts() == 1);
}

TEST_CASE("401 blocks the tracker's updates and tells the user, retry re-queues") {
  Setup s("auth");
  run("checkin --answer 'fixed'");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.state_is("blocked"); }));
  CHECK(s.updates()[0]["last_error"] == "401 Bad credentials");
  CHECK(wait_until([] { return run("logs --source outbox").out.find("github refused the credentials") != std::string::npos; }));
  CHECK(run("status").out.find("github refused the credentials: its updates are blocked") != std::string::npos);
  CHECK(json::parse(run("status --json").out)["updates"]["blocked_trackers"][0] == "github");
  CHECK(run("doctor").out.find("FAIL  outbox: 1 blocked, 0 failed update(s)") != std::string::npos);
  CHECK(run("updates retry 1").out == "update 1 queued again\n");
  REQUIRE(wait_until([&] { return s.state_is("blocked") && s.updates()[0]["attempts"] == 2; }));
  CHECK(s.posts() == 0);
  CHECK(run("updates drop 1").status == 0);
  CHECK(s.state_is("dropped"));
  CHECK(run("updates retry 99").status == 1);
  CHECK(run("updates drop x").status == 2);
}

TEST_CASE("a permanent error fails the update with the server's message") {
  Setup s("permanent");
  run("checkin --answer 'fixed'");
  CHECK(run("sync --wait 20").status == 1);
  REQUIRE(wait_until([&] { return s.state_is("failed"); }));
  CHECK(s.updates()[0]["last_error"] == "422 Validation failed");
}

TEST_CASE("the worker dies right after posting: after its restart, find() sees the post and nothing is duplicated") {
  Setup s("crash_once_after_post");
  run("checkin --answer 'fixed, 5m'");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.posts() == 1; }));
  REQUIRE(wait_until([&] { return json::parse(run("status --json").out)["worker"]["crashes"] == 1; }));
  s.advance(2'000);  // the restart backoff
  // The dead worker's lease is waited out (its post may still be landing).
  REQUIRE(wait_advancing([&] { return s.state_is("sent"); }, 60));
  CHECK(s.posts() == 1);
  CHECK(s.updates()[0]["remote_id"] == "1");
}

TEST_CASE("kill -9 of the daemon mid-send: the interrupted update is checked, not posted again") {
  Setup s("crash_once_after_post");
  run("checkin --answer 'fixed, 5m'");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.posts() == 1; }));
  ::kill(json::parse(run("status --json").out)["pid"].get<int>(), SIGKILL);
  REQUIRE(wait_until([] { return !ipc::daemon_running(); }));
  {
    Store store(s.home.file("devtrack.db"));
    CHECK(s.state_is("sending"));
  }
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_advancing([&] { return s.state_is("sent"); }, 60));  // after the old worker's lease
  CHECK(s.posts() == 1);
}

TEST_CASE("end-of-day mode holds the updates") {
  Setup s("ok", "tracker: {mode: end-of-day, grace: 1m}\n");
  run("checkin --answer 'fixed'");
  CHECK(s.state_is("held"));
  s.advance(3'600'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(s.state_is("held"));
  CHECK(s.posts() == 0);
}

// tracker.comments: daily, in the store: an answer's comment is a part of
// its ticket's comment of the day; the aggregate row is what is delivered.
namespace {

int64_t add_response(Store& store) {
  store.db().exec("INSERT INTO responses (state, at_ms, raw_text) VALUES ('answered', 0, '')");
  return store.db().getLastInsertRowid();
}

// The comment part one answer on acme/widgets#12 makes on 2026-06-01.
void answer_12(Store& store, const std::string& text, int64_t now_ms) {
  int64_t rid = add_response(store);
  UpdateRow u;
  u.target_plugin = "github";
  u.target = R"({"number":12,"repo":"acme/widgets","system":"github"})";
  u.kind = "comment";
  u.state = UpdateState::kQueued;
  u.next_attempt_ms = now_ms;
  u.body = json{{"text", text}}.dump();
  u.idempotency_key = "devtrack-" + std::to_string(rid) + "-comment-test";
  u.aggregate = "acme/widgets#12:2026-06-01";
  store_parse_and_updates(store, rid, "{}", {u}, now_ms);
}

std::string text_of(const UpdateRow& u) { return json::parse(u.body)["text"]; }

}  // namespace

TEST_CASE("daily aggregate: answers join one row keyed by device, ticket and day, in answer order") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  answer_12(store, "first", 1000);
  answer_12(store, "second", 2000);
  auto rows = list_updates(store);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].idempotency_key == "agg:" + device_id(store) + ":acme/widgets#12:2026-06-01");
  CHECK(text_of(rows[0]) == "- first\n- second");
  CHECK(parts_of(store, rows[0].id).size() == 2);
  CHECK(device_id(store).size() == 16);
}

TEST_CASE("daily aggregate: an answer that arrives while the comment is being sent is amended after, not lost") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  answer_12(store, "first", 1000);
  auto due = due_updates(store, 5000);
  REQUIRE(due.size() == 1);
  mark_sending(store, due[0].id, 5000);
  answer_12(store, "second", 6000);  // the worker is posting "first" alone
  mark_sent(store, due[0].id, "1000", 7000);
  auto agg = get_update(store, due[0].id);
  CHECK(agg->state == UpdateState::kQueued);  // not sent: "second" is not on GitHub yet
  CHECK(agg->remote_id == "1000");  // so the worker amends the comment
  due = due_updates(store, 8000);
  REQUIRE(due.size() == 1);
  CHECK(text_of(due[0]) == "- first\n- second");
  mark_sending(store, due[0].id, 8000);
  mark_sent(store, due[0].id, "1000", 9000);
  CHECK(get_update(store, due[0].id)->state == UpdateState::kSent);
  for (const auto& p : parts_of(store, due[0].id)) CHECK(p.state == UpdateState::kSent);
}

TEST_CASE("daily aggregate: a new answer after the comment was sent queues an amend of it") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  answer_12(store, "first", 1000);
  auto due = due_updates(store, 5000);
  mark_sending(store, due[0].id, 5000);
  mark_sent(store, due[0].id, "1000", 6000);
  answer_12(store, "second", 7000);
  auto agg = get_update(store, due[0].id);
  CHECK(agg->state == UpdateState::kQueued);
  CHECK(agg->remote_id == "1000");
  CHECK(text_of(*agg) == "- first\n- second");
}

TEST_CASE("daily aggregate: dropping the day's comment drops its unsent answers, and retrying brings them back") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  answer_12(store, "first", 1000);
  answer_12(store, "second", 2000);
  auto agg = list_updates(store);
  REQUIRE(agg.size() == 1);
  int64_t id = agg[0].id;
  // A part the user removed in a summary edit stays removed through a retry.
  auto parts = parts_of(store, id);
  REQUIRE(parts.size() == 2);
  mark_state(store, parts[1].id, UpdateState::kDropped, "", 2500);
  CHECK(text_of(*get_update(store, id)) == "first");  // one answer reads as in each mode

  mark_state(store, id, UpdateState::kDropped, "", 3000);
  CHECK(get_update(store, id)->state == UpdateState::kDropped);
  CHECK(get_update(store, parts[0].id)->state == UpdateState::kDropped);  // not left queued behind a dropped comment
  CHECK(due_updates(store, 10'000).empty());
  answer_12(store, "third", 4000);  // a later answer of the day does not bring back the dropped ones
  CHECK(text_of(*get_update(store, id)) == "third");
  mark_state(store, id, UpdateState::kQueued, "", 5000);
  CHECK(get_update(store, parts[0].id)->state == UpdateState::kQueued);
  CHECK(get_update(store, parts[1].id)->state == UpdateState::kDropped);
  CHECK(text_of(*get_update(store, id)) == "- first\n- third");
}

// End-of-day mode: the day's worklogs on a ticket are one row, planned as
// an answer plans them and rendered by the store.
namespace {

// 2026-06-01 at HH:MM UTC.
int64_t utc(int hour, int minute) { return 1'780'272'000'000 + (hour * 60 + minute) * 60'000LL; }

void log_bill_7(Store& store, const Config& config, const std::string& text, int minutes, int64_t answered_ms,
                const json& started_ms = nullptr) {
  int64_t rid = add_response(store);
  json parsed = {{"tickets", {{{"tracker", "jira"}, {"system", "jira"}, {"show", "{key}"}, {"key", "BILL-7"}}}},
                 {"duration_minutes", minutes}};
  if (!started_ms.is_null()) parsed["started_ms"] = started_ms;
  json context = {{"text", text}, {"answered_at_ms", answered_ms}};
  store_parse_and_updates(store, rid, parsed.dump(), plan_updates(config, rid, parsed.dump(), context.dump(), answered_ms),
                          answered_ms);
}

}  // namespace

TEST_CASE("daily worklog: the parts' minutes are summed, then rounded once, from the day's first start") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  Config c;
  c.settings.timezone = "UTC";
  c.tracker.mode = "end-of-day";
  c.tracker.round = {15, false};
  c.plugins["jira"] = {true, false, R"({"worklogs": true})"};
  log_bill_7(store, c, "invoice totals", 22, utc(10, 0));                 // began 09:38
  log_bill_7(store, c, "rounding rules", 23, utc(12, 0), utc(9, 30));   // began 09:30, by its activity
  log_bill_7(store, c, "tests", 22, utc(16, 0));
  auto rows = list_updates(store);
  REQUIRE(rows.size() == 2);  // the day's comment and the day's worklog, not merged
  const UpdateRow& worklog = rows[0].kind == "worklog" ? rows[0] : rows[1];
  CHECK(worklog.idempotency_key == "agg:" + device_id(store) + ":BILL-7:2026-06-01:worklog");
  CHECK(worklog.state == UpdateState::kHeld);
  json body = json::parse(worklog.body);
  CHECK(body["raw_minutes"] == 67);
  CHECK(body["minutes"] == 75);  // 22 + 23 + 22 rounded once; each part up would be 90
  CHECK(body["started_ms"] == utc(9, 30));
  CHECK(body["text"] == "- invoice totals (22 min)\n- rounding rules (23 min)\n- tests (22 min)");
  CHECK(parts_of(store, worklog.id).size() == 3);
  for (const auto& p : parts_of(store, worklog.id)) CHECK(json::parse(p.body)["minutes"] != 75);

  // One answer alone is a day's worklog too: rounded, with its start.
  Store alone(home.file("alone.db"));
  log_bill_7(alone, c, "invoice totals", 22, utc(10, 0));
  for (const auto& u : list_updates(alone))
    if (u.kind == "worklog") {
      json b = json::parse(u.body);
      CHECK(b["minutes"] == 30);
      CHECK(b["raw_minutes"] == 22);
      CHECK(b["started_ms"] == utc(9, 38));
      CHECK(b["text"] == "invoice totals");
    }
}
