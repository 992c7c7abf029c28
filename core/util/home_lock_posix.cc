#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"
#include "util/home_lock.h"
#include "util/paths.h"

namespace devtrack {

namespace {
std::string lock_path() { return paths::home() + "/daemon.lock"; }
}  // namespace

HomeLock::HomeLock() {
  paths::ensure_private_dir(paths::home());
  const std::string path = lock_path();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!pid.empty() && pid.back() == '\n') pid.pop_back();
    ::close(fd_);
    throw Error("another devtrack daemon (pid " + pid + ") is running for " + paths::home());
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    int err = errno;
    ::close(fd_);
    throw Error("cannot write " + path + ": " + std::strerror(err));
  }
}

HomeLock::~HomeLock() { ::close(fd_); }  // the lock goes with the descriptor

bool HomeLock::held() {
  int fd = ::open(lock_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

}  // namespace devtrack
