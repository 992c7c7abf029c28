#include "cli/cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "config/work_hours.h"
#include "ipc/ipc.h"
#include "plugin/registry.h"
#include "summary/delivery.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/strings.h"

namespace devtrack::cli {

Loaded load_config_and_plugins() {
  Loaded loaded;
  loaded.plugins = load_registry();
  ConfigResult result = load_config(paths::config_file(), loaded.plugins);
  std::string errors;
  for (const auto& d : result.diagnostics) {
    if (d.severity == "error") errors += "\n  " + d.str();
    else if (d.severity == "warning") std::fprintf(stderr, "devtrack: %s\n", d.str().c_str());
  }
  if (!errors.empty()) throw Error("the config has errors (devtrack config check):" + errors);
  loaded.config = std::move(result.config);
  return loaded;
}

std::vector<std::string> enabled_trackers(const Loaded& loaded) {
  return enabled_plugins(loaded.plugins, loaded.config, "tracker");
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

bool stdout_is_tty() { return isatty(STDOUT_FILENO) == 1; }

std::string write_plugin_enabled(const std::string& id, bool enabled) {
  std::string path = paths::config_file();
  std::error_code ec;
  std::string text;
  if (std::filesystem::exists(path, ec)) {
    text = paths::read_file(path);
  } else {
    paths::ensure_private_dir(paths::home());
    text = default_config_text();
    std::cerr << "devtrack: wrote the default config to " << path << "\n";
  }
  std::string edited = set_plugin_enabled(text, id, enabled);
  if (edited != text) paths::write_file_atomic(path, edited, 0600);
  return path;
}

void reload_daemon_config() {
  try {
    daemon_call("reload");
    std::cout << "the running daemon applied it\n";
  } catch (const ipc::NotRunning&) {
    std::cout << "the daemon is not running: it applies this when it starts\n";
  } catch (const std::exception& e) {
    std::cerr << "devtrack: the daemon did not apply it and keeps running with its previous config: " << e.what()
              << "\n";
  }
}

void print_deliveries(const std::vector<QueuedDelivery>& rows, const std::string& what) {
  std::vector<std::string> queued;
  for (const auto& r : rows) {
    std::string where = r.sink + (r.recipient.empty() ? "" : " (" + r.recipient + ")");
    if (r.queued) queued.push_back(where);
    else std::cout << "the same " << what << " went to " << where << " already\n";
  }
  if (!queued.empty()) std::cout << what << " queued for " << join(queued, ", ") << " (devtrack updates list)\n";
}

}  // namespace devtrack::cli

#include "util/time_zone.h"

#include <thread>

#include "ipc/ipc.h"

namespace devtrack::cli {

std::string daemon_call(const std::string& command, const std::string& args_json) {
  return ipc::call(command, args_json);
}

void tell_daemon_updates_changed() {
  try {
    daemon_call("updates.changed");
  } catch (const ipc::NotRunning&) {
  }
}

void hand_over_session() {
  nlohmann::json vars = nlohmann::json::object();
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS"})
    if (const char* v = std::getenv(name); v && *v) vars[name] = v;
  if (vars.empty()) return;
  try {
    daemon_call("session.env", nlohmann::json{{"vars", vars}}.dump());
  } catch (const std::exception&) {
  }
}

bool wait_for_daemon(bool running, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ipc::daemon_running() != running) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string local_when(int64_t ms, const std::string& timezone) {
  using namespace std::chrono;
  const TimeZone* zone = configured_zone(timezone);
  auto at = date::floor<seconds>(zone->to_local(date::sys_time<milliseconds>{milliseconds(ms)}));
  auto now = zone->to_local(date::sys_time<milliseconds>{milliseconds(process_clock().now_ms())});
  auto day = date::floor<date::days>(at);
  auto today = date::floor<date::days>(now);
  std::string clock = date::format("%H:%M", at);
  if (day == today) return "at " + clock;
  if (day == today + date::days(1)) return "tomorrow at " + clock;
  if (day == today - date::days(1)) return "yesterday at " + clock;
  return "on " + date::format("%a %e %b", at) + " at " + clock;
}

std::string local_moment(int64_t ms, const std::string& timezone) {
  std::string when = local_when(ms, timezone);
  for (const char* preposition : {"at ", "on "})  // "until 15:42", not "until at 15:42"
    if (when.rfind(preposition, 0) == 0) return when.substr(3);
  return when;
}

std::string local_iso_time(int64_t ms, const std::string& timezone) {
  auto utc = date::floor<std::chrono::seconds>(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds(ms)});
  const TimeZone* zone = configured_zone(timezone);
  return date::format("%FT%T", date::floor<std::chrono::seconds>(zone->to_local(utc))) + zone->offset_text(utc);
}

}  // namespace devtrack::cli
