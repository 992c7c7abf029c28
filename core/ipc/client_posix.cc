// The IPC client's transport on POSIX: the private socket directory, its
// checks, and one request/reply over a Unix socket with a deadline. (A
// Windows twin, over a named pipe, goes beside it: ipc.h is the interface.)
#include "ipc/ipc.h"
#include "ipc/peer.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"
#include "util/paths.h"
#include "util/strings.h"

namespace devtrack::ipc {

namespace {

std::string short_hash(const std::string& text) {
  uint64_t h = fnv1a64(text);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(h & 0xffffffffull));
  return buf;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

std::string fmt_mode(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

}  // namespace

std::string socket_dir() {
  std::string home = std::filesystem::absolute(paths::home()).lexically_normal().string();
  std::string hash = short_hash(home);
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime) return std::string(runtime) + "/devtrack-" + hash;
  return "/tmp/devtrack-" + std::to_string(::getuid()) + "-" + hash;
}

std::string socket_path() { return socket_dir() + "/daemon.sock"; }

void check_socket_path(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    throw Error("the socket path " + path + " is " + std::to_string(path.size()) + " bytes, longer than the " +
                std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                " a Unix socket allows: set XDG_RUNTIME_DIR to a shorter directory");
}

void check_private_dir(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) throw NotRunning("the daemon is not running (devtrack start)");
    throw Error("cannot check the socket directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) throw Error("the socket directory " + dir + " is not a directory (a symlink?): remove it");
  if (st.st_uid != ::getuid())
    throw Error("the socket directory " + dir + " belongs to uid " + std::to_string(st.st_uid) +
                ", not to you: remove it or set XDG_RUNTIME_DIR");
  if (st.st_mode & 077)
    throw Error("the socket directory " + dir + " is open to other users (mode " +
                fmt_mode(st.st_mode & 0777) + "): it must be 0700");
}

std::string call_raw(const std::string& line, std::chrono::milliseconds timeout) {
  std::string path = socket_path();
  check_socket_path(path);
  check_private_dir(socket_dir());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw Error(std::string("cannot create a socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    if (e == ENOENT || e == ECONNREFUSED) throw NotRunning("the daemon is not running (devtrack start)");
    throw Error("cannot reach the daemon at " + path + ": " + std::strerror(e));
  }
  // Only our own daemon hears what we send (repo paths, session variables).
  auto peer = peer_of(fd.get());
  if (!peer || peer->uid != own_uid())
    throw Error("the process listening on " + path + " runs as uid " + (peer ? std::to_string(peer->uid) : "?") +
                ", not as you: not talking to it");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = line + "\n";
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The daemon may have refused us (and said why) before we finished.
      if (errno == EPIPE || errno == ECONNRESET) break;
      throw Error(std::string("cannot send to the daemon: ") + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[4096];
  while (reply.find('\n') == std::string::npos) {
    if (!wait_for(fd.get(), POLLIN, deadline)) throw Error("the daemon did not answer within " +
                                                           std::to_string(timeout.count()) + " ms");
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("the daemon closed the connection without an answer");
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxMessageBytes * 16) throw Error("the daemon's answer is too large");
  }
  reply.resize(reply.find('\n'));
  return reply;
}

}  // namespace devtrack::ipc
