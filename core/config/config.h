// The configuration: $DEVTRACK_HOME/config.yaml, checked as a whole with
// file:line:column messages. Typed values only leave this module; yaml-cpp
// stays inside it. Reference: docs/configuration.md.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/plugin_info.h"
#include "util/duration.h"

namespace devtrack {

// prompt.surfaces of the default config (config/config.yaml): where to ask
// when nothing is set.
const std::vector<std::string>& default_surfaces();

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no position
  int column = 0;  // 1-based
  std::string severity;  // "error" | "warning" | "note" (only `config check` shows notes)
  std::string message;
  std::string str() const;  // "file:line:column: error: message"
};

struct Project {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> repos;
  // projects[].trackers: tracker plugin id -> what names this project
  // there, in the tracker's own terms (owner/name, key prefixes, a board).
  std::map<std::string, std::vector<std::string>> trackers;

  // The first name the project has for `tracker`, "" when it has none.
  std::string name_in(const std::string& tracker) const;
};

struct PluginConfig {
  bool enabled = false;
  bool by_default = false;   // enabled because the default bundle has it, not by the file
  std::string options_json;  // the plugins.<id> options with defaults applied
};

struct Config {
  std::string path;  // where it was read from ("" = built-in defaults)

  struct {
    std::chrono::seconds prompt_interval{3 * 3600};
    int summary_minute = 17 * 60;  // minutes after local midnight
    std::string timezone;          // IANA name; "" = the system's zone
    int work_start_minute = 9 * 60;
    int work_end_minute = 18 * 60;
    std::array<bool, 7> work_days{true, true, true, true, true, false, false};  // mon..sun
  } settings;

  struct {
    std::vector<std::string> surfaces = default_surfaces();
    bool inline_prompt = true;
    std::chrono::seconds inline_timeout{15};
    std::chrono::seconds timeout{600};
    std::chrono::seconds defer{1800};
  } prompt;

  struct {
    std::string mode = "immediate";  // or "end-of-day"
    std::chrono::seconds grace{60};
    // "daily": one comment per ticket, local day and device, amended as
    // the day's answers arrive; "each": one comment per answer.
    std::string comments = "daily";
    // Worklog minutes rounded (tracker.round); in end-of-day mode the day's
    // total per ticket is rounded once. Step 0: not rounded.
    MinuteRounding round;
  } tracker;

  // Several parsers: which, in what order, and how sure one must be for its
  // field to win over an earlier parser's (checkin/parse_merge.h).
  struct {
    std::vector<std::string> order;  // empty: the enabled parsers in search order
    double min_confidence = 0.5;
  } parse;

  struct {
    std::string level = "info";
    bool content = false;  // log commit messages and answers
    std::chrono::seconds retention{30 * 86400};
  } logging;

  struct {
    std::string ca_file;       // extra CA certificates (PEM) for private servers
    bool allow_http = false;   // plain HTTP beyond loopback addresses
    std::chrono::seconds timeout{30};
  } network;

  struct {
    std::chrono::seconds idle_timeout{60};  // the worker exits after this long without work
  } worker;

  // Activity kept to propose durations, and time away (docs/time.md).
  struct {
    std::chrono::seconds gap{900};              // a longer pause between two activities is not work
    std::chrono::seconds retention{90 * 86400};  // `devtrack gc` removes older activity
  } activity;
  struct {
    bool ask = true;                     // ask what a time away was on return
    std::chrono::seconds after{900};     // shorter absences are not "away"
  } away;

  // Sync across devices (docs/sync.md); the remote and this device's name
  // are set by `devtrack sync-remote set`, kept in the store.
  struct {
    std::chrono::seconds interval{300};  // after local changes, at most this often
    std::chrono::seconds poll{1800};     // without them, fetch the others' this often
  } sync;

  // The standup (docs/summary.md): posted by the daemon on work days at
  // this time to these sinks (empty: every enabled sink); -1: on demand only.
  struct {
    int minute = -1;
    std::vector<std::string> sinks;
  } standup;

  std::vector<Project> projects;
  std::map<std::string, PluginConfig> plugins;  // by plugin id, as written

  bool plugin_enabled(const std::string& id) const;

  // What a plugin's create() receives: its options with defaults applied,
  // plus "settings" (the shared settings: prompt_interval_s, timezone,
  // work_start_minute, work_end_minute, work_days, summary_minute).
  std::string plugin_config_json(const std::string& id) const;

  // The installed trackers that declare a ticket syntax (ABI 1.1), in
  // search order, from the plugins the config was checked against.
  struct TrackerSyntax {
    std::string id, name, tickets_json;
  };
  std::vector<TrackerSyntax> ticket_syntax;
  bool plugins_known = false;  // checked against a registry (else parsers use their own defaults)

  // The projects as the JSON array parsers receive in their context.
  std::string projects_json() const;

  // A parser's whole context (dt_parser_v1.parse): the trigger's repository,
  // branch and remote owner/name, the projects, and the trackers' syntax
  // ({"id", "name", "enabled", "tickets"}), disabled ones too so that their
  // tickets are still recognised (and shown as not routed).
  std::string parser_context(const std::string& repo, const std::string& branch, const std::string& slug) const;

  // A tracker's human name ("GitHub Issues"), else its id.
  std::string tracker_name(const std::string& id) const;
};

struct ConfigResult {
  Config config;
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  // no errors (warnings allowed)
};

// Checks `text` (named `file` in messages). `plugins` is the registry: it
// supplies the option tables that plugins.<id> entries are checked against.
ConfigResult parse_config(const std::string& text, const std::string& file,
                          const std::vector<PluginInfo>& plugins);

// Reads the config file at `path`; a missing file gives the defaults.
ConfigResult load_config(const std::string& path, const std::vector<PluginInfo>& plugins);

// The commented default config (config/config.yaml, built in).
const std::string& default_config_text();

// The ids the default config enables (the default bundle). A config that
// does not mention one of them, or mentions it without `enabled:`, gets it
// enabled: only `enabled: false` turns a bundled plugin off.
const std::set<std::string>& default_bundle();


// Returns `text` with plugins.<id>.enabled set, changing nothing else:
// comments, order and formatting (block or flow style) are kept. Throws
// devtrack::Error if the file cannot be edited safely.
std::string set_plugin_enabled(const std::string& text, const std::string& id, bool enabled);

}  // namespace devtrack
