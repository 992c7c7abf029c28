// Running helper programs: the POSIX one (posix_spawn, poll) is
// process_posix.cc; a Windows twin goes beside it.
// Boost.Process would do it too, but costs a linked Boost.Filesystem and its
// templates in the lean `devtrack` binary for one call.
#pragma once

#include <optional>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace devtrack {

// Runs argv[0] (a path) with the given arguments, stdin/stdout/stderr
// inherited, and waits. Returns its exit status, or -1 if it could not be
// started or was killed (`error` says why).
int run_program(const std::vector<std::string>& argv, std::string* error);

// Replaces this process with `path`, given `argv` (NULL-terminated) as is;
// the pid, open descriptors and environment stay. Returns only on failure,
// with the reason.
std::string replace_process(const std::string& path, char** argv);

}  // namespace devtrack

namespace devtrack {

// Runs argv and captures its stdout; its stderr goes nowhere (the caller
// says what went wrong in its own words: no `fatal:` from git in the
// user's terminal). Returns the exit status, -1 if it could not run
// (`error` says why).
int run_capture(const std::vector<std::string>& argv, std::string* out, std::string* error);

// What run_bounded() saw. `status` is the exit status, or -1 when the
// program could not run, was killed, ran out of time or printed too much
// (`error` says which).
struct BoundedResult {
  int status = -1;
  std::string out, err;  // stdout and stderr, each cut at the limit
  std::string error;
  bool timed_out = false;
  bool too_large = false;
};

// Runs argv (looked up on PATH) with stdin from /dev/null and stdout and
// stderr captured. Both are read as they come (poll), so a child that
// fills one pipe cannot block while we wait on the other. The child runs
// in its own process group, which is killed (SIGKILL) after `timeout` or
// once it has printed more than `max_output` bytes in all: a secret
// command that hangs or floods must not hang the caller.
BoundedResult run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          size_t max_output);

// Starts argv as a daemon: a new session, stdin from /dev/null, stdout and
// stderr appended to `log_file`. Returns the pid, or -1 (`error` says why).
int spawn_detached(const std::vector<std::string>& argv, const std::string& log_file, std::string* error);

// A child joined to its parent by a stream socket: the child's end is its
// fd 3, its stdin is /dev/null, stdout and stderr are inherited. The
// parent owns `socket_fd` (close-on-exec). nullopt if it could not start
// (`error` says why).
struct ChildWithSocket {
  int pid = 0;
  int socket_fd = -1;
};
std::optional<ChildWithSocket> spawn_with_socket(const std::vector<std::string>& argv, std::string* error);

// How a child ended, read by wait_child().
struct ChildExit {
  bool clean = false;        // exited with status 0
  bool signalled = false;    // ended by a signal (else it exited)
  bool killed_hard = false;  // SIGKILL: from outside (a user, a service manager), not from its work
  std::string text;          // "exit status 3", "signal 13"
};
// Waits for the child to end (it has closed its end, or was told to stop).
ChildExit wait_child(int pid);
// Asks the child to stop (SIGTERM) and waits for it.
void stop_child(int pid);

}  // namespace devtrack
