#include <sys/socket.h>
#include <unistd.h>

#include "ipc/peer.h"

namespace devtrack::ipc {

std::optional<Peer> peer_of(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
  return Peer{cred.uid, cred.pid};
}

unsigned own_uid() { return ::getuid(); }

}  // namespace devtrack::ipc
