// Helpers the commands share: loading the config with the plugin registry,
// opening the store, printing JSON. Kept free of heavy headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/plugin_info.h"

namespace devtrack::cli {

// The registry and the config, checked. Throws Error listing the config's
// errors (warnings go to stderr) so a broken config is never half-used.
struct Loaded {
  std::vector<PluginInfo> plugins;
  Config config;
};
Loaded load_config_and_plugins();

// The enabled tracker plugins.
std::vector<std::string> enabled_trackers(const Loaded& loaded);

// Prints a table with left-aligned columns; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);

// True if stdout is a terminal (tables and colours), else plain output.
bool stdout_is_tty();

}  // namespace devtrack::cli

namespace devtrack {
struct QueuedDelivery;
}

namespace devtrack::cli {

// Sets plugins.<id>.enabled in config.yaml, keeping the user's comments
// and formatting (writing the default config first where there is none);
// returns the config's path.
std::string write_plugin_enabled(const std::string& id, bool enabled);
// A running daemon takes a config change at once (a reload); the user is
// told which state things are in either way.
void reload_daemon_config();

// Says where a queued summary or standup (`what`) goes: "standup queued for
// slack, email (me@x.test)", and what had gone there already.
void print_deliveries(const std::vector<QueuedDelivery>& rows, const std::string& what);

}  // namespace devtrack::cli

namespace devtrack::cli {

// Calls the daemon (ipc::call); throws ipc::NotRunning if it is not running.
std::string daemon_call(const std::string& command, const std::string& args_json = "{}");

// Tells a running daemon that outbox rows changed (queued, retried,
// dropped), so it schedules them; nothing when no daemon runs.
void tell_daemon_updates_changed();

// Hands this desktop session's DISPLAY, WAYLAND_DISPLAY, XAUTHORITY and
// DBUS_SESSION_BUS_ADDRESS to a running daemon (for its notifications);
// quietly does nothing when none is set or no daemon runs.
void hand_over_session();

// Waits until the daemon answers (true) or `timeout` passes.
bool wait_for_daemon(bool running, std::chrono::milliseconds timeout);

// "2026-11-26T08:30:00+01:00" in the configured or system time zone.
std::string local_iso_time(int64_t ms, const std::string& timezone = "");
// The same moment as a person reads it: "at 15:42" today, "tomorrow at
// 09:00", "yesterday at 17:10", else "on Thu  3 Dec at 09:00" (local time
// in `timezone`).
std::string local_when(int64_t ms, const std::string& timezone = "");
// local_when() after a word like "since" or "until": "15:42", "tomorrow at
// 09:00", "Thu  3 Dec at 09:00".
std::string local_moment(int64_t ms, const std::string& timezone = "");

}  // namespace devtrack::cli
