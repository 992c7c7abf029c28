#include "daemon/activity.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/work_hours.h"
#include "daemon/session_watch.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "store/activity_store.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "util/duration.h"
#include "util/json_text.h"

using nlohmann::json;

namespace devtrack {

namespace {

constexpr int64_t kAlarmMs = 6 * 3'600'000LL;

int64_t integer(const json& j, const char* name, int64_t fallback) {
  return j.contains(name) && j[name].is_number_integer() ? j[name].get<int64_t>() : fallback;
}

std::string text(const json& j, const char* name) {
  return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
}

}  // namespace

Activity::Activity(EventLoop& loop, Bus& bus, Store& store, const Config& config)
    : loop_(loop), bus_(bus), store_(store), config_(config) {}

Activity::~Activity() = default;

void Activity::start() {
  bus_.subscribe("editor.heartbeat", [this](const Event& e) { on_heartbeat(e.payload); }, "activity");
  bus_.subscribe("trigger.commit", [this](const Event& e) { on_commit(e.payload); }, "activity");
  bus_.subscribe("prompt.answer", [this](const Event& e) { on_answer(e.payload); }, "activity");
  int64_t now = loop_.clock().now_ms();
  try {
    last_seen_ms_ = last_activity_before(store_, now + 1);
  } catch (const std::exception& e) {
    log::warn("activity", "cannot read the last activity: {}", e.what());
  }
  suspended_ms_ = loop_.clock().suspended_ms();
  loop_.on_wake([this] { on_wake(); });
  keep_alarm_armed();
  session_ = SessionWatch::create(loop_.io_context(), [this](bool away, int64_t since_ms, const std::string& reason) {
    on_session(away, since_ms, reason);
  });
  std::string why;
  if (!session_->start(why)) {
    log::info("activity", "no desktop session to watch ({}): time away is read from activity", why);
    session_.reset();
  }
}

// A resume wakes the loop only through an armed alarm (wall_alarm.h): keep one.
void Activity::keep_alarm_armed() {
  loop_.call_at(from_ms(loop_.clock().now_ms() + kAlarmMs), [this] { keep_alarm_armed(); });
}

std::string Activity::repository_of(const std::string& file) {
  // A watched repository first (the prompts' names for them), the longest
  // that holds the file; else the nearest directory with a .git.
  std::string best;
  for (const auto& r : list_repos(store_))
    if (file.size() > r.path.size() && file.compare(0, r.path.size(), r.path) == 0 && file[r.path.size()] == '/' &&
        r.path.size() > best.size())
      best = r.path;
  if (!best.empty()) return best;
  std::error_code ec;
  for (auto dir = std::filesystem::path(file).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".git", ec)) return dir.string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

void Activity::on_heartbeat(const std::string& payload) {
  json b = json::parse(payload, nullptr, false);
  if (!b.is_object()) return;
  std::string file = text(b, "file");
  // No real path is longer (PATH_MAX); a longer one would cost a stat per
  // component in repository_of().
  if (file.empty() || file.size() > 4096) return;
  int64_t at = integer(b, "at_ms", loop_.clock().now_ms());
  record(at, repository_of(file), b.value("write", false) ? "write" : "edit", file);
  present(at);
}

void Activity::on_commit(const std::string& payload) {
  json c = json::parse(payload, nullptr, false);
  if (!c.is_object()) return;
  int64_t at = integer(c, "at_ms", loop_.clock().now_ms());
  record(at, text(c, "repo"), "commit", "");
  present(at);
}

void Activity::on_answer(const std::string& payload) {
  json a = json::parse(payload, nullptr, false);
  if (!a.is_object()) return;
  auto p = get_prompt(store_, integer(a, "prompt_id", 0));
  int64_t now = loop_.clock().now_ms();
  record(now, p ? p->repo : "", "answer", "");
  // An answer says what the time before it was: no question about it.
  if (!session_away_ms_ && now > last_seen_ms_) last_seen_ms_ = asked_until_ms_ = now;
}

void Activity::record(int64_t at_ms, const std::string& repo, const std::string& kind, const std::string& file) {
  try {
    record_activity(store_, {at_ms, repo, kind, file}, config_.logging.content);
  } catch (const std::exception& e) {
    // Activity only proposes minutes: a busy or full disk costs a heartbeat, never the daemon.
    log::warn("activity", "cannot record a {} heartbeat: {}", kind, e.what());
  }
}

void Activity::present(int64_t at_ms) {
  if (session_away_ms_) return;  // still locked or idle: a heartbeat from a build is no return
  at_ms = std::min(at_ms, loop_.clock().now_ms());  // a spooled beat from a clock ahead of ours
  int64_t last = last_seen_ms_;
  if (at_ms > last_seen_ms_) last_seen_ms_ = at_ms;
  if (last > 0 && at_ms > last) away_span(last, at_ms, "no activity");
}

// The loop woke: after a suspend the clock's suspended time has grown.
void Activity::on_wake() {
  int64_t suspended = loop_.clock().suspended_ms();
  int64_t slept = suspended - suspended_ms_;
  suspended_ms_ = suspended;
  if (slept < 1000) return;  // the two clocks' readings differ by a tick now and then
  int64_t now = loop_.clock().now_ms();
  log::info("activity", "the machine was suspended for {}", minutes_text(slept / 60'000));
  // The time before the suspend without activity belongs to the same absence.
  int64_t start = now - slept;
  if (last_seen_ms_ > 0 && last_seen_ms_ < start) start = last_seen_ms_;
  away_span(start, now, "suspended");
  last_seen_ms_ = now;
}

void Activity::on_session(bool away, int64_t since_ms, const std::string& reason) {
  int64_t now = loop_.clock().now_ms();
  if (away) {
    if (!session_away_ms_) {
      session_away_ms_ = since_ms > 0 && since_ms <= now ? since_ms : now;
      session_reason_ = reason;
      log::info("activity", "the session is {}", reason);
    }
    return;
  }
  if (!session_away_ms_) return;
  int64_t start = session_away_ms_;
  session_away_ms_ = 0;
  away_span(start, now, session_reason_);
  last_seen_ms_ = now;
}

// A time away is asked about once, when it is long enough, and only
// inside one day's work hours (the evening and the night are not away).
void Activity::away_span(int64_t start_ms, int64_t end_ms, const std::string& reason) {
  if (!config_.away.ask) return;
  if (start_ms < asked_until_ms_) start_ms = asked_until_ms_;
  int64_t after = std::chrono::duration_cast<std::chrono::milliseconds>(config_.away.after).count();
  if (end_ms - start_ms < after || after <= 0) return;
  const std::string& tz = config_.settings.timezone;
  if (!in_work_hours(config_, start_ms) || !in_work_hours(config_, end_ms - 1) ||
      local_date(start_ms, tz) != local_date(end_ms, tz))
    return;
  asked_until_ms_ = end_ms;
  int minutes = static_cast<int>((end_ms - start_ms + 30'000) / 60'000);
  std::string range = local_clock(start_ms, tz) + "–" + local_clock(end_ms, tz);
  json trigger = {{"at_ms", end_ms},
                  {"title", "away"},
                  {"question", "You were away " + range + " (" + minutes_text(minutes) + "): what was it?"},
                  {"start_ms", start_ms},
                  {"end_ms", end_ms},
                  {"reason", reason},
                  {"suggested", {{"minutes", minutes}}}};
  log::info("activity", "away {} ({}, {}): asking", range, minutes_text(minutes), reason);
  bus_.publish("trigger.away", dump_text(trigger));
}

}  // namespace devtrack
