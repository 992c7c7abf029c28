// The event loop: one Boost.Asio io_context run by one thread (the [bus]
// thread of plugin.h), wall-clock timers driven by the Clock seam, and a
// small thread pool for blocking work. Asio stays out of this header so
// that most files compile without it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "util/clock.h"

// Declared, not included: a file that adds its own I/O includes Asio itself.
namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace devtrack {

class EventLoop {
 public:
  using TimerId = uint64_t;

  explicit EventLoop(Clock& clock, int pool_threads = 2);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Clock& clock() { return clock_; }

  // [any-thread] Runs fn on the loop thread.
  void post(std::function<void()> fn);

  // [any-thread] Runs fn on the loop thread once clock().now() >= when. With
  // the system clock the deadline is wall-clock time (a suspended machine
  // fires on wake, a clock change is followed); with a manual clock it fires
  // when the clock is advanced past it.
  TimerId call_at(TimePoint when, std::function<void()> fn);
  // [any-thread] No-op if it already fired.
  void cancel(TimerId id);
  // [loop thread] `fn` runs on the loop thread each time the loop's alarm
  // goes off — a timer is due, the system time was changed, the machine
  // woke from a suspend — or the manual clock moved: for what must notice
  // a jump in time without polling for it.
  void on_wake(std::function<void()> fn);
  // Number of timers not yet fired.
  size_t pending_timers() const;

  // [any-thread] Runs work on the pool, then done on the loop thread.
  void run_blocking(std::function<void()> work, std::function<void()> done);

  void run();  // until stop(); the calling thread becomes the loop thread
  // Runs handlers until `pred` is true or `timeout` passed; for tests and
  // short-lived processes. Returns pred().
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  void stop();  // [any-thread]
  // [loop thread] Runs the handlers that are ready now, without waiting: at
  // shutdown, for what plugins published while they were being stopped.
  // Returns how many ran.
  size_t run_pending();

  // The underlying io_context, for components that add their own I/O (IPC
  // sockets, the worker pipe, inotify).
  boost::asio::io_context& io_context();

 private:
  void fire_due_timers();
  void arm_alarm();

  struct Impl;
  Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack
