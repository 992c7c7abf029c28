// Running helper programs (POSIX posix_spawn; a Windows twin goes beside it).
// Boost.Process would do it too, but costs a linked Boost.Filesystem and its
// templates in the lean `devtrack` binary for one call.
#pragma once

#include <string>
#include <vector>

namespace devtrack {

// Runs argv[0] (a path) with the given arguments, stdin/stdout/stderr
// inherited, and waits. Returns its exit status, or -1 if it could not be
// started or was killed (`error` says why).
int run_program(const std::vector<std::string>& argv, std::string* error);

}  // namespace devtrack

namespace devtrack {

// Runs argv and captures its stdout (stderr inherited). Returns the exit
// status, -1 if it could not run (`error` says why).
int run_capture(const std::vector<std::string>& argv, std::string* out, std::string* error);

// Starts argv as a daemon: a new session, stdin from /dev/null, stdout and
// stderr appended to `log_file`. Returns the pid, or -1 (`error` says why).
int spawn_detached(const std::vector<std::string>& argv, const std::string& log_file, std::string* error);

}  // namespace devtrack
