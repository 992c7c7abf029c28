// IPC between `devtrack` commands, the post-commit hook and the daemon: a
// Unix socket in a private directory derived from DEVTRACK_HOME, carrying
// newline-delimited JSON with a protocol version. Spec: docs/ipc.md.
// (POSIX sockets; Windows named pipes belong behind this same interface.)
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace devtrack::ipc {

constexpr int kProtocolVersion = 1;
constexpr size_t kMaxMessageBytes = 64 * 1024;

// $XDG_RUNTIME_DIR/devtrack-<hash>/ or /tmp/devtrack-<uid>-<hash>/, where
// <hash> is a short hash of the absolute DEVTRACK_HOME: test homes and the
// user's daemon never meet.
std::string socket_dir();
std::string socket_path();  // socket_dir()/daemon.sock

// Throws Error if the path does not fit in sockaddr_un, saying how to fix it.
void check_socket_path(const std::string& path);

// Throws Error unless dir is a real directory (not a symlink) owned by this
// user with no group or other permissions. Without XDG_RUNTIME_DIR the
// socket lives under /tmp, where another user could make the directory
// first and listen in our place; daemon, CLI and hook all check.
void check_private_dir(const std::string& dir);

// Nothing listens on the socket: the daemon is not running.
class NotRunning : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sends one request {"v", "id", "cmd", "args"} and waits for the reply.
// Returns the reply's "result" as JSON text; throws Error with the daemon's
// message for an error reply, NotRunning if no daemon listens.
std::string call(const std::string& command, const std::string& args_json = "{}",
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends one raw line and returns the raw reply line (for tests and tools).
std::string call_raw(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// True if a daemon answers a ping.
bool daemon_running();

}  // namespace devtrack::ipc
