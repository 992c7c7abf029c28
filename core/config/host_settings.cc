#include "config/host_settings.h"

#include <cstdio>

#include "config/config.h"
#include "util/duration.h"
#include "util/strings.h"

namespace devtrack {

namespace {

const char* const kDayNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string hhmm(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}
std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string yes_no(bool b) { return b ? "true" : "false"; }
std::string flow_list(const std::vector<std::string>& items) { return "[" + join(items, ", ") + "]"; }
std::string days_of(const std::array<bool, 7>& days) {
  std::vector<std::string> names;
  for (int d = 0; d < 7; ++d)
    if (days[d]) names.push_back(kDayNames[d]);
  return flow_list(names);
}

// Captureless lambdas for the table: each setting's write and read.
#define DURATION(field)                                               \
  [](Config& c, const SettingValue& v) { c.field = v.seconds; },      \
  [](const Config& c) { return format_duration(c.field); }
#define FLAG(field)                                                   \
  [](Config& c, const SettingValue& v) { c.field = v.flag; },         \
  [](const Config& c) { return yes_no(c.field); }
#define TEXT(field)                                                   \
  [](Config& c, const SettingValue& v) { c.field = v.text; },         \
  [](const Config& c) { return std::string(c.field); }

}  // namespace

const std::vector<HostSection>& host_sections() {
  static const std::vector<HostSection> sections = {
      {"settings", ""},
      {"prompt", ""},
      {"tracker", ""},
      {"parse", "Several parser plugins: their results merge field by field."},
      {"logging", ""},
      {"worker", "devtrack-worker (network and libgit2 plugins) exits after this long idle."},
      {"activity", "Editor heartbeats and commits, kept to propose durations (docs/time.md)."},
      {"away", "Time away (suspend, locked or idle session, no activity): asked about on return."},
      {"sync", "Sync with your other devices through a git remote (devtrack sync-remote set URL)."},
      {"standup", "The standup (devtrack standup), sent on work days to a sink (slack, email)."},
      {"network", ""},
  };
  return sections;
}

namespace {

// parse.*: several parser plugins (checkin/parse_merge.h).
std::vector<HostSetting> parse_settings() {
  return {
      {"parse", "order", "parsers", "", "[rules]", "The parsers to ask, in order; default: the enabled ones.",
       "the parser plugins asked, in order; each field comes from the first that is sure enough of it "
       "(`min_confidence`), else from the first that gives it; tickets are the union (`devtrack parse --explain` "
       "says which parser gave what)",
       "the enabled parsers, in search order", {},
       [](Config& c, const SettingValue& v) { c.parse.order = v.list; },
       [](const Config& c) { return c.parse.order.empty() ? std::string() : flow_list(c.parse.order); }},
      {"parse", "min_confidence", "fraction", "0.5", "", "",
       "how sure (0..1, the parser's per-field or overall confidence) a later parser must be for its field to "
       "win over an earlier parser that was less sure",
       "", {},
       [](Config& c, const SettingValue& v) { c.parse.min_confidence = v.number; },
       [](const Config& c) {
         char text[32];
         std::snprintf(text, sizeof text, "%g", c.parse.min_confidence);
         return std::string(text);
       }}
  };
}

// activity.*, away.*: minutes the user did not type (docs/time.md).
std::vector<HostSetting> time_settings() {
  return {
      {"activity", "gap", "duration", "15m", "", "Longer pauses between heartbeats are not counted.",
       "a duration proposed from activity (an answer that names none) counts the time between consecutive "
       "heartbeats and commits, except pauses longer than this",
       "", {}, DURATION(activity.gap)},
      {"activity", "retention", "duration", "90d", "", "`devtrack gc` removes older activity.",
       "`devtrack gc` removes older heartbeats and commit times", "", {}, DURATION(activity.retention)},
      {"away", "ask", "bool", "true", "", "", "on return from time away inside work hours, ask what it was", "", {},
       FLAG(away.ask)},
      {"away", "after", "duration", "15m", "", "", "no activity, a locked or idle session or a suspend this long is time away",
       "", {}, DURATION(away.after)},
  };
}

// sync.*: when the daemon syncs with the other devices (docs/sync.md).
std::vector<HostSetting> sync_settings() {
  return {
      {"sync", "interval", "duration", "5m", "", "After answers and edits, sync at most this often.",
       "after answers and edits the daemon syncs, at most this often (and at start, and on `devtrack sync-remote now`)",
       "", {}, DURATION(sync.interval)},
      {"sync", "poll", "duration", "30m", "", "Without local changes, fetch the other devices' this often.",
       "with nothing new here, the daemon still fetches the other devices' records this often", "", {},
       DURATION(sync.poll)},
  };
}

// standup.*: the team's standup, sent by the daemon (docs/summary.md).
std::vector<HostSetting> standup_settings() {
  return {
      {"standup", "time", "time", "", "\"09:30\"", "Send `devtrack standup` on work days at this time; default: on demand.",
       "on each work day (`settings.work_days`) at this local time the daemon sends the day's standup to "
       "`standup.sinks` (once a day; a daemon that was not running then sends it when it starts that day)",
       "not scheduled", {},
       [](Config& c, const SettingValue& v) { c.standup.minute = v.minute; },
       [](const Config& c) { return c.standup.minute < 0 ? std::string() : quoted(hhmm(c.standup.minute)); }},
      {"standup", "sinks", "sinks", "", "[slack]", "Where it goes; default: every enabled sink.",
       "the sink plugins the scheduled standup goes to", "every enabled sink", {},
       [](Config& c, const SettingValue& v) { c.standup.sinks = v.list; },
       [](const Config& c) { return c.standup.sinks.empty() ? std::string() : flow_list(c.standup.sinks); }},
  };
}

// tracker.*: when and how updates are posted.
std::vector<HostSetting> tracker_settings() {
  return {
      {"tracker", "mode", "enum", "immediate", "",
       "immediate: post after `grace`; end-of-day: post when the summary is confirmed.",
       "post after `grace`, or hold (`held`) until `devtrack summary --edit` is confirmed or `--push`ed", "",
       {"immediate", "end-of-day"}, TEXT(tracker.mode)},
      {"tracker", "grace", "duration", "1m", "", "", "wait before posting, so a typo can still be fixed", "", {},
       DURATION(tracker.grace)},
      {"tracker", "comments", "enum", "daily", "",
       "daily: one comment per ticket and day, amended as the day's answers\narrive; each: one comment per answer.",
       "`daily`: one comment per ticket, per local day (`settings.timezone`), per device, amended (edited) as "
       "that day's answers arrive, one line per answer in order (`devtrack updates drop ID` of the day's comment "
       "drops its unsent answers too; `updates retry ID` brings them back); `each`: one comment per answer",
       "", {"daily", "each"}, TEXT(tracker.comments)},
      {"tracker", "round", "rounding", "", "15m nearest",
       "Round worklogs: 15m (up), 15m up or 15m nearest; default: not rounded.",
       "worklog minutes rounded to a multiple of this step (whole minutes, at most `1d`), `up` (the default) or to "
       "the `nearest` (half a step goes up; a positive duration never becomes 0). In end-of-day mode a ticket's "
       "worklogs of one local day are one worklog and its total is rounded once; otherwise each worklog is. The "
       "summary shows both, e.g. `1 h 15 min (rounded from 1 h 7 min)`",
       "not rounded", {},
       [](Config& c, const SettingValue& v) { c.tracker.round = v.rounding; },
       [](const Config& c) { return rounding_text(c.tracker.round); }},
  };
}

// settings, prompt, logging, worker, network.
std::vector<HostSetting> core_settings() {
  return {
      {"settings", "prompt_interval", "duration", "3h", "",
       "How long after the last answer DevTrack asks again (inside work hours).",
       "ask again this long after the last answer, inside work hours", "", {}, DURATION(settings.prompt_interval)},
      {"settings", "summary_time", "time", "\"17:00\"", "", "When the end-of-day summary is ready.",
       "on work days at this time the day's summary becomes due: `devtrack status`, `devtrack checkin`, "
       "`$DEVTRACK_HOME/summary-due` and the `summary.due` event say so",
       "", {},
       [](Config& c, const SettingValue& v) { c.settings.summary_minute = v.minute; },
       [](const Config& c) { return quoted(hhmm(c.settings.summary_minute)); }},
      {"settings", "timezone", "zone", "", "Europe/Berlin", "An IANA time zone; default: the system's.",
       "e.g. `Europe/Berlin`; checked against the system's tzdata", "the system's", {}, TEXT(settings.timezone)},
      {"settings", "work_hours", "time-range", "\"09:00-18:00\"", "", "", "no timer prompts outside", "", {},
       [](Config& c, const SettingValue& v) {
         c.settings.work_start_minute = v.minute;
         c.settings.work_end_minute = v.end_minute;
       },
       [](const Config& c) {
         return quoted(hhmm(c.settings.work_start_minute) + "-" + hhmm(c.settings.work_end_minute));
       }},
      {"settings", "work_days", "days", "[mon, tue, wed, thu, fri]", "", "",
       "the days with work hours: timer prompts and the summary only on these", "", {},
       [](Config& c, const SettingValue& v) { c.settings.work_days = v.days; },
       [](const Config& c) { return days_of(c.settings.work_days); }},

      {"prompt", "surfaces", "surfaces", "[notify, tty]", "",
       "Where to ask when no terminal asks inline, in order: notify = a desktop\n"
       "notification (quiet where there is no desktop); tty = pending until\n`devtrack checkin`.",
       "where to ask, in order, when no terminal asks inline; the first available daemon surface shows the "
       "prompt, `tty` means \"wait for `devtrack checkin`\"",
       "", {},
       [](Config& c, const SettingValue& v) { c.prompt.surfaces = v.list; },
       [](const Config& c) { return flow_list(c.prompt.surfaces); }},
      {"prompt", "inline", "bool", "true", "", "Ask inside `git commit` when it runs in a terminal.",
       "ask inside `git commit` when it runs in a terminal", "", {}, FLAG(prompt.inline_prompt)},
      {"prompt", "inline_timeout", "duration", "15s", "", "Then leave the prompt pending for `devtrack checkin`.",
       "then the prompt stays pending for `devtrack checkin`; typing stops the clock", "", {},
       DURATION(prompt.inline_timeout)},
      {"prompt", "timeout", "duration", "10m", "", "Unanswered prompts are recorded as expired after this.",
       "unanswered prompts are recorded as expired", "", {}, DURATION(prompt.timeout)},
      {"prompt", "defer", "duration", "30m", "", "\"Later\" asks again after this.", "\"later\" asks again after this",
       "", {}, DURATION(prompt.defer)},

      {"logging", "level", "enum", "info", "", "", "the daemon's and worker's log level", "",
       {"debug", "info", "warn", "error"}, TEXT(logging.level)},
      {"logging", "content", "bool", "false", "", "Log commit messages and answers too (off: they never reach the logs).",
       "also log commit messages and answers", "", {}, FLAG(logging.content)},
      {"logging", "retention", "duration", "30d", "", "`devtrack gc` removes log lines older than this.",
       "`devtrack gc` removes older log lines", "", {}, DURATION(logging.retention)},

      {"worker", "idle_timeout", "duration", "1m", "", "",
       "`devtrack-worker` exits after this long without work; the daemon starts it again on demand", "", {},
       DURATION(worker.idle_timeout)},

      {"network", "ca_file", "path", "", "/etc/ssl/private-ca.pem",
       "Extra CA certificates (PEM) for a private server.", "extra CA certificates (PEM) for a private server",
       "the system's CAs", {}, TEXT(network.ca_file)},
      {"network", "allow_http", "bool", "false", "", "Plain HTTP beyond loopback addresses (HTTPS is always verified).",
       "plain HTTP beyond loopback addresses (127.0.0.0/8, ::1, localhost); `config check` warns when on", "", {},
       FLAG(network.allow_http), "network.allow_http is on: trackers may be reached over plain, unencrypted HTTP"},
      {"network", "timeout", "duration", "30s", "", "Per request.", "per request", "", {}, DURATION(network.timeout)},
  };
}

}  // namespace

const std::vector<HostSetting>& host_settings() {
  static const std::vector<HostSetting> table = [] {
    std::vector<HostSetting> rows = core_settings();
    for (auto& row : tracker_settings()) rows.push_back(std::move(row));
    for (auto& row : parse_settings()) rows.push_back(std::move(row));
    for (auto& row : time_settings()) rows.push_back(std::move(row));
    for (auto& row : sync_settings()) rows.push_back(std::move(row));
    for (auto& row : standup_settings()) rows.push_back(std::move(row));
    return rows;
  }();
  return table;
}

#undef DURATION
#undef FLAG
#undef TEXT

std::vector<std::string> host_setting_keys(const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& s : host_settings())
    if (section == s.section) keys.push_back(s.key);
  return keys;
}

