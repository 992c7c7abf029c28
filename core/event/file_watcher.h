// Watching directories for changes, on the event loop (Linux: inotify; other
// systems get a sibling file behind this interface). Used by the daemon to
// notice commits that never ran the hook. (Not yet offered to plugins: the
// dt_host watch service is NULL, see docs/architecture.md.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace devtrack {

class EventLoop;

class FileWatcher {
 public:
  // [loop thread] `name` is the entry that changed inside the directory.
  using Callback = std::function<void(const std::string& name)>;
  using WatchId = uint64_t;

  explicit FileWatcher(EventLoop& loop);
  ~FileWatcher();

  // [loop thread] Watches `directory` for entries created, written, moved in
  // or deleted. Returns 0 (and logs why) if it cannot be watched.
  WatchId watch(const std::string& directory, Callback callback);
  void unwatch(WatchId id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack
