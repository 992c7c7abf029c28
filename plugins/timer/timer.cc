// The timer trigger: settings.prompt_interval after the last answer (or the
// last timer prompt), moved into settings.work_hours on settings.work_days
// in settings.timezone. Deadlines are wall-clock times on the host's timers,
// so a laptop that slept through one asks once on wake, and DST changes
// move the working hours with the clock on the wall. One timer is armed at
// a time: no wake-ups before the next due time.
//
// Control commands (from `devtrack pause|resume|set-interval`, relayed by
// the daemon): {"command": "pause", "until_ms": n|null}, {"command":
// "resume"}, {"command": "set-interval", "seconds": n}, {"command": "status"}.
#include <algorithm>
#include <date/tz.h>
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>

#include "work_hours.h"

using nlohmann::json;
using namespace std::chrono;

namespace {

// The host refuses longer durations at every edge; the plugin keeps its
// arithmetic in range on its own all the same (anchor + interval in ms).
constexpr int64_t kMaxIntervalS = 10LL * 365 * 86400;

class Timer : public devtrack::sdk::Trigger {
 public:
  Timer(const dt_host* host, std::string_view config_json) : Trigger(host) {
    json config = json::parse(config_json, nullptr, false);
    json s = config.is_object() ? config.value("settings", json::object()) : json::object();
    interval_ms_ = std::clamp(s.value("prompt_interval_s", int64_t{3 * 3600}), int64_t{60}, kMaxIntervalS) * 1000;
    work_ = devtrack::common::WorkHours::from_settings(s);  // an unknown zone throws: refused with the message
    this->host().subscribe("prompt.answer", [this](std::string_view, std::string_view) {
      set_anchor(this->host().now_ms());
      schedule();
    });
  }

  void start() override {
    if (!this->host().kv_get("anchor_ms")) set_anchor(host().now_ms());
    schedule();
  }

  void stop() override { cancel(); }

  std::string doctor() override {
    std::string detail = paused_ && paused_until_ms_ < 0 ? "paused until `devtrack resume`"
                         : due_ms_ ? "next prompt at " +
                                         date::format("%F %R %Z", date::make_zoned(work_.zone, date::floor<minutes>(
                                                                                          sys_time<milliseconds>{milliseconds(due_ms_)})))
                                   : "no prompt scheduled";
    return json{{"checks", json::array({{{"name", "schedule"}, {"ok", true}, {"detail", detail}, {"fix", nullptr}}})}}
        .dump();
  }

  std::string control(std::string_view text) override {
    json c = json::parse(text, nullptr, false);
    std::string command = c.is_object() ? c.value("command", "") : "";
    if (command == "pause") {
      paused_ = true;
      paused_until_ms_ = c.contains("until_ms") && c["until_ms"].is_number_integer() ? c["until_ms"].get<int64_t>() : -1;
    } else if (command == "resume") {
      paused_ = false;
    } else if (command == "set-interval") {
      if (!c.contains("seconds") || !c["seconds"].is_number_integer() || c["seconds"].get<int64_t>() < 60 ||
          c["seconds"].get<int64_t>() > kMaxIntervalS)
        throw devtrack::sdk::Error(DT_INVALID, "seconds must be between 60 and 10 years");
      interval_ms_ = c["seconds"].get<int64_t>() * 1000;
    } else if (command != "status") {
      throw devtrack::sdk::Error(DT_UNSUPPORTED, "unknown command '" + command + "'");
    }
    schedule();
    return json{{"next_due_ms", due_ms_ ? json(due_ms_) : json(nullptr)}, {"paused", paused_}}.dump();
  }

 private:
  void set_anchor(int64_t ms) { host().kv_set("anchor_ms", std::to_string(ms)); }

  int64_t anchor() { return std::stoll(host().kv_get("anchor_ms").value_or(std::to_string(host().now_ms()))); }

  sys_time<milliseconds> to_sys(date::local_time<minutes> t) const {
    // A local time that does not exist (the spring-forward gap) maps to the
    // transition; one that exists twice (autumn) to its first occurrence.
    return work_.zone->to_sys(t, date::choose::earliest);
  }

  // The first moment at or after t inside working hours (t if it is).
  int64_t into_work_hours(int64_t t_ms) const {
    sys_time<milliseconds> t{milliseconds(t_ms)};
    auto local = work_.zone->to_local(t);
    auto day = date::floor<date::days>(local);
    for (int i = 0; i < 8; ++i) {
      date::local_days d = day + date::days(i);
      unsigned weekday = date::weekday(d).iso_encoding() - 1;  // mon = 0
      if (!work_.days[weekday]) continue;
      auto start = to_sys(d + minutes(work_.start_minute));
      auto end = to_sys(d + minutes(work_.end_minute));
      if (t < start) return start.time_since_epoch().count();
      if (t < end) return t_ms;
    }
    return t_ms;  // no working day configured: ask on the interval alone
  }

  void schedule() {
    cancel();
    due_ms_ = 0;
    if (paused_ && paused_until_ms_ < 0) return;  // until resumed
    int64_t due = anchor() + interval_ms_;
    if (paused_) due = std::max(due, paused_until_ms_);
    due = std::max(due, host().now_ms());  // overdue (after a pause): now
    due_ms_ = into_work_hours(due);
    const dt_host* h = host().raw();
    timer_ = h->timer_start(h, due_ms_, &Timer::on_due, this);
  }

  void cancel() {
    if (!timer_) return;
    const dt_host* h = host().raw();
    h->timer_cancel(h, timer_);
    timer_ = 0;
  }

  static void on_due(void* user, uint64_t) {
    auto* self = static_cast<Timer*>(user);
    self->timer_ = 0;
    int64_t now = self->host().now_ms();
    if (self->paused_ && (self->paused_until_ms_ < 0 || now < self->paused_until_ms_)) return self->schedule();
    self->paused_ = false;
    // What the prompt asks and the summary lists it as (core knows no
    // trigger by name: docs/plugin-authoring.md, "Trigger plugins").
    json trigger = {{"at_ms", now},
                    {"due_ms", self->due_ms_},
                    {"title", "timer check-in"},
                    {"question", "It has been a while since your last check-in."}};
    self->host().publish("trigger.timer", trigger.dump());
    self->set_anchor(now);
    self->schedule();
  }

  devtrack::common::WorkHours work_;
  int64_t interval_ms_;
  bool paused_ = false;
  int64_t paused_until_ms_ = -1;
  int64_t due_ms_ = 0;
  uint64_t timer_ = 0;
};

}  // namespace

DEVTRACK_PLUGIN(Timer, "timer", "Timer", "0.1.0", DT_RUNS_IN_DAEMON,
                "Asks what you worked on every settings.prompt_interval, inside your working hours and time zone.",
                nullptr)
