// Paths on POSIX: private directories and atomic, durable file writes
// (open/fsync/rename), and the running executable (Linux's
// /proc/self/exe; macOS would ask _NSGetExecutablePath here).
#include "util/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace fs = std::filesystem;

namespace devtrack::paths {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("cannot find the running executable (/proc/self/exe)");
  buf[n] = '\0';
  return fs::path(buf).parent_path().string();
}

void ensure_private_dir(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error("cannot create directory " + path + ": " + ec.message());
  // Only newly made dirs would get the umask's mode; set it on the leaf.
  if (chmod(path.c_str(), 0700) != 0 && errno != EPERM)
    throw Error("cannot set mode 0700 on " + path + ": " + std::strerror(errno));
}

void write_file_atomic(const std::string& given, const std::string& content, unsigned mode) {
  // A symlinked file (config.yaml kept in a dotfiles repository) stays a
  // symlink: the file it points to is the one replaced.
  std::error_code lec;
  std::string path = fs::is_symlink(given, lec) ? fs::canonical(given, lec).string() : given;
  if (lec || path.empty()) path = given;
  static std::atomic<unsigned> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw Error("cannot write " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error("cannot write " + path + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write " + path + ": " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot replace " + path + ": " + std::strerror(e));
  }
  // The rename is durable only once the directory entry is on disk.
  std::string dir = fs::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace devtrack::paths
