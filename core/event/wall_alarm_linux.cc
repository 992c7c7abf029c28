#include "event/wall_alarm.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "util/error.h"

namespace asio = boost::asio;

namespace devtrack {

// An absolute deadline on CLOCK_REALTIME; TFD_TIMER_CANCEL_ON_SET wakes the
// wait when the system time is changed.
struct WallAlarm::Impl {
  Impl(asio::io_context& io, std::function<void()> fire) : fd(io), fire(std::move(fire)) {}
  asio::posix::stream_descriptor fd;
  std::function<void()> fire;
  bool waiting = false;
};

WallAlarm::WallAlarm(asio::io_context& io, std::function<void()> fire)
    : impl_(std::make_unique<Impl>(io, std::move(fire))) {
  int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw Error("cannot create a timer (timerfd_create failed)");
  impl_->fd.assign(fd);
}

WallAlarm::~WallAlarm() = default;

void WallAlarm::arm(std::optional<TimePoint> when) {
  itimerspec spec{};
  if (when) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when->time_since_epoch()).count();
    if (ns <= 0) ns = 1;  // zero would disarm
    spec.it_value.tv_sec = ns / 1'000'000'000;
    spec.it_value.tv_nsec = ns % 1'000'000'000;
  }
  timerfd_settime(impl_->fd.native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr);
  if (impl_->waiting) return;
  impl_->waiting = true;
  Impl* impl = impl_.get();
  impl_->fd.async_wait(asio::posix::stream_descriptor::wait_read, [impl](boost::system::error_code ec) {
    impl->waiting = false;
    if (ec == asio::error::operation_aborted) return;
    uint64_t expirations;
    // ECANCELED here means the system time was changed: re-check all the same.
    (void)::read(impl->fd.native_handle(), &expirations, sizeof expirations);
    impl->fire();
  });
}

}  // namespace devtrack
