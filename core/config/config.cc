#include "config/config.h"

#include <devtrack/text.hpp>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "config/host_settings.h"
#include "config/legacy_project_keys.h"
#include "config/yaml_cache.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/strings.h"
#include "util/time_zone.h"

using nlohmann::json;

namespace devtrack {

std::string Diagnostic::str() const {
  std::string where = file;
  if (line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column);
  return where + ": " + severity + ": " + message;
}

bool ConfigResult::ok() const {
  for (const auto& d : diagnostics)
    if (d.severity == "error") return false;
  return true;
}

bool Config::plugin_enabled(const std::string& id) const {
  auto it = plugins.find(id);
  return it != plugins.end() && it->second.enabled;
}

std::string Project::name_in(const std::string& tracker) const {
  auto it = trackers.find(tracker);
  return it == trackers.end() || it->second.empty() ? "" : it->second.front();
}

std::string Config::projects_json() const {
  json list = json::array();
  for (const auto& p : projects) {
    json project = {{"id", p.id},       {"name", p.name},         {"aliases", p.aliases},
                    {"repos", p.repos}, {"trackers", p.trackers}};
    // The keys a parser built against ABI 1.0 reads.
    for (const auto& legacy : legacy_project_keys())
      if (auto it = p.trackers.find(legacy.tracker); it != p.trackers.end())
        project[legacy.key] = legacy.list ? json(it->second) : json(it->second.front());
    list.push_back(std::move(project));
  }
  return list.dump();
}

std::string Config::parser_context(const std::string& repo, const std::string& branch,
                                   const std::string& slug) const {
  json context = {{"repo", repo}, {"branch", branch}, {"slug", slug}, {"projects", json::parse(projects_json())}};
  if (!plugins_known) return context.dump();
  json trackers = json::array();
  for (const auto& t : ticket_syntax)
    trackers.push_back(
        {{"id", t.id}, {"name", t.name}, {"enabled", plugin_enabled(t.id)}, {"tickets", json::parse(t.tickets_json)}});
  context["trackers"] = std::move(trackers);
  return context.dump();
}

std::string Config::tracker_name(const std::string& id) const {
  for (const auto& t : ticket_syntax)
    if (t.id == id) return t.name;
  return id;
}

std::string Config::plugin_config_json(const std::string& id) const {
  json options = json::object();
  auto it = plugins.find(id);
  if (it != plugins.end() && !it->second.options_json.empty()) options = json::parse(it->second.options_json);
  json days = json::array();
  static const char* const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int d = 0; d < 7; ++d)
    if (settings.work_days[d]) days.push_back(names[d]);
  options["settings"] = {{"prompt_interval_s", settings.prompt_interval.count()},
                         {"timezone", settings.timezone},
                         {"work_start_minute", settings.work_start_minute},
                         {"work_end_minute", settings.work_end_minute},
                         {"work_days", days},
                         {"summary_minute", settings.summary_minute}};
  return options.dump();
}

namespace {

const std::vector<std::string> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Walks the YAML document, fills the Config and records diagnostics at the
// position of the offending node.
class Checker {
 public:
  Checker(std::string file, const std::vector<PluginInfo>& plugins, ConfigResult& result)
      : file_(std::move(file)), plugins_(plugins), result_(result), config_(result.config) {}

  void check_document(const YAML::Node& root) {
    if (root.IsNull()) return;  // an empty file: all defaults
    if (!root.IsMap()) return error(root, "the config must be a map of sections (settings, prompt, ...)");
    std::vector<std::string> sections;
    for (const auto& section : host_sections()) sections.push_back(section.name);
    sections.insert(sections.end(), {"projects", "plugins"});
    check_keys(root, "", sections);
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      const YAML::Node v = it->second;  // a copy: it-> is a proxy temporary
      if (key == "projects") check_projects(v);
      else if (key == "plugins") check_plugins(v);
      else if (is_host_section(key)) check_host_section(key, v);
    }
  }

