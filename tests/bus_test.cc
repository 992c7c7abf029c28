#include <catch2/catch.hpp>

#include <thread>

#include "event/bus.h"
#include "event/loop.h"

using namespace devtrack;
using namespace std::chrono_literals;

namespace {
struct Fixture {
  ManualClock clock{from_ms(0)};
  EventLoop loop{clock};
  Bus bus{loop};
  bool drain(const std::function<bool()>& pred) { return loop.run_until(pred, 5s); }
};
}  // namespace

TEST_CASE("topic patterns") {
  CHECK(Bus::matches("trigger.*", "trigger.commit"));
  CHECK_FALSE(Bus::matches("trigger.*", "trigger"));
  CHECK_FALSE(Bus::matches("trigger.*", "triggers.commit"));
  CHECK(Bus::matches("*", "anything.at.all"));
  CHECK(Bus::matches("prompt.answer", "prompt.answer"));
  CHECK_FALSE(Bus::matches("prompt.answer", "prompt.answered"));
  CHECK(Bus::valid_topic("tracker.update.queued"));
  CHECK_FALSE(Bus::valid_topic("Trigger.Commit"));
  CHECK_FALSE(Bus::valid_topic("a..b"));
  CHECK_FALSE(Bus::valid_topic(""));
}

TEST_CASE("events arrive in publish order on the loop thread") {
  Fixture f;
  std::vector<std::string> got;
  auto loop_thread = std::this_thread::get_id();
  bool on_loop = true;
  f.bus.subscribe("trigger.*", [&](const Event& e) {
    got.push_back(e.payload);
    on_loop = on_loop && std::this_thread::get_id() == loop_thread;
  });
  for (int i = 0; i < 100; ++i) f.bus.publish("trigger.commit", std::to_string(i));
  REQUIRE(f.drain([&] { return got.size() == 100; }));
  for (int i = 0; i < 100; ++i) CHECK(got[i] == std::to_string(i));
  CHECK(on_loop);
}

TEST_CASE("publishing from other threads is safe and nothing is lost") {
  Fixture f;
  int count = 0;
  f.bus.subscribe("x.y", [&](const Event&) { ++count; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) f.bus.publish("x.y", "{}");
    });
  for (auto& t : threads) t.join();
  REQUIRE(f.drain([&] { return count == 1000; }));
}

TEST_CASE("a subscriber that throws does not stop delivery to the others") {
  Fixture f;
  int before = 0, after = 0;
  f.bus.subscribe("a.b", [&](const Event&) { ++before; });
  f.bus.subscribe("a.b", [&](const Event&) { throw std::runtime_error("subscriber bug"); });
  f.bus.subscribe("a.b", [&](const Event&) { throw 42; });
  f.bus.subscribe("a.b", [&](const Event&) { ++after; });
  f.bus.publish("a.b", "{}");
  f.bus.publish("a.b", "{}");
  REQUIRE(f.drain([&] { return after == 2; }));
  CHECK(before == 2);
}

TEST_CASE("unsubscribing an owner removes all its subscriptions at once, even mid-delivery") {
  Fixture f;
  int plugin_calls = 0, host_calls = 0;
  f.bus.subscribe("e.v", [&](const Event&) {
    ++host_calls;
    f.bus.unsubscribe_owner("plugin-a");  // the plugin is being disabled
  });
  f.bus.subscribe("e.v", [&](const Event&) { ++plugin_calls; }, "plugin-a");
  f.bus.subscribe("other.*", [&](const Event&) { ++plugin_calls; }, "plugin-a");
  CHECK(f.bus.subscription_count("plugin-a") == 2);
  f.bus.publish("e.v", "{}");
  f.bus.publish("other.x", "{}");
  f.bus.publish("e.v", "{}");
  REQUIRE(f.drain([&] { return host_calls == 2; }));
  CHECK(plugin_calls == 0);
  CHECK(f.bus.subscription_count("plugin-a") == 0);
}

TEST_CASE("unsubscribe by id") {
  Fixture f;
  int calls = 0;
  auto id = f.bus.subscribe("a.b", [&](const Event&) { ++calls; });
  f.bus.unsubscribe(id);
  int done = 0;
  f.bus.subscribe("a.b", [&](const Event&) { ++done; });
  f.bus.publish("a.b", "{}");
  REQUIRE(f.drain([&] { return done == 1; }));
  CHECK(calls == 0);
}

TEST_CASE("blocking work runs off the loop and completes on it") {
  Fixture f;
  auto loop_thread = std::this_thread::get_id();
  std::thread::id work_thread, done_thread;
  bool done = false;
  f.loop.run_blocking([&] { work_thread = std::this_thread::get_id(); },
                      [&] {
                        done_thread = std::this_thread::get_id();
                        done = true;
                      });
  REQUIRE(f.drain([&] { return done; }));
  CHECK(work_thread != loop_thread);
  CHECK(done_thread == loop_thread);
}
