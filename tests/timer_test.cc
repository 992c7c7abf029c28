// The real timer plugin (build/lib/devtrack/plugins/timer.so) in the real
// host, on a manual clock: DST days, a suspended laptop, pause and interval.
#include <catch2/catch.hpp>

#include <devtrack/plugin.h>

#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "event/loop.h"
#include "plugin/host.h"
#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

int64_t utc(const char* text) { return to_ms(*parse_utc_time(text)); }

struct TimerFixture {
  TempHome home;
  ManualClock clock;
  EventLoop loop{clock};
  Bus bus{loop};
  Store store{home.file("devtrack.db")};
  PluginHost host{loop, bus, &store, "daemon"};
  std::vector<int64_t> fired;

  explicit TimerFixture(const char* start, const std::string& days = R"(["mon","tue","wed","thu","fri","sat","sun"])")
      : clock(*parse_utc_time(start)) {
    bus.subscribe("trigger.timer", [this](const Event& e) { fired.push_back(json::parse(e.payload)["at_ms"]); });
    PluginInfo info;
    info.path = build_dir() + "/lib/devtrack/plugins/timer.so";
    info.id = "timer";
    json config = {{"settings",
                    {{"prompt_interval_s", 3 * 3600},
                     {"timezone", "Europe/Berlin"},
                     {"work_start_minute", 9 * 60},
                     {"work_end_minute", 18 * 60},
                     {"work_days", json::parse(days)}}}};
    std::string error;
    REQUIRE(host.start(info, config.dump(), &error));
    call_start();
  }

  const dt_trigger_v1* trigger(void** self) {
    auto iface = host.interface("timer", DEVTRACK_TRIGGER_V1);
    *self = iface.self;
    return static_cast<const dt_trigger_v1*>(iface.table);
  }

  void call_start() {
    void* self;
    std::string err;
    dt_out out{&err, [](const dt_out* o, const char* d, size_t n) {
                 static_cast<std::string*>(o->ctx)->append(d, n);
                 return true;
               }};
    REQUIRE(trigger(&self)->start(self, &out) == DT_OK);
  }

  json control(const json& command) {
    void* self;
    std::string text;
    dt_out out{&text, [](const dt_out* o, const char* d, size_t n) {
                 static_cast<std::string*>(o->ctx)->append(d, n);
                 return true;
               }};
    std::string c = command.dump();
    CHECK(trigger(&self)->control(self, c.c_str(), &out) == DT_OK);
    return json::parse(text);
  }

  json next_due() { return control({{"command", "status"}})["next_due_ms"]; }

  void advance_to(const char* when) {
    clock.set(*parse_utc_time(when));
    loop.run_until([] { return false; }, 30ms);
  }
};

}  // namespace

TEST_CASE("spring forward: the next morning's 09:00 is 07:00 UTC, not 08:00") {
  // Saturday 18:30 CET: after hours. DST starts at 01:00 UTC on Sunday.
  TimerFixture t("2026-03-28T17:30:00Z");
  CHECK(t.next_due() == utc("2026-03-29T07:00:00Z"));
  t.advance_to("2026-03-29T06:59:59Z");
  CHECK(t.fired.empty());
  t.advance_to("2026-03-29T07:00:00Z");
  REQUIRE(t.fired.size() == 1);
  CHECK(t.fired[0] == utc("2026-03-29T07:00:00Z"));
  CHECK(t.next_due() == utc("2026-03-29T10:00:00Z"));  // 3 h later, 12:00 CEST
}

TEST_CASE("fall back: the next morning's 09:00 is 08:00 UTC") {
  // Saturday 19:00 CEST; DST ends at 01:00 UTC on Sunday.
  TimerFixture t("2026-10-24T17:00:00Z");
  CHECK(t.next_due() == utc("2026-10-25T08:00:00Z"));
}