  // ---- reporting ----
  void report(const YAML::Mark& m, const char* severity, std::string message) {
    Diagnostic d;
    d.file = file_;
    if (!m.is_null()) {
      d.line = m.line + 1;
      d.column = m.column + 1;
    }
    d.severity = severity;
    d.message = std::move(message);
    result_.diagnostics.push_back(std::move(d));
  }
  void error(const YAML::Node& n, std::string message) { report(n.Mark(), "error", std::move(message)); }
  void warning(const YAML::Node& n, std::string message) { report(n.Mark(), "warning", std::move(message)); }
  // What only `config check` says (an old form that still works).
  void note(const YAML::Node& n, std::string message) { report(n.Mark(), "note", std::move(message)); }

  // ---- generic shapes ----
  bool is_map(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    if (n.IsNull()) return false;  // "section:" with nothing: defaults
    error(n, what + " must be a map");
    return false;
  }

  // Unknown and repeated keys, with "did you mean".
  void check_keys(const YAML::Node& map, const std::string& prefix, const std::vector<std::string>& known) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.as<std::string>("");
      if (!seen.insert(key).second) error(it->first, "'" + prefix + key + "' is set twice");
      if (std::find(known.begin(), known.end(), key) == known.end())
        error(it->first, "unknown key '" + prefix + key + "'" + did_you_mean(key, known));
    }
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      error(n, what + " must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }

  bool read_bool(const YAML::Node& n, const std::string& what, bool& out) {
    auto s = scalar(n, what);
    if (!s) return false;
    if (*s == "true" || *s == "yes" || *s == "on") out = true;
    else if (*s == "false" || *s == "no" || *s == "off") out = false;
    else return error(n, what + " must be true or false, not '" + *s + "'"), false;
    return true;
  }

  bool read_duration(const YAML::Node& n, const std::string& what, std::chrono::seconds& out) {
    auto s = scalar(n, what);
    if (!s) return false;
    auto d = parse_duration(*s);
    if (!d || d->count() <= 0)
      return error(n, what + " must be a duration like 90s, 15m, 3h or 1h30m, not '" + *s + "'"), false;
    if (auto range = duration_range_error(what, *d); !range.empty()) return error(n, range), false;
    out = *d;
    return true;
  }

  std::optional<int> minute_of_day(const YAML::Node& n, const std::string& what, const std::string& text) {
    int h = 0, m = 0;
    char colon = 0;
    if (text.size() == 5 && std::sscanf(text.c_str(), "%2d%c%2d", &h, &colon, &m) == 3 && colon == ':' && h >= 0 &&
        h <= 24 && m >= 0 && m < 60 && h * 60 + m <= 24 * 60)
      return h * 60 + m;
    error(n, what + " must be a time like \"17:00\", not '" + text + "'");
    return std::nullopt;
  }

  std::vector<std::string> string_list(const YAML::Node& n, const std::string& what) {
    std::vector<std::string> out;
    if (n.IsNull()) return out;
    if (n.IsScalar()) return {n.Scalar()};  // a single item is a list of one
    if (!n.IsSequence()) {
      error(n, what + " must be a list");
      return out;
    }
    for (const auto& item : n) {
      if (item.IsScalar()) out.push_back(item.Scalar());
      else error(item, what + " items must be single values");
    }
    return out;
  }

  // ---- the host's sections, by the table (host_settings.h) ----
  static bool is_host_section(const std::string& name) {
    for (const auto& section : host_sections())
      if (name == section.name) return true;
    return false;
  }

  void check_host_section(const std::string& name, const YAML::Node& node) {
    if (!is_map(node, name)) return;
    check_keys(node, name + ".", host_setting_keys(name));
    for (const auto& s : host_settings()) {
      if (name != s.section) continue;
      const YAML::Node n = node[s.key];
      if (!n) continue;
      SettingValue v;
      if (!read_setting(n, s, v)) continue;
      s.apply(config_, v);
      if (s.warn_when_on && v.flag) warning(n, s.warn_when_on);
    }
  }

  bool read_setting(const YAML::Node& n, const HostSetting& s, SettingValue& v) {
    const std::string what = std::string(s.section) + "." + s.key, type = s.type;
    if (type == "duration") return read_duration(n, what, v.seconds);
    if (type == "bool") return read_bool(n, what, v.flag);
    if (type == "days") return read_days(n, what, v.days);
    if (type == "surfaces") return read_plugin_ids(n, what, "surface", v.list);
    if (type == "parsers") return read_plugin_ids(n, what, "parser", v.list);
    if (type == "sinks") return read_plugin_ids(n, what, "sink", v.list);
    if (type == "fraction") return read_fraction(n, what, v.number);
    auto text = scalar(n, what);
    if (!text) return false;
    v.text = *text;
    if (type == "time") {
      auto m = minute_of_day(n, what, *text);
      return m && (v.minute = *m, true);
    }
    if (type == "time-range") return read_time_range(n, what, *text, v);
    if (type == "zone") return read_zone(n, what, *text);
    if (type == "path") return read_existing_file(n, what, *text);
    if (type == "rounding") {
      std::string problem = parse_rounding(*text, what, &v.rounding);
      if (!problem.empty()) error(n, problem);
      return problem.empty();
    }
    if (type == "enum") {
      std::vector<std::string> choices(s.choices.begin(), s.choices.end());
      if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return true;
      std::string last = choices.back();
      std::vector<std::string> rest(choices.begin(), choices.end() - 1);
      error(n, what + " must be " + (rest.empty() ? "" : join(rest, ", ") + " or ") + last + ", not '" + *text + "'" +
                   did_you_mean(*text, choices));
      return false;
    }
    return true;
  }

  bool read_time_range(const YAML::Node& n, const std::string& what, const std::string& text, SettingValue& v) {
    auto parts = split(text, '-');
    if (parts.size() != 2) {
      error(n, what + " must look like \"09:00-18:00\", not '" + text + "'");
      return false;
    }
    auto a = minute_of_day(n, what + " start", parts[0]);
    auto b = minute_of_day(n, what + " end", parts[1]);
    if (!a || !b) return false;
    if (*a >= *b) {
      error(n, what + " must end after it starts");
      return false;
    }
    v.minute = *a;
    v.end_minute = *b;
    return true;
  }

  bool read_days(const YAML::Node& n, const std::string& what, std::array<bool, 7>& days) {
    for (const auto& d : string_list(n, what)) {
      auto it = std::find(kDays.begin(), kDays.end(), d);
      if (it == kDays.end())
        error(n, what + ": unknown day '" + d + "'" + did_you_mean(d, kDays) + "; use mon, tue, wed, thu, fri, sat, sun");
      else days[it - kDays.begin()] = true;
    }
    return true;
  }

  bool read_zone(const YAML::Node& n, const std::string& what, const std::string& zone) {
    if (TimeZone::exists(zone)) return true;
    error(n, what + " '" + zone + "' is not a known IANA time zone (like Europe/Berlin)");
    return false;
  }

  bool read_existing_file(const YAML::Node& n, const std::string& what, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return true;
    error(n, what + ": no file " + path);
    return false;
  }

  // Surface plugin ids: one not installed is a warning, one of another kind an error.
  // A list of plugin ids of one kind (prompt.surfaces, parse.order).
  bool read_plugin_ids(const YAML::Node& n, const std::string& what, const std::string& kind,
                       std::vector<std::string>& ids_out) {
    ids_out = string_list(n, what);
    for (const auto& id : ids_out) {
      const PluginInfo* info = find(id);
      if (!info) warning(n, what + ": no " + kind + " plugin '" + id + "' is installed" + did_you_mean(id, ids(kind)));
      else if (info->kind != kind) error(n, what + ": '" + id + "' is a " + info->kind + " plugin, not a " + kind);
    }
    return true;
  }

  bool read_fraction(const YAML::Node& n, const std::string& what, double& out) {
    auto text = scalar(n, what);
    if (!text) return false;
    char* end = nullptr;
    double v = std::strtod(text->c_str(), &end);
    if (text->empty() || *end || !(v >= 0 && v <= 1)) {
      error(n, what + " must be a number from 0 to 1, not '" + *text + "'");
      return false;
    }
    out = v;
    return true;
  }

  void check_projects(const YAML::Node& list) {
    if (list.IsNull()) return;
    if (!list.IsSequence()) return error(list, "projects must be a list of projects (- id: ...)");
    std::set<std::string> seen;
    for (const auto& p : list) {
      if (!p.IsMap()) {
        error(p, "each project must be a map with at least an id");
        continue;
      }
      std::vector<std::string> keys = {"id", "name", "aliases", "repos", "trackers"};
      for (const auto& legacy : legacy_project_keys()) keys.push_back(legacy.key);
      check_keys(p, "projects[].", keys);
      Project project;
      if (auto n = p["id"]) {
        if (auto v = scalar(n, "projects[].id")) {
          project.id = *v;
          if (!valid_project_id(*v)) error(n, "project id '" + *v + "' must be lower-case letters, digits, - or _");
          if (!seen.insert(*v).second) error(n, "project id '" + *v + "' is used twice");
        }
      } else {
        error(p, "project has no id");
      }
      if (auto n = p["name"]) project.name = scalar(n, "projects[].name").value_or("");
      if (project.name.empty()) project.name = project.id;
      if (auto n = p["aliases"]) project.aliases = string_list(n, "projects[].aliases");
      if (auto n = p["repos"]) project.repos = string_list(n, "projects[].repos");
      if (auto n = p["trackers"]) read_project_trackers(n, project);
      for (const auto& legacy : legacy_project_keys())
        if (auto n = p[legacy.key]) read_legacy_project_key(n, legacy, project);
      config_.projects.push_back(std::move(project));
    }
  }

  // projects[].trackers: {github: acme/widgets, jira: [BILL]} — one name or
  // a list per tracker plugin id.
  void read_project_trackers(const YAML::Node& map, Project& project) {
    if (!is_map(map, "projects[].trackers")) return;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string id = it->first.as<std::string>("");
      std::string what = "projects[].trackers." + id;
      if (project.trackers.count(id)) error(it->first, what + " is set twice");
      auto names = string_list(it->second, what);
      if (names.empty()) error(it->second, what + " names nothing (write the project's name there)");
      if (!plugins_.empty() && !find_tracker(id))
        warning(it->first, what + ": no tracker plugin '" + id + "' is installed" + did_you_mean(id, ids("tracker")));
      project.trackers[id] = names;
    }
  }

  // An old key (github: owner/name...): read as projects[].trackers, with
  // the new form suggested.
  void read_legacy_project_key(const YAML::Node& n, const LegacyProjectKey& legacy, Project& project) {
    std::string what = std::string("projects[].") + legacy.key;
    std::vector<std::string> names;
    if (legacy.list) names = string_list(n, what);
    else if (auto v = scalar(n, what)) names = {*v};
    bool valid = true;
    for (const auto& name : names)
      if (!legacy.valid(name)) {
        error(n, legacy.list ? what + ": '" + name + "' is not " + legacy.shape
                             : what + " must be " + legacy.shape + ", not '" + name + "'");
        valid = false;
      }
    if (!valid) return;
    if (project.trackers.count(legacy.tracker))
      return error(n, what + " and projects[].trackers." + legacy.tracker + " say the same: keep the trackers one");
    if (names.empty()) return;
    std::string value = legacy.list ? "[" + join(names, ", ") + "]" : names[0];
    note(n, what + " is the old form: write trackers: {" + legacy.tracker + ": " + value + "}");
    project.trackers[legacy.tracker] = names;
  }

  const PluginInfo* find_tracker(const std::string& id) const {
    const PluginInfo* p = find(id);
    return p && p->kind == "tracker" ? p : nullptr;
  }

  void check_plugins(const YAML::Node& map) {
    if (!is_map(map, "plugins")) return;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string id = it->first.as<std::string>("");
      if (!seen.insert(id).second) error(it->first, "plugins." + id + " is set twice");
      const YAML::Node body = it->second;  // a copy: it-> is a proxy temporary
      PluginConfig pc;
      pc.enabled = pc.by_default = default_bundle().count(id) > 0;
      if (!body.IsNull() && !body.IsMap()) {
        error(body, "plugins." + id + " must be a map like {enabled: true}");
        continue;
      }
      bool said_enabled = false;
      if (auto n = body["enabled"]) {
        read_bool(n, "plugins." + id + ".enabled", pc.enabled);
        pc.by_default = false;
        said_enabled = pc.enabled;
      }
      const PluginInfo* info = find(id);
      if (!info) {
        std::string msg = "no plugin '" + id + "' is installed" + did_you_mean(id, ids(""));
        if (said_enabled) error(it->first, msg);
        else warning(it->first, msg);
        config_.plugins[id] = pc;
        continue;
      }
      pc.options_json = plugin_options(id, *info, body);
      config_.plugins[id] = pc;
    }
  }

  // The default bundle's plugins the file does not mention, with their
  // default options. One that is not installed is left out: plugins list and
  // doctor show what is missing.
  void add_default_bundle() {
    for (const auto& id : default_bundle()) {
      if (config_.plugins.count(id)) continue;
      const PluginInfo* info = find(id);
      if (!info) continue;
      PluginConfig pc;
      pc.enabled = pc.by_default = true;
      pc.options_json = plugin_options(id, *info, YAML::Node());
      config_.plugins[id] = pc;
    }
  }

  // Checks plugins.<id> against the plugin's option table and returns the
  // options as JSON with defaults applied (durations in seconds).
  std::string plugin_options(const std::string& id, const PluginInfo& info, const YAML::Node& body) {
    json options = json::object();
    for (const auto& o : info.options) {
      if (o.default_value.empty()) continue;
      try {
        options[o.name] = default_json(o.default_value, o.type);
      } catch (const std::exception&) {
        // A bad default is the plugin's bug; the option is simply unset.
      }
    }
    if (body.IsMap()) {
      std::vector<std::string> known = {"enabled"};
      for (const auto& o : info.options) known.push_back(o.name);
      check_keys(body, "plugins." + id + ".", known);
      for (auto it = body.begin(); it != body.end(); ++it) {
        std::string key = it->first.as<std::string>("");
        const OptionInfo* o = info.option(key);
        if (!o) continue;
        std::string what = "plugins." + id + "." + key;
        if (auto v = checked_option(it->second, *o, what)) options[key] = *v;
      }
    }
    return options.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  std::optional<json> checked_option(const YAML::Node& n, const OptionInfo& o, const std::string& what) {
    if (o.type == "map") {
      if (!n.IsMap()) {
        error(n, what + " must be a mapping of names to names, like {done: Done}");
        return std::nullopt;
      }
      json map = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->second.IsScalar()) {
          error(it->second, what + "." + it->first.as<std::string>("") + " must be a string");
          continue;
        }
        map[it->first.as<std::string>("")] = it->second.as<std::string>("");
      }
      return map;
    }
    if (o.type == "list") {
      json list = json::array();
      for (const auto& s : string_list(n, what)) list.push_back(s);
      return list;
    }
    auto s = scalar(n, what);
    if (!s) return std::nullopt;
    if (o.type == "bool") {
      bool b = false;
      size_t before = result_.diagnostics.size();
      read_bool(n, what, b);
      if (result_.diagnostics.size() != before) return std::nullopt;
      return b;
    }
    if (o.type == "int") {
      try {
        size_t used = 0;
        long long v = std::stoll(*s, &used);
        if (used == s->size()) return v;
      } catch (const std::exception&) {
      }
      error(n, what + " must be a whole number, not '" + *s + "'");
      return std::nullopt;
    }
    if (o.type == "duration") {
      std::chrono::seconds d{0};
      size_t before = result_.diagnostics.size();
      read_duration(n, what, d);
      if (result_.diagnostics.size() != before) return std::nullopt;
      return d.count();
    }
    if (o.type == "secret") {
      static const std::vector<std::string> schemes = {"env:", "cmd:", "keyring:", "enc:"};
      bool ref = std::any_of(schemes.begin(), schemes.end(), [&](const std::string& p) { return s->rfind(p, 0) == 0; });
      if (!ref) {
        // Never echo the value: it may be the secret itself.
        error(n, what + " must be a secret reference (env:NAME, cmd:COMMAND, keyring:NAME or enc:...), "
                        "never the secret in clear");
        return std::nullopt;
      }
      return *s;
    }
    if (o.type == "url") {
      if (s->rfind("https://", 0) != 0 && s->rfind("http://", 0) != 0) {
        error(n, what + " must be an http(s) URL, not '" + *s + "'");
        return std::nullopt;
      }
      return *s;
    }
    return *s;
  }

  // A plugin option's default (text from its descriptor) as JSON. Plain
  // scalars, which nearly all are, are read directly: a YAML::Load per
  // option of every installed plugin was a good part of every command's
  // start-up (`devtrack plugins list`). Anything else goes through YAML.
  static json default_json(const std::string& text, const std::string& type) {
    if (type == "list" && text == "[]") return json::array();
    if (type == "map" && text == "{}") return json::object();
    bool plain = text.find_first_of("[]{}\"':#,&*!|>%@`\n") == std::string::npos && text.front() != ' ' &&
                 text.back() != ' ' && text.front() != '-';
    // "https://api.github.com": a double-quoted default without escapes is its inside.
    bool quoted = text.size() >= 2 && text.front() == '"' && text.back() == '"' &&
                  text.find_first_of("\"\\\n", 1) == text.size() - 1;
    if (plain || quoted) {
      std::string s = quoted ? text.substr(1, text.size() - 2) : text;
      if (type == "bool" && plain && (s == "true" || s == "false")) return s == "true";
      if (type == "int" && plain) {
        long long v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && end == s.data() + s.size()) return v;
      }
      if (type == "duration") return parse_duration(s).value_or(std::chrono::seconds(0)).count();
      if (type == "string" || type == "url" || type == "secret") return s;
    }
    return to_json(YAML::Load(text), type);
  }

  static json to_json(const YAML::Node& n, const std::string& type) {
    if (type == "bool") return n.as<bool>();
    if (type == "int") return n.as<long long>();
    if (type == "duration") return parse_duration(n.as<std::string>()).value_or(std::chrono::seconds(0)).count();
    if (type == "list") {
      json list = json::array();
      for (const auto& item : n) list.push_back(item.as<std::string>());
      return list;
    }
    if (type == "map") {
      json map = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) map[it->first.as<std::string>()] = it->second.as<std::string>();
      return map;
    }
    return n.as<std::string>();
  }

  static bool valid_project_id(const std::string& id) {
    if (id.empty()) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
  }

  const PluginInfo* find(const std::string& id) const {
    for (const auto& p : plugins_)
      if (!p.refused && p.id == id) return &p;
    return nullptr;
  }

  std::vector<std::string> ids(const std::string& kind) const {
    std::vector<std::string> out;
    for (const auto& p : plugins_)
      if (!p.refused && (kind.empty() || p.kind == kind)) out.push_back(p.id);
    return out;
  }

  std::string file_;
  const std::vector<PluginInfo>& plugins_;
  ConfigResult& result_;
  Config& config_;
};

}  // namespace

