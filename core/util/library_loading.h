// Whether this process may load shared libraries (plugins, the time zone
// module, libsystemd). `bin/devtrack` is linked statically so that its
// quick commands start without the dynamic loader; it cannot dlopen(), and
// hands every command that loads code to libexec/devtrack/devtrack-full, the
// same CLI linked dynamically (cli/command.h, Command::runs_static). The
// places that load code check here, so a command wrongly marked to run
// statically fails with a clear message instead of loading a second libc.
#pragma once

#include <string>

namespace devtrack {

// Called by the static front's main() before anything else; never undone.
void forbid_library_loading();

bool library_loading_allowed();

// Throws devtrack::Error naming `what` (a plugin's path, "the time zone
// module") where loading is forbidden.
void require_library_loading(const std::string& what);

}  // namespace devtrack
