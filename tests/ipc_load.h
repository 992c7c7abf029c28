// IPC load against a real daemon, shared by tests/ipc_load_test.cc and
// tests/bench/ipc_load_bench.cc: raw socket clients (idle ones and
// malformed messages) and what /proc says about the daemon.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace devtrack::load {

// A connected socket to `path`, or -1 (a full backlog or the fd limit). Non-
// blocking connects never wait on a daemon that stopped accepting.
inline int connect_to(const std::string& path, bool nonblocking = false) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Connections that send nothing, held until destroyed.
class IdleClients {
 public:
  IdleClients(const std::string& path, int n) {
    for (int i = 0; i < n; ++i)
      if (int fd = connect_to(path, true); fd >= 0) fds_.push_back(fd);
  }
  ~IdleClients() { release(); }
  IdleClients(const IdleClients&) = delete;
  IdleClients& operator=(const IdleClients&) = delete;
  size_t size() const { return fds_.size(); }
  void release() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }

 private:
  std::vector<int> fds_;
};

// A message that must not hurt the daemon; `reply` says whether one is due
// (a line cut off by the close gets none).
struct Malformed {
  std::string bytes;
  bool reply = true;
};

// One of each kind the daemon must survive, each within or just over the
// 64 KiB line limit.
inline std::vector<Malformed> malformed_kinds() {
  const size_t k64 = 64 * 1024;
  std::string deep_args = "{\"v\":1,\"cmd\":\"ping\",\"args\":";
  std::string deep_id = "{\"v\":1,\"cmd\":\"ping\",\"id\":";
  size_t depth = (k64 - deep_args.size() - 16) / 6;
  for (size_t i = 0; i < depth; ++i) deep_args += "{\"a\":";
  for (size_t i = 0; i < depth; ++i) deep_args += "}";
  deep_args += "}\n";
  size_t id_depth = (k64 - deep_id.size() - 16) / 2;
  deep_id += std::string(id_depth, '[') + std::string(id_depth, ']') + "}\n";
  return {
      {"{\"v\":1,\"cmd\":\n"},                                            // truncated JSON
      {"not json at all\n"},                                              // garbage
      {std::string(k64 - 2, '[') + "\n"},                                 // deep, unclosed
      {std::string(k64 / 2 - 1, '[') + std::string(k64 / 2 - 1, ']') + "\n"},  // deep, closed
      {deep_args},                                                        // deep args object
      {deep_id},                                                          // deep id (echoed back)
      {"{\"v\":1,\"cmd\":\"" + std::string(k64 - 32, 'x') + "\"}\n"},    // huge string command
      {"{\"v\":1,\"cmd\":\"ping\",\"id\":\"" + std::string(k64 - 40, 'y') + "\"}\n"},  // huge id
      {"{\"v\":\"1\",\"cmd\":5}\n"},                                      // wrong types
      {"{\"v\":1,\"cmd\":\"status\",\"args\":[1,2]}\n"},
      {"{\"v\":1,\"cmd\":\"prompt.changed\",\"args\":{\"prompt_id\":\"x\"}}\n"},
      {"{\"v\":1,\"cmd\":\"set-interval\",\"args\":{\"seconds\":1e308}}\n"},
      {"{\"v\":1,\"cmd\":\"hook.commit\",\"args\":{\"repo\":[]}}\n"},
      {"[1,2,3]\n"},
      {std::string(k64 + 4096, 'z') + "\n"},                              // over the line limit
      {"{\"v\":1,\"cmd\":\"\xff\xfe\"}\n"},                               // not UTF-8
      {"{\"v\":1,\"cmd\":\"ping\",\"id\":\"\xc3\x28\"}\n"},
      {"{\"v\":1,\"cmd\":\"pi", false},                                   // partial line, then close
  };
}

// Waits up to `ms` for fd to be readable; false on timeout.
inline bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

// Sends one message on a fresh connection, then reads until the daemon
// closes or the first reply line is in. False if a due reply did not come
// within `ms` (or the connection failed).
inline bool send_one(const std::string& path, const Malformed& m, int ms = 10000) {
  int fd = connect_to(path);
  if (fd < 0) return false;
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < m.bytes.size()) {
    ssize_t n = ::send(fd, m.bytes.data() + sent, m.bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the daemon closed on a line over the limit: its reply is waiting
    sent += static_cast<size_t>(n);
  }
  bool got = false;
  if (m.reply) {
    char buf[4096];
    std::string in;
    while (in.find('\n') == std::string::npos && readable(fd, ms)) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    got = in.find('\n') != std::string::npos;
  }
  ::close(fd);
  return got || !m.reply;
}

// ---- the daemon as /proc sees it ----
inline int fd_count(int pid) {
  int n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  return n;
}

// What the fds are (readlink of each), for a failure message.
inline std::string fd_targets(int pid) {
  std::string out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    out += it->path().filename().string() + " -> " + std::filesystem::read_symlink(it->path(), ec).string() + "\n";
  return out;
}

inline long rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// utime + stime in clock ticks (fields 14 and 15, counted after the
// parenthesised command name, which may hold spaces).
inline long cpu_ticks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return utime + stime;
}

}  // namespace devtrack::load
