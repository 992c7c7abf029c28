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
