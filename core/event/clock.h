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
  int64_t now_ms() const;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override;
  bool manual() const override { return true; }
  // [any-thread] Moves the clock and tells the listeners (event loops
  // re-check their timers). Time never goes backwards through advance().
  void advance(std::chrono::milliseconds by);
  void set(TimePoint to);
  // [any-thread] `fn` runs on the thread that moved the clock.
  void on_change(std::function<void()> fn);

 private:
  void notify();
  mutable std::mutex mu_;
  TimePoint now_;
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
inline TimePoint from_ms(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace devtrack