namespace {

std::string type_doc(const HostSetting& s) {
  std::string type = s.type;
  if (type == "enum") {
    std::vector<std::string> choices;
    for (const char* c : s.choices) choices.push_back(std::string("`") + c + "`");
    return join(choices, " \\| ");
  }
  if (type == "time-range") return "`\"HH:MM-HH:MM\"`";
  if (type == "days") return "list of `mon`..`sun`";
  if (type == "zone") return "IANA zone";
  if (type == "surfaces") return "list of surface plugin ids";
  if (type == "parsers") return "list of parser plugin ids";
  if (type == "sinks") return "list of sink plugin ids";
  if (type == "fraction") return "number, 0 to 1";
  if (type == "rounding") return "duration [`up` \\| `nearest`]";
  return type;
}

}  // namespace

std::string host_settings_markdown(const std::string& section) {
  std::string md = "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& s : host_settings()) {
    if (section != s.section) continue;
    std::string def = *s.default_doc ? s.default_doc : std::string("`") + s.default_yaml + "`";
    md += std::string("| `") + s.key + "` | " + type_doc(s) + " | " + def + " | " + s.meaning + " |\n";
  }
  return md;
}

std::string host_settings_yaml() {
  std::string yaml;
  for (const auto& section : host_sections()) {
    if (!yaml.empty()) yaml += "\n";
    if (*section.comment) yaml += std::string("# ") + section.comment + "\n";
    yaml += std::string(section.name) + ":\n";
    for (const auto& s : host_settings()) {
      if (std::string(section.name) != s.section) continue;
      if (*s.comment)
        for (const auto& line : split(s.comment, '\n')) yaml += "  # " + line + "\n";
      if (*s.default_yaml) yaml += std::string("  ") + s.key + ": " + s.default_yaml + "\n";
      else yaml += std::string("  # ") + s.key + ": " + s.example + "\n";
    }
  }
  return yaml;
}

}  // namespace devtrack
