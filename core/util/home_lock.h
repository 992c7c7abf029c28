// One daemon per home: $DEVTRACK_HOME/daemon.lock, held for the daemon's
// whole life with its pid written in it. The lock goes with the process, so
// a daemon killed with -9 leaves nothing to clean up. POSIX (flock) in
// home_lock_posix.cc; another platform adds its own file.
#pragma once

#include <string>

namespace devtrack {

class HomeLock {
 public:
  // Takes the lock of paths::home(); throws devtrack::Error naming the
  // other daemon's pid when one holds it.
  HomeLock();
  ~HomeLock();
  HomeLock(const HomeLock&) = delete;
  HomeLock& operator=(const HomeLock&) = delete;

  // Whether a daemon holds the current home's lock now (`start` and `stop`
  // wait on this: the daemon lets go at its very last moment).
  static bool held();

 private:
  int fd_ = -1;
};

}  // namespace devtrack