namespace {

// The text with whole-line comments blanked (line numbers kept): yaml-cpp
// scans comments character by character, and the commented default config
// is mostly comments — every CLI call parses it. Left alone when the file
// has a block scalar (`key: |`), whose lines may start with '#'.
std::string without_comment_lines(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t first = text.find_first_not_of(" \t", start);
    bool comment = first != std::string::npos && first < end && text[first] == '#';
    if (!comment) {
      std::string_view line(text.data() + start, end - start);
      // A block scalar's indicator ends its line (before any comment): keep the text as it is.
      std::string_view body = line.substr(0, line.find(" #"));
      while (!body.empty() && (body.back() == ' ' || body.back() == '\r' || body.back() == '-' ||
                               body.back() == '+' || (body.back() >= '0' && body.back() <= '9')))
        body.remove_suffix(1);
      if (!body.empty() && (body.back() == '|' || body.back() == '>')) return text;
      out.append(line);
    }
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace

namespace {

// YAML is UTF-8: a stray byte (a file saved in Latin-1) is refused where it
// is, before any value reaches JSON. Returns false with the diagnostic.
bool check_utf8(const std::string& text, const std::string& file, ConfigResult& result) {
  int line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    size_t n = sdk::utf8_sequence_length(text, i);
    if (n == 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[i]));
      result.diagnostics.push_back({file, line, column, "error",
                                    std::string("the file is not valid UTF-8 (byte ") + byte + "): save it as UTF-8"});
      return false;
    }
    if (text[i] == '\n') ++line, column = 1;
    else ++column;
    i += n;
  }
  return true;
}

}  // namespace

