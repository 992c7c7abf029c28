// One alarm at an absolute wall-clock time, for the event loop's timers.
// Unlike a monotonic timer it fires on wake after a suspend, and it fires
// when the system time is changed (the loop then re-checks its timers).
// Linux: a timerfd on CLOCK_REALTIME (wall_alarm_linux.cc); another system
// adds its own file behind this interface (kqueue, a waitable timer).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "util/clock.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace devtrack {

class WallAlarm {
 public:
  // [loop thread] `fire` runs on the loop thread when the alarm goes off.
  WallAlarm(boost::asio::io_context& io, std::function<void()> fire);
  ~WallAlarm();
  WallAlarm(const WallAlarm&) = delete;
  WallAlarm& operator=(const WallAlarm&) = delete;

  // [loop thread] Sets the alarm to `when` (nullopt: disarmed). A time in
  // the past fires at once.
  void arm(std::optional<TimePoint> when);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack
