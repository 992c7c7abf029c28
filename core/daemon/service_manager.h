// Telling the service manager the daemon's state, where one supervises it:
// systemd's sd_notify on Linux (service_manager_linux.cc); launchd and the
// Windows service control manager would add their own file.
#pragma once

namespace devtrack {

// [loop thread] The daemon is ready: its socket listens and its plugins run.
void service_ready();
// [loop thread] The daemon is stopping.
void service_stopping();

}  // namespace devtrack
