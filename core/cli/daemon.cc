// devtrack daemon: runs the daemon in the foreground (what systemd runs).
#include "cli/command.h"
#include "daemon/daemon.h"

namespace devtrack::cli {

extern const Command kDaemon = {
    "daemon",
    "run the daemon in the foreground (what a service manager runs)",
    "One daemon per DEVTRACK_HOME. Logs go to stderr and to `devtrack logs`.\n"
    "Readiness is reported over NOTIFY_SOCKET when it is set (systemd Type=notify).\n"
    "SIGTERM or SIGINT stop it; SIGHUP reloads the config.",
    [](Spec&) {},
    [](const po::variables_map&) { return run_daemon(); },
};

}  // namespace devtrack::cli
