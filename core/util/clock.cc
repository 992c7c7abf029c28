#include "util/clock.h"

#include <date/date.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>

#include "util/error.h"

namespace devtrack {

int64_t Clock::now_ms() const { return to_ms(now()); }

TimePoint ManualClock::now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void ManualClock::advance(std::chrono::milliseconds by) {
  {
    std::lock_guard lock(mu_);
    if (by.count() > 0) now_ += by;
  }
  notify();
}

void ManualClock::suspend(std::chrono::milliseconds by) {
  {
    std::lock_guard lock(mu_);
    if (by.count() <= 0) return;
    now_ += by;
    suspended_ms_ += by.count();
  }
  notify();
}

int64_t ManualClock::suspended_ms() const {
  std::lock_guard lock(mu_);
  return suspended_ms_;
}

int64_t SystemClock::suspended_ms() const {
#if defined(CLOCK_BOOTTIME)
  timespec boot{}, mono{};
  if (clock_gettime(CLOCK_BOOTTIME, &boot) != 0 || clock_gettime(CLOCK_MONOTONIC, &mono) != 0) return 0;
  return (boot.tv_sec - mono.tv_sec) * 1000 + (boot.tv_nsec - mono.tv_nsec) / 1'000'000;
#else
  return 0;
#endif
}

void ManualClock::set(TimePoint to) {
  {
    std::lock_guard lock(mu_);
    now_ = to;
  }
  notify();
}

void ManualClock::on_change(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(fn));
}

void ManualClock::notify() {
  std::vector<std::function<void()>> copy;
  {
    std::lock_guard lock(mu_);
    copy = listeners_;
  }
  for (auto& fn : copy) fn();
}

std::optional<TimePoint> parse_utc_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos && text.size() < 16)
    return from_ms(std::stoll(std::string(text)));
  std::istringstream in{std::string(text)};
  date::sys_time<std::chrono::milliseconds> t;
  in >> date::parse("%FT%TZ", t);
  if (in.fail()) return std::nullopt;
  return TimePoint(t);
}

Clock& process_clock() {
  static Clock* clock = [] () -> Clock* {
    const char* env = std::getenv("DEVTRACK_TEST_CLOCK");
    if (env && *env) {
      auto start = parse_utc_time(env);
      if (!start)
        throw Error(std::string("DEVTRACK_TEST_CLOCK='") + env +
                    "' is not a UTC time like 2026-03-29T00:30:00Z or epoch milliseconds");
      return new ManualClock(*start);
    }
    return new SystemClock();
  }();
  return *clock;
}

}  // namespace devtrack
