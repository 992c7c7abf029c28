#include "daemon/standup_schedule.h"

#include <algorithm>

#include "config/config.h"
#include "config/work_hours.h"
#include "daemon/end_of_day.h"
#include "event/loop.h"
#include "log/log.h"
#include "store/store.h"
#include "summary/delivery.h"

namespace devtrack {

namespace {

// Whether today's standup time has passed inside today's work hours on a
// work day: a daemon started then still sends it.
bool missed_today(const Config& config, int64_t now_ms) {
  LocalMinute now = local_minute(config, now_ms);
  return now.work_day && now.minute >= config.standup.minute &&
         now.minute < std::max(config.settings.work_end_minute, config.standup.minute + 1);
}

}  // namespace

StandupSchedule::StandupSchedule(EventLoop& loop, Store& store, const Config& config,
                                 const std::vector<PluginInfo>& plugins, std::function<void()> queued)
    : loop_(loop), store_(store), config_(config), plugins_(plugins), queued_(std::move(queued)) {}

void StandupSchedule::schedule() {
  if (timer_) loop_.cancel(timer_);
  timer_ = 0;
  if (config_.standup.minute < 0) return;
  int64_t now = loop_.clock().now_ms();
  if (missed_today(config_, now) && store_.kv_get("daemon", "standup_sent") != local_date(now, config_.settings.timezone)) {
    timer_ = loop_.call_at(from_ms(now), [this] { fire(); });
    return;
  }
  int64_t next = next_work_day_time_ms(config_, config_.standup.minute, now);
  if (next) timer_ = loop_.call_at(from_ms(next), [this] { fire(); });
}

void StandupSchedule::fire() {
  timer_ = 0;
  int64_t now = loop_.clock().now_ms();
  std::string today = local_date(now, config_.settings.timezone);
  if (store_.kv_get("daemon", "standup_sent") != today) {
    // Marked first: a standup that cannot be queued (no sink enabled) is
    // logged once, not retried all day; the outbox retries a queued one.
    store_.kv_set("daemon", "standup_sent", today);
    try {
      auto sinks = delivery_sinks(plugins_, config_, config_.standup.sinks);
      auto rows = queue_delivery(store_, config_, plugins_, sinks, standup_delivery(store_, config_, plugins_, today, now), now);
      log::info("daemon", "the standup of {} is queued for {} destination(s)", today, rows.size());
      queued_();
    } catch (const std::exception& e) {
      log::warn("daemon", "the standup of {} was not sent: {}", today, e.what());
    }
  }
  schedule();
}

}  // namespace devtrack
