#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/service_manager.h"

namespace devtrack {

namespace {

// The sd_notify datagram protocol, a few lines (no libsystemd needed).
void notify(const std::string& state) {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (!socket_path || !*socket_path) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string p = socket_path;
  if (p.size() >= sizeof addr.sun_path) return;
  std::memcpy(addr.sun_path, p.c_str(), p.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + p.size()));
  ::close(fd);
}

}  // namespace

void service_ready() { notify("READY=1\nMAINPID=" + std::to_string(::getpid())); }
void service_stopping() { notify("STOPPING=1"); }

}  // namespace devtrack
