// Who is at the other end of a connected local socket: the daemon checks
// each client's uid, a client its daemon's (the socket is private to the
// user both ways). SO_PEERCRED on Linux (peer_linux.cc); macOS would use
// getpeereid/LOCAL_PEERPID in a file of its own.
#pragma once

#include <optional>

namespace devtrack::ipc {

struct Peer {
  unsigned uid = 0;
  int pid = 0;
};

// The peer of the connected socket `fd`, or nullopt if the system cannot say.
std::optional<Peer> peer_of(int fd);
// The uid this process runs as, to compare a peer's with.
unsigned own_uid();

}  // namespace devtrack::ipc
