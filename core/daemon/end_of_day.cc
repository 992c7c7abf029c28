#include "daemon/end_of_day.h"

#include "util/time_zone.h"

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/work_hours.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "store/store.h"
#include "util/paths.h"

namespace devtrack {

int64_t next_work_day_time_ms(const Config& config, int minute_of_day, int64_t now_ms) {
  using namespace std::chrono;
  const TimeZone* zone = configured_zone(config.settings.timezone);
  auto today = date::floor<date::days>(zone->to_local(sys_time<milliseconds>{milliseconds(now_ms)}));
  for (int i = 0; i < 8; ++i) {
    date::local_days day = today + date::days{i};
    unsigned weekday = date::weekday(day).iso_encoding() - 1;  // mon = 0
    if (!config.settings.work_days[weekday]) continue;
    auto at = zone->to_sys(date::local_seconds{day} + minutes(minute_of_day), TimeZone::Choose::latest);
    int64_t ms = duration_cast<milliseconds>(at.time_since_epoch()).count();
    if (ms > now_ms) return ms;
  }
  return 0;  // no work days configured
}

EndOfDay::EndOfDay(EventLoop& loop, Bus& bus, Store& store, const Config& config)
    : loop_(loop), bus_(bus), store_(store), config_(config) {}

void EndOfDay::schedule() {
  if (timer_) loop_.cancel(timer_);
  timer_ = 0;
  int64_t next = next_work_day_time_ms(config_, config_.settings.summary_minute, loop_.clock().now_ms());
  if (next) timer_ = loop_.call_at(from_ms(next), [this] { fire(); });
}

void EndOfDay::fire() {
  timer_ = 0;
  int64_t now = loop_.clock().now_ms();
  std::string day = local_date(now, config_.settings.timezone);
  store_.kv_set("daemon", "summary_due", day);
  paths::write_file_atomic(paths::home() + "/summary-due", day + "\n", 0644);
  log::info("daemon", "the summary of {} is due (devtrack summary --edit)", day);
  bus_.publish("summary.due", nlohmann::json{{"date", day}}.dump());
  schedule();
}

}  // namespace devtrack
