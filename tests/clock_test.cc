#include <catch2/catch.hpp>

#include "event/loop.h"
#include "util/clock.h"

using namespace devtrack;
using namespace std::chrono_literals;

TEST_CASE("UTC times parse from ISO 8601 and epoch milliseconds") {
  auto t = parse_utc_time("2026-03-29T00:30:00Z");
  REQUIRE(t);
  CHECK(to_ms(*t) == 1774744200000);
  CHECK(to_ms(*parse_utc_time("1774744200000")) == 1774744200000);
  CHECK_FALSE(parse_utc_time("yesterday"));
  CHECK_FALSE(parse_utc_time(""));
}

TEST_CASE("timers on a manual clock fire only when the clock passes them") {
  ManualClock clock(from_ms(1'000'000));
  EventLoop loop(clock);
  std::vector<int> fired;
  loop.call_at(from_ms(1'000'000 + 60'000), [&] { fired.push_back(2); });
  loop.call_at(from_ms(1'000'000 + 30'000), [&] { fired.push_back(1); });
  auto cancelled = loop.call_at(from_ms(1'000'000 + 45'000), [&] { fired.push_back(99); });
  loop.cancel(cancelled);
  loop.run_until([] { return false; }, 50ms);
  CHECK(fired.empty());
  clock.advance(30s);
  REQUIRE(loop.run_until([&] { return fired.size() == 1; }, 5s));
  CHECK(fired == std::vector<int>{1});
  // A long jump (a suspended laptop waking) fires what is due, once.
  clock.advance(std::chrono::hours(10));
  REQUIRE(loop.run_until([&] { return fired.size() == 2; }, 5s));
  loop.run_until([] { return false; }, 50ms);
  CHECK(fired == std::vector<int>{1, 2});
  CHECK(loop.pending_timers() == 0);
}

TEST_CASE("a timer already due fires at once") {
  ManualClock clock(from_ms(5000));
  EventLoop loop(clock);
  bool fired = false;
  loop.call_at(from_ms(1000), [&] { fired = true; });
  CHECK(loop.run_until([&] { return fired; }, 5s));
}

TEST_CASE("wall-clock timers fire on the system clock") {
  SystemClock clock;
  EventLoop loop(clock);
  bool fired = false;
  auto due = clock.now() + 20ms;
  loop.call_at(due, [&] { fired = true; });
  REQUIRE(loop.run_until([&] { return fired; }, 10s));
  CHECK(clock.now() >= due);
}

TEST_CASE("times past the clock's range saturate instead of wrapping into the past") {
  using namespace std::chrono;
  // 90000 days from now in nanoseconds overflows int64: it once wrapped to
  // 1677, so a timer "fired" at once, forever.
  int64_t now = to_ms(system_clock::now());
  int64_t far = now + 90000LL * 86'400'000;
  TimePoint t = from_ms(far);
  CHECK(t > system_clock::now() + hours(24 * 365 * 200));
  CHECK(from_ms(INT64_MAX) > system_clock::now());
  CHECK(from_ms(INT64_MIN) < system_clock::now());
  CHECK(add_saturating(system_clock::now(), milliseconds(INT64_MAX)) > system_clock::now());
  CHECK(add_saturating(from_ms(1000), milliseconds(500)) == from_ms(1500));
}
