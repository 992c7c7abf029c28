// `devtrack daemon`: the long-lived process that owns the event loop. One
// per DEVTRACK_HOME (a lock file). Runs in the foreground — what a service
// manager runs — and reports readiness over NOTIFY_SOCKET when it is set.
#pragma once

namespace devtrack {

// Runs until stopped (IPC "stop", SIGTERM, SIGINT). Returns the exit code.
int run_daemon();

}  // namespace devtrack
