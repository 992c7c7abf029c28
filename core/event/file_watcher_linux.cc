#include <sys/inotify.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <map>

#include "event/file_watcher.h"
#include "event/loop.h"
#include "log/log.h"

namespace asio = boost::asio;

namespace devtrack {

struct FileWatcher::Impl {
  explicit Impl(EventLoop& loop) : fd(loop.io_context()) {}
  asio::posix::stream_descriptor fd;
  bool reading = false;
  std::map<int, std::pair<WatchId, Callback>> by_wd;  // inotify descriptor -> watch
  std::map<WatchId, int> wd_of;
  WatchId next = 1;
  alignas(inotify_event) char buffer[16 * 1024];

  void read() {
    if (reading) return;
    reading = true;
    fd.async_read_some(asio::buffer(buffer), [this](boost::system::error_code ec, size_t n) {
      reading = false;
      if (ec) return;  // closed
      for (size_t at = 0; at + sizeof(inotify_event) <= n;) {
        auto* e = reinterpret_cast<inotify_event*>(buffer + at);
        at += sizeof(inotify_event) + e->len;
        auto it = by_wd.find(e->wd);
        if (it == by_wd.end()) continue;
        std::string name = e->len ? std::string(e->name) : "";
        Callback cb = it->second.second;  // the callback may unwatch
        try {
          cb(name);
        } catch (const std::exception& e) {
          // The other events and the next read() must still happen.
          log::error("watch", "handling a change in a watched directory failed: {}", e.what());
        }
      }
      read();
    });
  }
};

FileWatcher::FileWatcher(EventLoop& loop) : impl_(std::make_unique<Impl>(loop)) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log::error("watch", "cannot watch files: inotify_init1 failed: {}", std::strerror(errno));
    return;
  }
  impl_->fd.assign(fd);
}

FileWatcher::~FileWatcher() {
  boost::system::error_code ec;
  impl_->fd.close(ec);
}

FileWatcher::WatchId FileWatcher::watch(const std::string& directory, Callback callback) {
  if (!impl_->fd.is_open()) return 0;
  int wd = inotify_add_watch(impl_->fd.native_handle(), directory.c_str(),
                             IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_DELETE);
  if (wd < 0) {
    log::warn("watch", "cannot watch {}: {}", directory, std::strerror(errno));
    return 0;
  }
  WatchId id = impl_->next++;
  impl_->by_wd[wd] = {id, std::move(callback)};
  impl_->wd_of[id] = wd;
  impl_->read();
  return id;
}

void FileWatcher::unwatch(WatchId id) {
  auto it = impl_->wd_of.find(id);
  if (it == impl_->wd_of.end()) return;
  inotify_rm_watch(impl_->fd.native_handle(), it->second);
  impl_->by_wd.erase(it->second);
  impl_->wd_of.erase(it);
}

}  // namespace devtrack
