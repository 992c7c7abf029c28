// The end-of-day reminder: at settings.summary_time on each work day the
// daemon marks the day's summary as due (plugin_kv daemon/summary_due and
// the $DEVTRACK_HOME/summary-due file a shell hook can read without a
// process) and publishes `summary.due` {"date"} for the surfaces. `devtrack
// summary` clears it once the summary is pushed or sent.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

class Bus;
class EventLoop;
class Store;
struct Config;

class EndOfDay {
 public:
  EndOfDay(EventLoop& loop, Bus& bus, Store& store, const Config& config);
  // [loop] (Re)schedules the next reminder from the current config.
  void schedule();

 private:
  void fire();
  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  uint64_t timer_ = 0;
};

// The next moment after `now_ms` that is `minute_of_day` (summary_time,
// standup.time) on a work day, in the configured zone (a time the DST
// change skips moves to the next valid one); 0 without work days.
int64_t next_work_day_time_ms(const Config& config, int minute_of_day, int64_t now_ms);

}  // namespace devtrack
