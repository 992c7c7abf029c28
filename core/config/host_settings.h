// The host's own settings (settings, prompt, tracker, logging, worker,
// network), declared once in a table like the option tables plugins
// declare. The config checker reads these sections by the table; the
// tables of docs/configuration.md and the host part of the commented
// default config (config/config.yaml) are generated from it by `devtrack
// config reference`, and a test fails when the files drift from it.
// Projects and plugins have shapes of their own and are checked in
// config.cc.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "util/duration.h"

namespace devtrack {

struct Config;

// A setting's value once read and checked; which field is set depends on
// the setting's type.
struct SettingValue {
  bool flag = false;                      // bool
  std::chrono::seconds seconds{0};        // duration
  std::string text;                       // enum, zone, path
  int minute = 0, end_minute = 0;         // time; time-range (minute..end_minute)
  std::array<bool, 7> days{};             // days (mon..sun)
  std::vector<std::string> list;          // surfaces, parsers
  double number = 0;                      // fraction
  MinuteRounding rounding;                // rounding
};

struct HostSetting {
  const char* section;
  const char* key;
  // bool | duration | time | time-range | days | zone | enum | path | surfaces | parsers | sinks | fraction |
  // rounding
  const char* type;
  const char* default_yaml;  // the default as YAML text; "" when there is none (the built-in behaviour)
  const char* example;       // without a default: shown commented out in the default config
  const char* comment;       // the default config's comment, "" for none; "\n" breaks lines
  const char* meaning;       // the reference's explanation (Markdown)
  const char* default_doc;   // the reference's default column when it is not default_yaml ("" = default_yaml)
  std::vector<const char*> choices;  // enum
  void (*apply)(Config&, const SettingValue&);
  // The value in `config`, as YAML text: a test checks that a default
  // Config shows default_yaml, so the struct and the table cannot drift.
  std::string (*shown)(const Config&);
  const char* warn_when_on = nullptr;  // bool: the warning `config check` gives when it is true
};

struct HostSection {
  const char* name;
  const char* comment;  // above the section in the default config, "" for none
};

const std::vector<HostSection>& host_sections();
const std::vector<HostSetting>& host_settings();
// The keys of one section, in table order.
std::vector<std::string> host_setting_keys(const std::string& section);

// The Markdown table of one section (docs/configuration.md carries it
// between `<!-- generated: host settings SECTION -->` and `<!-- end -->`).
std::string host_settings_markdown(const std::string& section);
// The host sections of the commented default config, as config/config.yaml
// carries them.
std::string host_settings_yaml();

}  // namespace devtrack
