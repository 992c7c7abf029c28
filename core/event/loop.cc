#include "event/loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <mutex>
#include <unordered_map>

#include "event/wall_alarm.h"
#include "log/log.h"

namespace asio = boost::asio;

namespace devtrack {

namespace {

// Every callback the loop runs passes through here: an exception (a busy or
// full database, a malformed reply) is logged and the loop goes on. Before
// this, one escaping io.run() stopped the daemon. Components that must not
// lose what failed retry it themselves (capture, spool, surfaces).
void run_guarded(const char* what, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    log::error("loop", "a {} failed: {}; carrying on", what, e.what());
  } catch (...) {
    log::error("loop", "a {} failed with an unknown exception; carrying on", what);
  }
}

}  // namespace

// Wall-clock timers share one WallAlarm (wall_alarm.h) set to the earliest
// deadline: it fires on wake after a suspend and when the time is changed.
struct EventLoop::Impl {
  using Entry = std::pair<TimerId, std::function<void()>>;

  explicit Impl(int pool_threads)
      : guard(io.get_executor()), pool(static_cast<size_t>(pool_threads)) {}

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  asio::thread_pool pool;
  std::unique_ptr<WallAlarm> alarm;  // none with a manual clock: advance() drives the timers

  mutable std::mutex mu;  // guards the timer tables
  std::multimap<TimePoint, Entry> timers;
  std::unordered_map<TimerId, std::multimap<TimePoint, Entry>::iterator> by_id;
  TimerId next_id = 1;
  std::vector<std::function<void()>> wake_listeners;  // loop thread only
};

EventLoop::EventLoop(Clock& clock, int pool_threads)
    : clock_(clock), impl_(std::make_unique<Impl>(pool_threads)) {
  if (auto* manual = dynamic_cast<ManualClock*>(&clock_)) {
    manual->on_change([this] { post([this] { fire_due_timers(); }); });
  } else {
    impl_->alarm = std::make_unique<WallAlarm>(impl_->io, [this] { fire_due_timers(); });
  }
}

EventLoop::~EventLoop() {
  impl_->pool.join();
  impl_->io.stop();
}

void EventLoop::post(std::function<void()> fn) {
  asio::post(impl_->io, [fn = std::move(fn)] { run_guarded("posted task", fn); });
}

EventLoop::TimerId EventLoop::call_at(TimePoint when, std::function<void()> fn) {
  TimerId id;
  {
    std::lock_guard lock(impl_->mu);
    id = impl_->next_id++;
    auto it = impl_->timers.emplace(when, Impl::Entry{id, std::move(fn)});
    impl_->by_id[id] = it;
  }
  post([this] { fire_due_timers(); });
  return id;
}

void EventLoop::cancel(TimerId id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_id.find(id);
  if (it == impl_->by_id.end()) return;
  impl_->timers.erase(it->second);
  impl_->by_id.erase(it);
}

size_t EventLoop::pending_timers() const {
  std::lock_guard lock(impl_->mu);
  return impl_->timers.size();
}

// [loop thread] Runs every due timer, then sets the alarm for the next.
void EventLoop::fire_due_timers() {
  while (true) {
    std::function<void()> fn;
    {
      std::lock_guard lock(impl_->mu);
      if (impl_->timers.empty() || impl_->timers.begin()->first > clock_.now()) break;
      auto it = impl_->timers.begin();
      fn = std::move(it->second.second);
      impl_->by_id.erase(it->second.first);
      impl_->timers.erase(it);
    }
    run_guarded("timer", fn);
  }
  for (auto& fn : impl_->wake_listeners) run_guarded("wake", fn);
  arm_alarm();
}

void EventLoop::on_wake(std::function<void()> fn) { impl_->wake_listeners.push_back(std::move(fn)); }

void EventLoop::arm_alarm() {
  if (!impl_->alarm) return;
  std::optional<TimePoint> next;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->timers.empty()) next = impl_->timers.begin()->first;
  }
  impl_->alarm->arm(next);
}

void EventLoop::run_blocking(std::function<void()> work, std::function<void()> done) {
  asio::post(impl_->pool, [this, work = std::move(work), done = std::move(done)]() mutable {
    run_guarded("background task", work);
    post(std::move(done));
  });
}

void EventLoop::run() {
  impl_->io.restart();
  // The last boundary: a handler of any component that throws is logged and
  // the loop resumes (asio allows run() again after a handler threw).
  while (true) {
    try {
      impl_->io.run();
      return;  // stop() was called
    } catch (const std::exception& e) {
      log::error("loop", "an event handler failed: {}; carrying on", e.what());
    } catch (...) {
      log::error("loop", "an event handler failed with an unknown exception; carrying on");
    }
  }
}

bool EventLoop::run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  impl_->io.restart();
  while (!pred()) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    impl_->io.run_one_for(std::chrono::duration_cast<std::chrono::milliseconds>(left) +
                          std::chrono::milliseconds(1));
    if (impl_->io.stopped()) impl_->io.restart();
  }
  return pred();
}

void EventLoop::stop() { impl_->io.stop(); }

size_t EventLoop::run_pending() {
  impl_->io.restart();
  try {
    return impl_->io.poll();
  } catch (const std::exception& e) {
    log::error("loop", "an event handler failed: {}", e.what());
    return 1;
  }
}

boost::asio::io_context& EventLoop::io_context() { return impl_->io; }

}  // namespace devtrack
