// The daemon's components in process: Outbox, Prompts and Capture built on
// a real EventLoop driven by a ManualClock, a real Bus, a temporary SQLite
// Store and a WorkerJobs that records the jobs the worker would get. The
// test plays the worker by publishing its results on the bus. No process
// is started, no time is waited for: the clock moves when the test says.
// The process-level tests (outbox_test, daemon_test...) prove the same
// paths end to end with the real worker.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "component_rig.h"
#include "daemon/capture.h"
#include "daemon/outbox.h"
#include "daemon/prompts.h"
#include "checkin/prompt_view.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("Outbox in process: a row goes to the worker when due, once, and a sent result settles it") {
  Rig r;
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  int64_t id = r.queue("k1", kStart + 60'000);
  outbox.start();
  r.settle();
  CHECK(r.worker.jobs.empty());  // not due yet
  r.advance(59s);
  CHECK(r.worker.jobs.empty());
  r.advance(2s);
  REQUIRE(r.worker.jobs.size() == 1);
  const Job& job = r.worker.jobs[0];
  CHECK(job.topic == "tracker.deliver");
  CHECK(job.payload["update_id"] == id);
  CHECK(job.payload["check_first"] == false);
  CHECK(job.payload["idempotency_key"] == "k1");
  CHECK(r.state_of(id) == UpdateState::kSending);
  outbox.changed();  // a reschedule while it is in flight hands it out no second time
  r.advance(1s);
  CHECK(r.worker.jobs.size() == 1);

  r.bus.publish("tracker.result", json{{"update_id", id}, {"status", "ok"}, {"remote_id", "c-77"}}.dump());
  r.settle();
  CHECK(r.state_of(id) == UpdateState::kSent);
  CHECK(get_update(r.store, id)->remote_id == "c-77");
  CHECK(r.worker.finished == std::vector<std::string>{"tracker.deliver:" + std::to_string(id)});
  REQUIRE(r.count("tracker.update.sent") == 1);
  CHECK(r.last("tracker.update.sent")->payload["remote_id"] == "c-77");
}

TEST_CASE("Outbox in process: a retry waits at least the server's Retry-After, then checks before posting again") {
  Rig r;
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  int64_t id = r.queue("k1", kStart);
  outbox.start();
  r.settle();
  REQUIRE(r.worker.jobs.size() == 1);
  r.bus.publish("tracker.result",
                json{{"update_id", id}, {"status", "retry"}, {"retry_after_s", 120}, {"message", "HTTP 503"}}.dump());
  r.settle();
  auto u = get_update(r.store, id);
  CHECK(u->state == UpdateState::kQueued);
  CHECK(u->last_error == "HTTP 503");
  CHECK(u->next_attempt_ms >= kStart + 120'000);
  CHECK(u->next_attempt_ms <= kStart + 120'000 + 30'000);  // first backoff: at most 30 s of jitter
  r.advance(119s);
  CHECK(r.worker.jobs.size() == 1);
  r.advance(std::chrono::milliseconds(u->next_attempt_ms - r.now()));
  REQUIRE(r.worker.jobs.size() == 2);
  CHECK(r.worker.jobs[1].payload["check_first"] == true);  // the first attempt may have gone out
}

TEST_CASE("Outbox in process: refused credentials block every row of that tracker, a permanent error fails one") {
  Rig r;
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  int64_t a = r.queue("a", kStart), later = r.queue("later", kStart + 3'600'000);
  int64_t other = r.queue("other", kStart, "jira");
  outbox.start();
  r.settle();
  REQUIRE(r.worker.jobs.size() == 2);
  r.bus.publish("tracker.result", json{{"update_id", a}, {"status", "auth"}, {"message", "401"}}.dump());
  r.bus.publish("tracker.result", json{{"update_id", other}, {"status", "permanent"}, {"message", "422"}}.dump());
  r.settle();
  CHECK(r.state_of(a) == UpdateState::kBlocked);
  CHECK(r.state_of(later) == UpdateState::kBlocked);
  CHECK(r.state_of(other) == UpdateState::kFailed);
  CHECK(blocked_plugins(r.store) == std::vector<std::string>{"github"});
  REQUIRE(r.count("tracker.update.failed") == 2);
  r.advance(2h);
  CHECK(r.worker.jobs.size() == 2);  // nothing blocked or failed goes out by itself
}

TEST_CASE("Outbox in process: a row left sending by a crash is handed out again at start, to be looked for first") {
  Rig r;
  int64_t id = r.queue("k1", kStart);
  mark_sending(r.store, id, kStart);  // the daemon died with it in flight
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  outbox.start();
  r.settle();
  REQUIRE(r.worker.jobs.size() == 1);
  CHECK(r.worker.jobs[0].payload["update_id"] == id);
  CHECK(r.worker.jobs[0].payload["check_first"] == true);
}

TEST_CASE("Outbox in process: results that are not results are ignored, the outbox goes on") {
  Rig r;
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  int64_t id = r.queue("k1", kStart);
  outbox.start();
  r.settle();
  for (const char* bad : {"", "not json", "[]", R"({"status": "ok"})", R"({"update_id": 999, "status": "ok"})",
                          R"({"update_id": "1", "status": "ok"})"})
    r.bus.publish("tracker.result", bad);
  // The right row with a field of the wrong type: ignored once, not retried for ever.
  r.bus.publish("tracker.result", json{{"update_id", id}, {"status", "ok"}, {"remote_id", 5}}.dump());
  r.advance(30s);
  CHECK(r.state_of(id) == UpdateState::kSending);
  CHECK(r.loop.pending_timers() == 0);
  r.bus.publish("tracker.result", json{{"update_id", id}, {"status", "ok"}}.dump());
  r.settle();
  CHECK(r.state_of(id) == UpdateState::kSent);
}

namespace {

int64_t commit_trigger(Rig& r, const std::string& repo, const std::string& commit) {
  TriggerRow t;
  t.kind = "commit";
  t.repo = repo;
  t.branch = "fix/12-login";
  t.commit = commit;
  t.at_ms = r.now();
  int64_t id = record_trigger(r.store, t);
  r.bus.publish("trigger.commit", json{{"trigger_id", id}, {"repo", repo}, {"branch", t.branch}, {"commit", commit}}.dump());
  r.settle();
  return id;
}

}  // namespace

TEST_CASE("Outbox in process: an update whose commits the worker has not read yet waits for their subjects") {
  Rig r;
  Capture capture(r.loop, r.bus, r.store, r.worker);  // stores the details
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  std::string commit = "0123456789abcdef0123456789abcdef01234567", other = "fedcba9876543210fedcba9876543210fedcba98";
  auto stored_commit = [&](const std::string& id) {
    TriggerRow t;
    t.kind = "commit";
    t.repo = "/w/widgets";
    t.commit = id;
    t.at_ms = r.now();
    return record_commit(r.store, t);
  };
  int64_t trigger = stored_commit(commit), failed = stored_commit(other);
  UpdateRow u;
  u.target_plugin = "github";
  u.target = json{{"system", "github"}, {"repo", "acme/widgets"}, {"number", 12}}.dump();
  u.kind = "comment";
  u.state = UpdateState::kQueued;
  u.next_attempt_ms = kStart;
  u.body = json{{"accepted", true}, {"text", "0123456"}, {"commits", {{{"commit", commit}}, {{"commit", other}}}}}.dump();
  u.idempotency_key = "k1";
  REQUIRE(queue_update(r.store, u, r.now()));
  outbox.start();
  r.advance(5s);  // due, but the commits are not read: nothing goes yet
  CHECK(r.worker.jobs.empty());

  // One commit could not be read: its subject will never come, so it is
  // not waited for; the other arrives and the update goes at once.
  r.bus.publish("trigger.details", json{{"trigger_id", failed}, {"details", {{"error", "not found"}}}}.dump());
  r.settle();
  CHECK(r.worker.jobs.empty());
  r.bus.publish("trigger.details",
                json{{"trigger_id", trigger}, {"details", {{"message", "step 1\n\nbody"}, {"summary", "step 1"}}}}.dump());
  r.settle();
  REQUIRE(r.worker.jobs.size() == 1);
  const json& body = r.worker.jobs[0].payload["body"];
  CHECK(body["commits"][0]["summary"] == "step 1");
  CHECK(body["text"] == "0123456 step 1; fedcba9");
}

TEST_CASE("Prompts in process: a commit opens its repository's prompt and asks, and the next commit joins it") {
  Rig r;
  Prompts prompts(r.loop, r.bus, r.store, r.config, nullptr);
  prompts.start();
  commit_trigger(r, "/src/widgets", std::string(40, 'a'));
  auto p = open_prompt(r.store, "/src/widgets");
  REQUIRE(p);
  CHECK(p->kind == "commit");
  CHECK(p->branch == "fix/12-login");
  REQUIRE(r.count("prompt.request") == 1);
  CHECK(r.last("prompt.request")->payload["prompt_id"] == p->id);

  int64_t second = commit_trigger(r, "/src/widgets", std::string(40, 'b'));
  CHECK(r.count("prompt.request") == 1);  // asked once
  CHECK(prompt_of_trigger(r.store, second)->id == p->id);
  commit_trigger(r, "/src/other", std::string(40, 'c'));
  CHECK(r.count("prompt.request") == 2);  // another repository: its own prompt
}

TEST_CASE("Prompts in process: unanswered, a prompt expires after prompt.timeout, and deferred it comes back when due") {
  Rig r;
  r.config.prompt.timeout = 600s;
  Prompts prompts(r.loop, r.bus, r.store, r.config, nullptr);
  prompts.start();
  commit_trigger(r, "/src/widgets", std::string(40, 'a'));
  int64_t id = open_prompt(r.store, "/src/widgets")->id;
  r.advance(599s);
  CHECK(get_prompt(r.store, id)->state == PromptState::kPending);
  r.advance(2s);
  CHECK(get_prompt(r.store, id)->state == PromptState::kExpired);
  CHECK(r.count("prompt.expired") == 1);

  record_response(r.store, id, PromptState::kDeferred, "", r.now(), r.now() + 1'800'000);
  prompts.changed(id);
  r.settle();
  CHECK(r.count("prompt.defer") == 1);
  r.advance(1799s);
  CHECK(get_prompt(r.store, id)->state == PromptState::kDeferred);
  r.advance(2s);
  CHECK(get_prompt(r.store, id)->state == PromptState::kPending);
  CHECK(r.count("prompt.request") == 2);  // asked again
}

TEST_CASE("Prompts in process: outside work hours a prompt is opened but waits quietly") {
  Rig r;
  r.config.settings.work_start_minute = 9 * 60;  // it is 08:00 UTC
  r.config.settings.work_end_minute = 17 * 60;
  Prompts prompts(r.loop, r.bus, r.store, r.config, nullptr);
  prompts.start();
  commit_trigger(r, "/src/widgets", std::string(40, 'a'));
  CHECK(open_prompt(r.store, "/src/widgets"));
  CHECK(r.count("prompt.request") == 0);
}

TEST_CASE("Prompts in process: a stored answer is parsed by the parser, saved and published with its parse") {
  Rig r;
  std::vector<std::string> parsed_texts;
  Prompts::ParseFn parse = [&](const std::string& text, const std::string& context) {
    parsed_texts.push_back(text);
    CHECK(json::parse(context)["repo"] == "/src/widgets");
    return json{{"tickets", json::array()}, {"duration_minutes", 30}}.dump();
  };
  Prompts prompts(r.loop, r.bus, r.store, r.config, parse);
  prompts.start();
  commit_trigger(r, "/src/widgets", std::string(40, 'a'));
  int64_t id = open_prompt(r.store, "/src/widgets")->id;
  int64_t response = record_response(r.store, id, PromptState::kAnswered, "fixed the login, 30m", r.now());
  prompts.changed(id);
  r.settle();
  CHECK(std::count(parsed_texts.begin(), parsed_texts.end(), "fixed the login, 30m") == 1);
  CHECK(json::parse(latest_response(r.store, id)->parsed)["duration_minutes"] == 30);
  REQUIRE(r.count("prompt.answer") == 1);
  CHECK(r.last("prompt.answer")->payload["response_id"] == response);
  REQUIRE(r.count("activity.recorded") == 1);
  CHECK(r.last("activity.recorded")->payload["parsed"]["duration_minutes"] == 30);
}

TEST_CASE("Prompts in process: a plugin's own trigger kind opens a prompt that asks its question, its suggestions fill the answer") {
  Rig r;
  Prompts::ParseFn parse = [&](const std::string&, const std::string&) {
    return json{{"tickets", json::array()}, {"duration_minutes", nullptr}, {"project", nullptr}}.dump();
  };
  Prompts prompts(r.loop, r.bus, r.store, r.config, parse);
  prompts.start();
  // Not objects, and a commit that only the host may capture: no prompt.
  r.bus.publish("trigger.pomodoro", "[1]", "plugin:pomodoro");
  r.bus.publish("trigger.commit", json{{"repo", "/src/widgets"}, {"commit", std::string(40, 'a')}}.dump(), "plugin:pomodoro");
  r.settle();
  CHECK(r.count("prompt.request") == 0);
  CHECK_FALSE(open_prompt(r.store, "/src/widgets"));

  json focus = {{"title", "Focus block\x1b[2J"},
                {"start_ms", kStart},
                {"end_ms", kStart + 25 * 60'000},
                {"trigger_id", 1},  // not the plugin's to name: a row of its own
                {"suggested", {{"minutes", 25}, {"project", "widgets"}}}};
  r.bus.publish("trigger.pomodoro", focus.dump(), "plugin:pomodoro");
  r.settle();
  auto p = open_prompt(r.store, "");
  REQUIRE(p);
  CHECK(p->kind == "pomodoro");
  REQUIRE(r.count("prompt.request") == 1);
  auto triggers = prompt_triggers(r.store, p->id);
  REQUIRE(triggers.size() == 1);
  CHECK(triggers[0].kind == "pomodoro");
  auto lines = about_lines(r.store, r.config, *p);
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "What came out of 'Focus block [2J' (08:00\u201308:25)?");  // no escape reaches a terminal

  int64_t id = p->id;
  record_response(r.store, id, PromptState::kAnswered, "wrote the parser", r.now());
  prompts.changed(id);
  r.settle();
  json parsed = json::parse(latest_response(r.store, id)->parsed);
  CHECK(parsed["duration_minutes"] == 25);
  CHECK(parsed["project"] == "widgets");
}

TEST_CASE("Prompts in process: a plugin's trigger that suggests no project has one guessed from its title and hint") {
  Rig r;
  std::vector<std::string> read;
  Prompts::ParseFn parse = [&](const std::string& text, const std::string&) {
    read.push_back(text);
    bool widgets = text.find("Widgets") != std::string::npos;
    json ticket = {{"tracker", "forge"}, {"repo", "acme/widgets"}, {"number", 7}};
    return json{{"tickets", widgets ? json::array({ticket}) : json::array()},
                {"project", widgets ? json("widgets") : json(nullptr)}}
        .dump();
  };
  Prompts prompts(r.loop, r.bus, r.store, r.config, parse);
  prompts.start();
  r.bus.publish("trigger.calendar", json{{"title", "Widgets sync"}, {"hint", "carol@acme.test"}}.dump(),
                "plugin:calendar");
  r.settle();
  REQUIRE(read.size() == 1);
  CHECK(read[0] == "Widgets sync\ncarol@acme.test");
  auto p = open_prompt(r.store, "");
  REQUIRE(p);
  json details = json::parse(prompt_triggers(r.store, p->id)[0].details);
  CHECK(details["suggested"]["project"] == "widgets");  // stored with the trigger: log and summary see it
  CHECK(json::parse(p->suggestion)["number"] == 7);     // the prompt suggests the ticket
  // What the plugin suggests itself is kept; nothing to read, no parse.
  r.bus.publish("trigger.calendar",
                json{{"title", "Widgets review"}, {"suggested", {{"project", "billing"}, {"ticket", {{"tracker", "jira"}, {"key", "BILL-1"}}}}}}
                    .dump(),
                "plugin:calendar");
  r.bus.publish("trigger.calendar", json{{"at_ms", kStart}}.dump(), "plugin:calendar");
  r.settle();
  CHECK(read.size() == 1);
  auto all = prompt_triggers(r.store, p->id);
  REQUIRE(all.size() == 3);
  CHECK(json::parse(all[1].details)["suggested"]["project"] == "billing");
}

TEST_CASE("Prompts in process: a commit stored without its prompt (the daemon died) is asked about at start") {
  Rig r;
  TriggerRow t;
  t.kind = "commit";
  t.repo = "/src/widgets";
  t.commit = std::string(40, 'a');
  t.at_ms = r.now() - 60'000;
  int64_t trigger = record_trigger(r.store, t);
  Prompts prompts(r.loop, r.bus, r.store, r.config, nullptr);
  prompts.start();
  r.settle();
  REQUIRE(prompt_of_trigger(r.store, trigger));
  CHECK(r.count("prompt.request") == 1);
}

TEST_CASE("Capture in process: a hook report is stored once, published, and its details asked of the worker") {
  Rig r;
  std::string repo = r.watched_repo("widgets");
  std::string id = commit(repo, "fix the login redirect");
  Capture capture(r.loop, r.bus, r.store, r.worker);
  json report = {{"repo", repo}, {"commit", id}, {"branch", "main"}};
  int64_t trigger = capture.on_hook(report.dump(), "hook");
  REQUIRE(trigger > 0);
  CHECK(capture.on_hook(report.dump(), "hook") == 0);  // the same commit again: nothing new
  r.settle();
  CHECK(r.count("trigger.commit") == 1);
  REQUIRE(r.worker.jobs.size() == 1);
  CHECK(r.worker.jobs[0].topic == "git.read");
  CHECK(r.worker.jobs[0].payload["trigger_id"] == trigger);
  CHECK(r.worker.jobs[0].payload["commit"] == id);

  r.bus.publish("trigger.details", json{{"trigger_id", trigger}, {"details", {{"message", "fix the login redirect"}}}}.dump());
  r.bus.publish("trigger.details", "not json");  // ignored, logged
  r.settle();
  CHECK(r.worker.finished == std::vector<std::string>{"git.read:" + std::to_string(trigger)});
  auto triggers = list_triggers(r.store, {});
  REQUIRE(triggers.size() == 1);
  CHECK(json::parse(triggers[0].details)["message"] == "fix the login redirect");
}

TEST_CASE("Capture in process: a report for a path not watched is ignored, one without a repo is an error") {
  Rig r;
  Capture capture(r.loop, r.bus, r.store, r.worker);
  CHECK(capture.on_hook(json{{"repo", "/nowhere"}, {"commit", std::string(40, 'a')}}.dump(), "hook") == 0);
  CHECK_THROWS_WITH(capture.on_hook("{}", "hook"), Catch::Contains("hook.commit needs"));
  CHECK_THROWS_WITH(capture.on_hook("\xff", "hook"), Catch::Contains("hook.commit needs"));
  r.settle();
  CHECK(r.published.empty());
  CHECK(r.worker.jobs.empty());
}
