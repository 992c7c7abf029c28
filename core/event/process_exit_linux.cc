// when_process_ends() with a pidfd (Linux 5.3): it becomes readable when
// the process ends, and watching it needs no SIGCHLD and no polling. The
// pid is not ours to reap; a pid reused after the process ended is harmless
// (the pidfd names the process, not the number) and at_most bounds the wait.
#include "event/process_exit.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "event/loop.h"

namespace asio = boost::asio;

namespace devtrack {

namespace {

// One wait: the first of its two events runs fn, the other finds it spent.
struct Wait {
  Wait(asio::io_context& io, std::function<void()> f) : timer(io), pidfd(io), fn(std::move(f)) {}
  asio::steady_timer timer;
  asio::posix::stream_descriptor pidfd;
  std::function<void()> fn;

  void finish() {
    if (!fn) return;
    auto run = std::move(fn);
    fn = nullptr;
    timer.cancel();
    boost::system::error_code ignored;
    pidfd.cancel(ignored);
    run();
  }
};

int open_pidfd(int pid) {
  if (pid <= 0) return -1;
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

void when_process_ends(EventLoop& loop, int pid, std::chrono::milliseconds at_most, std::function<void()> fn) {
  asio::io_context& io = loop.io_context();
  int fd = open_pidfd(pid);
  if (fd < 0) {
    asio::post(io, std::move(fn));
    return;
  }
  auto wait = std::make_shared<Wait>(io, std::move(fn));
  wait->pidfd.assign(fd);
  wait->pidfd.async_wait(asio::posix::stream_descriptor::wait_read,
                         [wait](boost::system::error_code ec) {
                           if (!ec) wait->finish();
                         });
  wait->timer.expires_after(at_most);
  wait->timer.async_wait([wait](boost::system::error_code ec) {
    if (!ec) wait->finish();
  });
}

void after_real_delay(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(loop.io_context(), delay);
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

}  // namespace devtrack