TEST_CASE("a laptop that slept through the due time asks once on wake") {
  // Monday 10:00 CEST; due at 13:00 CEST.
  TimerFixture t("2026-06-01T08:00:00Z");
  CHECK(t.next_due() == utc("2026-06-01T11:00:00Z"));
  t.advance_to("2026-06-01T13:30:00Z");  // woke at 15:30 CEST
  REQUIRE(t.fired.size() == 1);
  CHECK(t.fired[0] == utc("2026-06-01T13:30:00Z"));
  // 3 h after the wake is 18:30 CEST, after hours: next morning 09:00.
  CHECK(t.next_due() == utc("2026-06-02T07:00:00Z"));
  t.advance_to("2026-06-01T20:00:00Z");
  CHECK(t.fired.size() == 1);
}

TEST_CASE("weekends are skipped when only weekdays are work days") {
  // Friday 17:00 CEST: +3 h is after hours, Saturday and Sunday are off.
  TimerFixture t("2026-06-05T15:00:00Z", R"(["mon","tue","wed","thu","fri"])");
  CHECK(t.next_due() == utc("2026-06-08T07:00:00Z"));
}

TEST_CASE("pause, resume and set-interval at run time, an answer restarts the interval") {
  TimerFixture t("2026-06-01T08:00:00Z");
  CHECK(t.control({{"command", "set-interval"}, {"seconds", 5400}})["next_due_ms"] == utc("2026-06-01T09:30:00Z"));
  json paused = t.control({{"command", "pause"}, {"until_ms", utc("2026-06-01T12:00:00Z")}});
  CHECK(paused["paused"] == true);
  CHECK(paused["next_due_ms"] == utc("2026-06-01T12:00:00Z"));
  CHECK(t.control({{"command", "pause"}, {"until_ms", nullptr}})["next_due_ms"].is_null());
  t.advance_to("2026-06-01T11:00:00Z");
  CHECK(t.fired.empty());
  CHECK(t.control({{"command", "resume"}})["next_due_ms"] == utc("2026-06-01T11:00:00Z"));
  t.loop.run_until([&] { return !t.fired.empty(); }, 2s);
  CHECK(t.fired.size() == 1);
  t.advance_to("2026-06-01T11:30:00Z");
  t.bus.publish("prompt.answer", "{}");
  t.loop.run_until([] { return false; }, 30ms);
  CHECK(t.next_due() == utc("2026-06-01T13:00:00Z"));  // 90 min after the answer
}

TEST_CASE("the daemon records timer triggers, driven over IPC in test-clock mode") {
  TempHome home;
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
  spit(home.file("config.yaml"),
       "settings: {timezone: Europe/Berlin, prompt_interval: 1h}\nplugins: {timer: {enabled: true}}\n");
  REQUIRE(run("start").status == 0);
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  auto timer_triggers = [&] {
    Store store(home.file("devtrack.db"));
    return list_triggers(store, {});
  };
  CHECK(timer_triggers().empty());
  json now = json::parse(ipc::call("clock.advance", R"({"ms": 3660000})"));  // 61 minutes
  CHECK(now["now_ms"] == utc("2026-06-01T09:01:00Z"));
  REQUIRE(wait_until([&] { return timer_triggers().size() == 1; }));
  CHECK(timer_triggers()[0].kind == "timer");
  CHECK(timer_triggers()[0].at_ms == utc("2026-06-01T09:01:00Z"));
  json logged = json::parse(run("log --json").out)[0];
  CHECK(logged["kind"] == "timer");
  // The plugin says what its trigger is; core has no text of its own for it.
  CHECK(logged["title"] == "timer check-in");
  CHECK(run("log").out.find("timer  timer check-in") != std::string::npos);
  json pending = json::parse(run("checkin --list --json").out);
  REQUIRE(pending.size() == 1);
  INFO(pending.dump());
  CHECK(pending[0]["about"][0] == "It has been a while since your last check-in.");
  REQUIRE(run("checkin --skip").status == 0);  // by the CLI's clock: today
  std::string summary = run("summary").out;
  INFO(summary);
  CHECK(summary.find(" skipped: timer check-in\n") != std::string::npos);
  run("stop");
}
