// The one seam for time. Everything in the host and in plugins reads the
// time through a Clock, so tests can drive it: when DEVTRACK_TEST_CLOCK is
// set at start (an ISO 8601 UTC time such as 2026-03-29T00:30:00Z, or
// milliseconds since the epoch) the process uses a ManualClock that only
// moves when told to (over IPC, in that mode only).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace devtrack {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // [any-thread] Wall-clock time.
  virtual TimePoint now() const = 0;
  // True for a test clock that only moves when advanced.
  virtual bool manual() const { return false; }
  // [any-thread] How long the machine has been suspended since it booted
  // (ms): growth between two readings is a sleep in between.
  virtual int64_t suspended_ms() const = 0;
  int64_t now_ms() const;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  // CLOCK_BOOTTIME runs on in suspend, CLOCK_MONOTONIC stops (clock.cc;
  // 0 where the system has no such clocks).
  int64_t suspended_ms() const override;
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override;
  bool manual() const override { return true; }
  // [any-thread] Moves the clock and tells the listeners (event loops
  // re-check their timers). Time never goes backwards through advance().
  void advance(std::chrono::milliseconds by);
  // [any-thread] A suspend of `by`: the wall clock and suspended_ms() move.
  void suspend(std::chrono::milliseconds by);
  void set(TimePoint to);
  int64_t suspended_ms() const override;
  // [any-thread] `fn` runs on the thread that moved the clock.
  void on_change(std::function<void()> fn);

 private:
  void notify();
  mutable std::mutex mu_;
  TimePoint now_;
  int64_t suspended_ms_ = 0;
  std::vector<std::function<void()>> listeners_;
};

// Parses "2026-03-29T00:30:00Z" or epoch milliseconds.
std::optional<TimePoint> parse_utc_time(std::string_view text);

// The process-wide clock, chosen once from DEVTRACK_TEST_CLOCK.
Clock& process_clock();

// Milliseconds since the epoch <-> TimePoint.
inline int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// Saturates instead of overflowing the clock's nanoseconds (~year 2262): a
// deadline past that is "never", not a time in 1677 that fires at once in a
// loop.
inline TimePoint from_ms(int64_t ms) {
  constexpr int64_t kMaxMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(TimePoint::duration::max()).count() - 86'400'000;
  if (ms > kMaxMs) ms = kMaxMs;
  if (ms < -kMaxMs) ms = -kMaxMs;
  return TimePoint(std::chrono::milliseconds(ms));
}
// t + d, saturated like from_ms (d may come from a user or a server).
inline TimePoint add_saturating(TimePoint t, std::chrono::milliseconds d) {
  int64_t ms = to_ms(t);
  if (d.count() > 0 && ms > INT64_MAX - d.count()) return from_ms(INT64_MAX);
  if (d.count() < 0 && ms < INT64_MIN - d.count()) return from_ms(INT64_MIN);
  return from_ms(ms + d.count());
}

}  // namespace devtrack