namespace {

// The text's YAML tree; nullopt with the diagnostic when it is not UTF-8
// or not YAML.
std::optional<YAML::Node> parse_yaml(const std::string& text, const std::string& file, ConfigResult& result) {
  if (!check_utf8(text, file, result)) return std::nullopt;
  try {
    return YAML::Load(without_comment_lines(text));
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.file = file;
    if (!e.mark.is_null()) {
      d.line = e.mark.line + 1;
      d.column = e.mark.column + 1;
    }
    d.severity = "error";
    d.message = "invalid YAML: " + e.msg;
    result.diagnostics.push_back(std::move(d));
    return std::nullopt;
  }
}

ConfigResult check_tree(const YAML::Node& root, const std::string& file, const std::vector<PluginInfo>& plugins) {
  ConfigResult result;
  result.config.path = file;
  Checker checker(file, plugins, result);
  checker.check_document(root);
  checker.add_default_bundle();
  result.config.plugins_known = !plugins.empty();
  for (const auto& p : plugins)
    if (!p.refused && p.kind == "tracker" && !p.tickets_json.empty())
      result.config.ticket_syntax.push_back({p.id, p.name, p.tickets_json});
  return result;
}

// parse_config, also handing back the tree it checked (left as it was
// when the text is not YAML).
ConfigResult parse_and_check(const std::string& text, const std::string& file, const std::vector<PluginInfo>& plugins,
                             YAML::Node& tree) {
  ConfigResult result;
  result.config.path = file;
  auto root = parse_yaml(text, file, result);
  if (!root) return result;
  tree = *root;
  return check_tree(tree, file, plugins);
}

}  // namespace

ConfigResult parse_config(const std::string& text, const std::string& file, const std::vector<PluginInfo>& plugins) {
  YAML::Node tree;
  return parse_and_check(text, file, plugins, tree);
}

// An unchanged file that last checked clean is checked again from its kept
// tree (config/yaml_cache.h); what has anything to say is parsed again, so
// that the diagnostics say where.
ConfigResult load_config(const std::string& path, const std::vector<PluginInfo>& plugins) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return parse_config("", "", plugins);  // defaults; path "" says so
  std::string text = paths::read_file(path);
  if (auto kept = yaml_cache::load(path, text)) {
    ConfigResult result = check_tree(*kept, path, plugins);
    if (result.diagnostics.empty()) return result;
  }
  YAML::Node tree;
  ConfigResult result = parse_and_check(text, path, plugins, tree);
  if (result.diagnostics.empty()) yaml_cache::store(path, text, tree);
  return result;
}

}  // namespace devtrack
