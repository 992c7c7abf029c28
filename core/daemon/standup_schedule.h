// The scheduled standup: at standup.time on each work day the daemon
// queues the day's standup (summary/delivery.h) to standup.sinks, once a
// day (plugin_kv daemon/standup_sent). A daemon that was not running at
// that time sends it when it starts, until the work day ends.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace devtrack {

class EventLoop;
class Store;
struct Config;
struct PluginInfo;

class StandupSchedule {
 public:
  // `queued` is called after rows were queued (the outbox takes them).
  StandupSchedule(EventLoop& loop, Store& store, const Config& config, const std::vector<PluginInfo>& plugins,
                  std::function<void()> queued);
  // [loop] (Re)schedules from the current config; sends a missed one now.
  void schedule();

 private:
  void fire();
  EventLoop& loop_;
  Store& store_;
  const Config& config_;
  const std::vector<PluginInfo>& plugins_;
  std::function<void()> queued_;
  uint64_t timer_ = 0;
};

}  // namespace devtrack
