#include "util/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <atomic>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/strings.h"

#ifndef DEVTRACK_PLUGIN_REL
#define DEVTRACK_PLUGIN_REL "lib/devtrack/plugins"
#endif
#ifndef DEVTRACK_HELPER_REL
#define DEVTRACK_HELPER_REL "libexec/devtrack"
#endif

namespace fs = std::filesystem;

namespace devtrack::paths {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string user_home() {
  std::string h = env("HOME");
  if (h.empty()) throw Error("HOME is not set: set HOME or DEVTRACK_HOME");
  return h;
}

}  // namespace

std::string home() {
  std::string h = env("DEVTRACK_HOME");
  if (!h.empty()) return h;
  return user_home() + "/.devtrack";
}

std::string config_file() { return home() + "/config.yaml"; }
std::string database() { return home() + "/devtrack.db"; }
std::string cache_dir() { return home() + "/cache"; }
std::string user_plugin_dir() { return home() + "/plugins"; }

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("cannot find the running executable (/proc/self/exe)");
  buf[n] = '\0';
  return fs::path(buf).parent_path().string();
}

std::string install_prefix() {
  fs::path dir = executable_dir();
  // bin/devtrack or libexec/devtrack/devtrack-worker: the prefix is above.
  fs::path helper_rel = DEVTRACK_HELPER_REL;
  std::string d = dir.string();
  std::string h = "/" + helper_rel.string();
  if (d.size() > h.size() && d.compare(d.size() - h.size(), h.size(), h) == 0)
    return d.substr(0, d.size() - h.size());
  return dir.parent_path().string();
}

std::vector<PluginDir> plugin_search_path() {
  std::vector<PluginDir> dirs;
  // Relative entries are skipped: they would resolve against the current
  // directory, and the hook's inline prompt runs inside the repository.
  for (const auto& p : split(env("DEVTRACK_PLUGIN_PATH"), ':'))
    if (!p.empty() && p[0] == '/') dirs.push_back({p, "env"});
  dirs.push_back({user_plugin_dir(), "user"});
  dirs.push_back({install_prefix() + "/" DEVTRACK_PLUGIN_REL, "bundled"});
  return dirs;
}

std::string helper(const std::string& name) {
  std::string beside = executable_dir() + "/" + name;
  if (access(beside.c_str(), X_OK) == 0) return beside;
  return install_prefix() + "/" DEVTRACK_HELPER_REL "/" + name;
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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace devtrack::paths
