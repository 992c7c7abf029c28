// devtrack session: hands this desktop session (DISPLAY, WAYLAND_DISPLAY,
// XAUTHORITY, DBUS_SESSION_BUS_ADDRESS) to the daemon, for desktop
// notifications. The shell integration runs it once when a shell starts.
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  if (!ipc::daemon_running()) {
    if (!args.count("quiet")) std::cerr << "devtrack: the daemon is not running (devtrack start)\n";
    return kFailure;
  }
  hand_over_session();
  if (!args.count("quiet")) std::cout << "the daemon knows this desktop session now\n";
  return kOk;
}

}  // namespace

extern const Command kSession = {
    "session", "hand this desktop session to the daemon, for notifications",
    "devtrack start and ask do it too; under systemd, `systemctl --user import-environment DISPLAY\n"
    "DBUS_SESSION_BUS_ADDRESS` does it for the service.",
    [](Spec& s) { s.options.add_options()("quiet,q", "say nothing"); },
    run,
    Loads::kNoCode,
};

}  // namespace devtrack::cli
