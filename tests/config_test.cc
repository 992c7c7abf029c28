#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/host_settings.h"
#include "config/yaml_cache.h"
#include "plugin/registry.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;

namespace {

// A registry with one tracker and one surface, as the scan would give.
std::vector<PluginInfo> registry() {
  PluginInfo tracker;
  tracker.id = "github";
  tracker.kind = "tracker";
  tracker.options = {{"token", "secret", "", "API token"},
                     {"base_url", "url", "\"https://api.github.com\"", "API root"},
                     {"page_size", "int", "50", "page size"},
                     {"timeout", "duration", "\"30s\"", "request timeout"},
                     {"verify", "bool", "true", "verify TLS"},
                     {"labels", "list", "", "labels"}};
  PluginInfo surface;
  surface.id = "tty";
  surface.kind = "surface";
  PluginInfo jira, good;
  jira.id = "jira";
  good.id = "good-tracker";
  jira.kind = good.kind = "tracker";
  return {tracker, surface, jira, good};
}

ConfigResult check(const std::string& text) { return parse_config(text, "config.yaml", registry()); }

// The only diagnostic, as text.
std::string only(const ConfigResult& r) {
  REQUIRE(r.diagnostics.size() == 1);
  return r.diagnostics[0].str();
}

}  // namespace

TEST_CASE("the default config passes with no diagnostics against the bundled plugins") {
  test::TempHome home;
  auto r = parse_config(default_config_text(), "config.yaml", load_registry());
  for (const auto& d : r.diagnostics) INFO(d.str());
  CHECK(r.diagnostics.empty());
  CHECK(r.config.settings.prompt_interval == std::chrono::hours(3));
  CHECK(r.config.tracker.mode == "immediate");
  CHECK(r.config.plugin_enabled("git"));
  CHECK(r.config.plugin_enabled("timer"));
}

TEST_CASE("the host settings table: every setting's default is what a default Config holds, and reads back as it") {
  Config defaults;
  for (const auto& s : host_settings()) {
    INFO(s.section << "." << s.key);
    CHECK(s.shown(defaults) == s.default_yaml);
    CHECK(std::string(s.meaning).size() > 0);
    // Written as the table says, a value reads back to what it shows.
    std::string value = *s.default_yaml ? s.default_yaml : s.example;
    if (std::string(s.type) == "path") continue;  // must name an existing file
    auto r = check(std::string(s.section) + ":\n  " + s.key + ": " + value + "\n");
    for (const auto& d : r.diagnostics) INFO(d.str());
    CHECK(r.ok());
    if (*s.default_yaml) CHECK(s.shown(r.config) == s.default_yaml);
    else CHECK(s.shown(r.config) == s.example);
  }
  // Each section's keys come from the table: an unknown one is refused with its neighbours as suggestions.
  CHECK_THAT(only(check("prompt:\n  timeuot: 5m\n")), Catch::Contains("unknown key 'prompt.timeuot'") &&
                                                        Catch::Contains("did you mean 'timeout'"));
}

TEST_CASE("an empty file means the defaults") {
  auto r = check("");
  CHECK(r.ok());
  CHECK(r.config.prompt.inline_timeout == std::chrono::seconds(15));
  CHECK(r.config.settings.work_days[0]);
  CHECK_FALSE(r.config.settings.work_days[6]);
}

TEST_CASE("values are read into the typed config") {
  auto r = check(
      "settings:\n  prompt_interval: 90m\n  summary_time: \"16:30\"\n  timezone: Europe/Berlin\n"
      "  work_hours: \"08:00-17:00\"\n  work_days: [mon, sat]\n"
      "prompt: {surfaces: [tty], inline: false, timeout: 5m}\ntracker: {mode: end-of-day, grace: 2m}\n"
      "projects:\n  - id: billing\n    aliases: [bill]\n    trackers: {github: acme/billing, jira: [BILL]}\n");
  for (const auto& d : r.diagnostics) INFO(d.str());
  REQUIRE(r.ok());
  CHECK(r.diagnostics.empty());
  CHECK(r.config.settings.prompt_interval == std::chrono::minutes(90));
  CHECK(r.config.settings.summary_minute == 16 * 60 + 30);
  CHECK(r.config.settings.timezone == "Europe/Berlin");
  CHECK(r.config.settings.work_start_minute == 8 * 60);
  CHECK(r.config.settings.work_days == std::array<bool, 7>{true, false, false, false, false, true, false});
  CHECK_FALSE(r.config.prompt.inline_prompt);
  CHECK(r.config.tracker.mode == "end-of-day");
  REQUIRE(r.config.projects.size() == 1);
  CHECK(r.config.projects[0].name == "billing");
  CHECK(r.config.projects[0].trackers.at("jira") == std::vector<std::string>{"BILL"});
}

TEST_CASE("each kind of error is reported with its position") {
  CHECK(only(check("settings:\n  promt_interval: 3h\n")) ==
        "config.yaml:2:3: error: unknown key 'settings.promt_interval' (did you mean 'prompt_interval'?)");
  CHECK(only(check("setings: {}\n")) == "config.yaml:1:1: error: unknown key 'setings' (did you mean 'settings'?)");
  CHECK(only(check("settings:\n  prompt_interval: soon\n")) ==
        "config.yaml:2:20: error: settings.prompt_interval must be a duration like 90s, 15m, 3h or 1h30m, not 'soon'");
  CHECK(only(check("settings: {summary_time: \"25:00\"}\n")) ==
        "config.yaml:1:26: error: settings.summary_time must be a time like \"17:00\", not '25:00'");
  CHECK(only(check("settings:\n  timezone: Mars/Olympus\n")) ==
        "config.yaml:2:13: error: settings.timezone 'Mars/Olympus' is not a known IANA time zone (like Europe/Berlin)");
  CHECK(only(check("settings:\n  work_hours: \"18:00-09:00\"\n")) ==
        "config.yaml:2:15: error: settings.work_hours must end after it starts");
  CHECK(only(check("settings:\n  work_days: [mon, tues]\n")).find("unknown day 'tues' (did you mean 'tue'?)") !=
        std::string::npos);
  CHECK(only(check("prompt:\n  inline: maybe\n")) ==
        "config.yaml:2:11: error: prompt.inline must be true or false, not 'maybe'");
  CHECK(only(check("tracker: {mode: immediately}\n")) ==
        "config.yaml:1:17: error: tracker.mode must be immediate or end-of-day, not 'immediately' (did you mean "
        "'immediate'?)");
  CHECK(only(check("settings: [a, b]\n")) == "config.yaml:1:11: error: settings must be a map");
  CHECK(only(check("prompt:\n  timeout: 5m\n  timeout: 6m\n")) ==
        "config.yaml:3:3: error: 'prompt.timeout' is set twice");
}

TEST_CASE("tracker.round: a duration then up or nearest, and a bad value says why") {
  auto r = check("tracker: {mode: end-of-day, round: 15m nearest}\n");
  REQUIRE(r.ok());
  CHECK(r.config.tracker.round == MinuteRounding{15, true});
  CHECK(check("tracker: {round: 1h}\n").config.tracker.round == MinuteRounding{60, false});  // up by default
  CHECK(check("").config.tracker.round.step == 0);  // not rounded unless asked
  CHECK(only(check("tracker: {round: 15m down}\n")) ==
        "config.yaml:1:18: error: tracker.round: 'down' is not a way to round; use up or nearest");
  CHECK(only(check("tracker:\n  round: quarter\n")) ==
        "config.yaml:2:10: error: tracker.round must be a duration, then up or nearest if you like (15m, 15m up, "
        "30m nearest), not 'quarter'");
  CHECK(only(check("tracker: {round: 30s}\n")) ==
        "config.yaml:1:18: error: tracker.round rounds to whole minutes; 30s is not");
  CHECK(only(check("tracker: {round: 0m}\n")).find("must be more than 0") != std::string::npos);
  CHECK(only(check("tracker: {round: 5000d}\n")).find("more than the maximum of 10 years") != std::string::npos);
}

TEST_CASE("comment lines (skipped before parsing, for speed) keep positions, and block scalars keep their '#' lines") {
  CHECK(only(check("# one\n  # two\nsettings:\n  # three\n  promt_interval: 3h # four\n")) ==
        "config.yaml:5:3: error: unknown key 'settings.promt_interval' (did you mean 'prompt_interval'?)");
  // A '#' line inside a block scalar is content, not a comment: nothing is blanked then.
  auto r = check("projects:\n  - id: web\n    name: |\n      # not a comment\n      Web\n");
  CHECK(r.ok());
  REQUIRE(r.config.projects.size() == 1);
  CHECK(r.config.projects[0].name == "# not a comment\nWeb\n");
}

TEST_CASE("invalid YAML is reported with its position") {
  auto d = only(check("settings:\n  prompt_interval: [3h\n"));
  CHECK(d.rfind("config.yaml:", 0) == 0);
  CHECK(d.find("invalid YAML") != std::string::npos);
}

TEST_CASE("projects are checked") {
  auto r = check("projects:\n  - name: No id\n  - id: Bad Id\n  - id: ok\n    github: nope\n    jira: [prx]\n"
                 "  - id: ok\n");
  std::vector<std::string> got;
  for (const auto& d : r.diagnostics) got.push_back(d.str());
  CHECK(got == std::vector<std::string>{
                   "config.yaml:2:5: error: project has no id",
                   "config.yaml:3:9: error: project id 'Bad Id' must be lower-case letters, digits, - or _",
                   "config.yaml:5:13: error: projects[].github must be owner/name, not 'nope'",
                   "config.yaml:6:11: error: projects[].jira: 'prx' is not a Jira project key like PRX",
                   "config.yaml:7:9: error: project id 'ok' is used twice",
               });
}

TEST_CASE("projects map to trackers by plugin id, and the old keys read as the same") {
  auto r = check("projects:\n  - id: web\n    trackers: {github: acme/web, jira: [WEB, SITE], good-tracker: [G]}\n");
  CHECK(r.diagnostics.empty());
  REQUIRE(r.config.projects.size() == 1);
  CHECK(r.config.projects[0].trackers ==
        std::map<std::string, std::vector<std::string>>{{"github", {"acme/web"}}, {"jira", {"WEB", "SITE"}}, {"good-tracker", {"G"}}});
  CHECK(r.config.projects[0].name_in("jira") == "WEB");
  CHECK(r.config.projects[0].name_in("trello").empty());

  auto old = check("projects:\n  - id: web\n    github: acme/web\n    jira: [WEB]\n");
  CHECK(old.ok());
  CHECK(old.config.projects[0].trackers ==
        std::map<std::string, std::vector<std::string>>{{"github", {"acme/web"}}, {"jira", {"WEB"}}});
  std::vector<std::string> got;
  for (const auto& d : old.diagnostics) got.push_back(d.str());
  CHECK(got == std::vector<std::string>{
                   "config.yaml:3:13: note: projects[].github is the old form: write trackers: {github: acme/web}",
                   "config.yaml:4:11: note: projects[].jira is the old form: write trackers: {jira: [WEB]}",
               });
  // Parsers get the generic map, and the old keys for parsers built against 1.0.
  auto projects = nlohmann::json::parse(old.config.projects_json());
  CHECK(projects[0]["trackers"]["github"] == nlohmann::json::array({"acme/web"}));
  CHECK(projects[0]["github"] == "acme/web");
  CHECK(projects[0]["jira"] == nlohmann::json::array({"WEB"}));

  CHECK(only(check("projects:\n  - id: web\n    github: acme/web\n    trackers: {github: acme/x}\n")) ==
        "config.yaml:3:13: error: projects[].github and projects[].trackers.github say the same: keep the trackers one");
  CHECK(only(check("projects:\n  - id: web\n    trackers: {gihub: acme/web}\n")) ==
        "config.yaml:3:16: warning: projects[].trackers.gihub: no tracker plugin 'gihub' is installed (did you mean 'github'?)");
  CHECK(only(check("projects:\n  - id: web\n    trackers: {github: []}\n")).find("names nothing") != std::string::npos);
  CHECK(only(check("projects:\n  - id: web\n    trackers: [github]\n")).find("projects[].trackers must be a map") !=
        std::string::npos);
}

TEST_CASE("plugin options are checked against the plugin's option table") {
  SECTION("unknown option, with did you mean") {
    CHECK(only(check("plugins:\n  github:\n    enabled: true\n    base_ur: https://x\n")) ==
          "config.yaml:4:5: error: unknown key 'plugins.github.base_ur' (did you mean 'base_url'?)");
  }
  SECTION("types") {
    CHECK(only(check("plugins: {github: {page_size: many}}\n")) ==
          "config.yaml:1:31: error: plugins.github.page_size must be a whole number, not 'many'");
    CHECK(only(check("plugins: {github: {timeout: forever}}\n")).find("must be a duration") != std::string::npos);
    CHECK(only(check("plugins: {github: {base_url: ftp://x}}\n")).find("must be an http(s) URL") != std::string::npos);
    CHECK(only(check("plugins: {github: {verify: perhaps}}\n")).find("must be true or false") != std::string::npos);
  }
  SECTION("a secret in clear is refused and never echoed") {
    auto d = only(check("plugins:\n  github:\n    token: ghp_supersecret123\n"));
    CHECK(d.find("must be a secret reference") != std::string::npos);
    CHECK(d.find("ghp_supersecret123") == std::string::npos);
  }
  SECTION("unknown plugin: an error when enabled, a warning when not") {
    auto r = check("plugins:\n  gihub: {enabled: true}\n  old: {enabled: false}\n");
    REQUIRE(r.diagnostics.size() == 2);
    CHECK(r.diagnostics[0].str() ==
          "config.yaml:2:3: error: no plugin 'gihub' is installed (did you mean 'github'?)");
    CHECK(r.diagnostics[1].severity == "warning");
    CHECK_FALSE(r.ok());
  }
  SECTION("a surface that is not a surface") {
    CHECK(only(check("prompt:\n  surfaces: [github]\n")) ==
          "config.yaml:2:13: error: prompt.surfaces: 'github' is a tracker plugin, not a surface");
  }
}

TEST_CASE("plugin options reach the plugin as JSON with defaults applied") {
  auto r = check("plugins:\n  github:\n    enabled: yes\n    token: env:GH_TOKEN\n    timeout: 2m\n"
                 "    labels: [a, b]\n");
  REQUIRE(r.ok());
  REQUIRE(r.config.plugin_enabled("github"));
  auto j = nlohmann::json::parse(r.config.plugins["github"].options_json);
  CHECK(j["token"] == "env:GH_TOKEN");
  CHECK(j["timeout"] == 120);
  CHECK(j["page_size"] == 50);
  CHECK(j["verify"] == true);
  CHECK(j["base_url"] == "https://api.github.com");
  CHECK(j["labels"] == nlohmann::json::array({"a", "b"}));
  CHECK_FALSE(j.contains("enabled"));
}

// default_bundle() and default_surfaces() are read from config/config.yaml
// when it is built (core/CMakeLists.txt): they must say what a parse of it
// says.
TEST_CASE("the built-in bundle and surfaces are those config/config.yaml sets") {
  auto r = parse_config(default_config_text(), "config.yaml", load_registry());
  REQUIRE(r.ok());
  CHECK(r.config.prompt.surfaces == default_surfaces());
  std::set<std::string> enabled;
  for (const auto& [id, plugin] : r.config.plugins)
    if (plugin.enabled) enabled.insert(id);
  CHECK(enabled == default_bundle());
  CHECK(default_surfaces() == std::vector<std::string>{"notify", "tty"});
}

TEST_CASE("the default bundle is on unless the file turns a plugin off") {
  CHECK(default_bundle() == std::set<std::string>{"editor", "git", "github", "notify", "rules", "timer", "tty"});
  test::TempHome home;
  auto installed = load_registry();
  SECTION("an absent file enables the whole bundle") {
    auto r = load_config(home.file("no-such-config.yaml"), installed);
    CHECK(r.config.path.empty());
    for (const auto& id : default_bundle()) {
      INFO(id);
      CHECK(r.config.plugin_enabled(id));
    }
    CHECK_FALSE(r.config.plugin_enabled("jira"));
  }
  SECTION("a file that only configures github keeps the rest of the bundle") {
    auto r = parse_config("plugins: {github: {token: env:GH_TOKEN}}\n", "config.yaml", installed);
    REQUIRE(r.ok());
    CHECK(r.config.plugin_enabled("github"));
    CHECK(r.config.plugins["github"].by_default);  // on because the file does not turn it off
    CHECK(nlohmann::json::parse(r.config.plugins["github"].options_json)["token"] == "env:GH_TOKEN");
    CHECK(r.config.plugin_enabled("rules"));
    CHECK(r.config.plugins["rules"].by_default);
    CHECK(r.config.plugin_enabled("git"));
    CHECK_FALSE(r.config.plugin_enabled("trello"));
  }
  SECTION("enabled: false turns a bundled plugin off; others need enabled: true") {
    auto r = parse_config("plugins: {notify: {enabled: false}, jira: {base_url: \"https://x\"}, trello: {enabled: true}}\n",
                          "config.yaml", installed);
    CHECK_FALSE(r.config.plugin_enabled("notify"));
    CHECK_FALSE(r.config.plugin_enabled("jira"));
    CHECK(r.config.plugin_enabled("trello"));
    CHECK(r.config.plugin_enabled("tty"));
  }
  SECTION("a bundled plugin that is not installed is simply not enabled") {
    auto r = check("");  // this registry has only github and tty
    CHECK(r.ok());
    CHECK(r.config.plugin_enabled("github"));
    CHECK(r.config.plugin_enabled("tty"));
    CHECK(r.config.plugins.count("git") == 0);
  }
}

TEST_CASE("a config that is not UTF-8 is refused where the stray byte is, and nothing throws") {
  // Found by the config fuzzer: a Latin-1 byte in a plugin option once made
  // the option table's JSON throw.
  auto r = check("plugins:\n  github:\n    base_url: https://acme.\xce" "c/x\n");
  CHECK_FALSE(r.ok());
  CHECK(only(r) == "config.yaml:3:28: error: the file is not valid UTF-8 (byte 0xCE): save it as UTF-8");
}

namespace {

// A node's type and text, all the way down, in order: what the checks see.
std::string shape(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (const auto& item : n) out += shape(item) + ",";
      return out + "]";
    }
    case YAML::NodeType::Map: {
      std::string out = "{";
      for (auto it = n.begin(); it != n.end(); ++it) out += shape(it->first) + ":" + shape(it->second) + ",";
      return out + "}";
    }
    default: return "~";
  }
}

const char* const kRichConfig =
    "# a comment\n"
    "settings:\n  summary_time: \"17:30\"\n  work_days: [mon, 'tue', wed]\n"
    "prompt: {surfaces: [tty], inline: no}\n"
    "projects:\n  - id: web\n    repos: [~/src/web, \"/srv/ü n\\u00efcode\"]\n    trackers: {github: o/r}\n"
    "  - id: api\n    trackers: {}\n"
    "logging: {}\nparse: ~\nworker:\n  idle_timeout: 2m\n"
    "plugins:\n  github:\n    labels: []\n    token: env:GH_TOKEN\n  tty: {enabled: yes}\n";

}  // namespace

TEST_CASE("the kept tree of a config reads back as the tree a parse gives, and only for the same text") {
  TempHome home;
  YAML::Node parsed = YAML::Load(kRichConfig);
  yaml_cache::store("/x/config.yaml", kRichConfig, parsed);
  auto kept = yaml_cache::load("/x/config.yaml", kRichConfig);
  REQUIRE(kept);
  CHECK(shape(*kept) == shape(parsed));
  CHECK_FALSE(yaml_cache::load("/y/config.yaml", kRichConfig));
  CHECK_FALSE(yaml_cache::load("/x/config.yaml", std::string(kRichConfig) + " "));
  // A damaged cache is no tree, and nothing throws.
  std::string good = slurp(yaml_cache::file());
  for (size_t cut : {size_t(0), size_t(10), good.size() / 2, good.size() - 3}) {
    spit(yaml_cache::file(), good.substr(0, cut));
    CHECK_FALSE(yaml_cache::load("/x/config.yaml", kRichConfig));
  }
  spit(yaml_cache::file(), std::string(100000, '\x91'));  // MessagePack: arrays in arrays, 100,000 deep
  CHECK_FALSE(yaml_cache::load("/x/config.yaml", kRichConfig));
  // A tree far deeper than a config, under the right envelope, is refused
  // before its depth is reached (the reader would recurse into it).
  auto envelope = nlohmann::ordered_json::from_msgpack(good);
  nlohmann::ordered_json deep = nlohmann::ordered_json::array();
  for (int i = 0; i < 200; ++i) deep = nlohmann::ordered_json::array({deep});
  envelope["tree"] = {{"settings", deep}};
  auto bytes = nlohmann::ordered_json::to_msgpack(envelope);
  spit(yaml_cache::file(), std::string(bytes.begin(), bytes.end()));
  CHECK_FALSE(yaml_cache::load("/x/config.yaml", kRichConfig));
  // Bytes that are not UTF-8 are kept as they are.
  std::string latin1 = "projects:\n  - id: caf\xe9\n";
  yaml_cache::store("/x/config.yaml", latin1, YAML::Load(latin1));
  auto odd = yaml_cache::load("/x/config.yaml", latin1);
  REQUIRE(odd);
  CHECK((*odd)["projects"][0]["id"].Scalar() == "caf\xe9");
  // Keys that are not distinct scalars are not kept.
  std::filesystem::remove(yaml_cache::file());
  yaml_cache::store("/x/config.yaml", "a: 1\na: 2\n", YAML::Load("a: 1\na: 2\n"));
  yaml_cache::store("/x/config.yaml", "? [a]\n: 1\n", YAML::Load("? [a]\n: 1\n"));
  CHECK_FALSE(std::filesystem::exists(yaml_cache::file()));
  // Aliases that multiply when written out (a billion laughs) are not kept, and quickly.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    laughs += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) +
              ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
              char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  yaml_cache::store("/x/config.yaml", laughs, YAML::Load(laughs));
  CHECK_FALSE(std::filesystem::exists(yaml_cache::file()));
}

TEST_CASE("an unchanged config is checked from its kept tree, a changed one, or one with anything to say, is parsed") {
  TempHome home;
  std::string path = home.file("config.yaml");
  spit(path, "worker:\n  idle_timeout: 2m\n");
  auto first = load_config(path, registry());
  REQUIRE(first.diagnostics.empty());
  CHECK(first.config.worker.idle_timeout == std::chrono::seconds(120));
  REQUIRE(std::filesystem::exists(yaml_cache::file()));

  // The kept tree is what the next load checks: prove it with a planted value.
  std::string kept = slurp(yaml_cache::file());
  // MessagePack: a string of 2 bytes is 0xa2 and the bytes.
  size_t at = kept.find("\xa2" "2m");
  REQUIRE(at != std::string::npos);
  spit(yaml_cache::file(), kept.replace(at, 3, "\xa2" "3m"));
  CHECK(load_config(path, registry()).config.worker.idle_timeout == std::chrono::seconds(180));

  // Another text (the same size) is parsed.
  spit(path, "worker:\n  idle_timeout: 5m\n");
  CHECK(load_config(path, registry()).config.worker.idle_timeout == std::chrono::seconds(300));

  // A file with errors is not kept, and its errors say where.
  std::filesystem::remove(yaml_cache::file());
  spit(path, "worker:\n  idle_timeout: soon\n");
  auto bad = load_config(path, registry());
  REQUIRE(bad.diagnostics.size() == 1);
  CHECK(bad.diagnostics[0].line == 2);
  CHECK_FALSE(std::filesystem::exists(yaml_cache::file()));

  // A kept tree the checks now fault (a CA file since removed) is parsed
  // again, so the diagnostic has its position.
  std::string ca = home.file("ca.pem");
  spit(ca, "-----BEGIN CERTIFICATE-----\n");
  spit(path, "settings:\n  prompt_interval: 3h\nnetwork:\n  ca_file: " + ca + "\n");
  REQUIRE(load_config(path, registry()).diagnostics.empty());
  REQUIRE(std::filesystem::exists(yaml_cache::file()));
  std::filesystem::remove(ca);
  auto gone = load_config(path, registry());
  REQUIRE(gone.diagnostics.size() == 1);
  CHECK(gone.diagnostics[0].line == 4);
}

TEST_CASE("the rich config checks the same from its kept tree as from a parse") {
  TempHome home;
  std::string path = home.file("config.yaml");
  spit(path, kRichConfig);
  auto parsed = load_config(path, registry());
  REQUIRE(std::filesystem::exists(yaml_cache::file()));
  auto kept = load_config(path, registry());
  CHECK(kept.diagnostics.size() == parsed.diagnostics.size());
  CHECK(kept.config.projects_json() == parsed.config.projects_json());
  CHECK(kept.config.settings.summary_minute == parsed.config.settings.summary_minute);
  CHECK(kept.config.settings.work_days == parsed.config.settings.work_days);
  CHECK(kept.config.prompt.surfaces == parsed.config.prompt.surfaces);
  CHECK(kept.config.prompt.inline_prompt == parsed.config.prompt.inline_prompt);
  CHECK(kept.config.worker.idle_timeout == parsed.config.worker.idle_timeout);
  for (const auto& [id, pc] : parsed.config.plugins) {
    REQUIRE(kept.config.plugins.count(id));
    CHECK(kept.config.plugins.at(id).enabled == pc.enabled);
    CHECK(kept.config.plugins.at(id).options_json == pc.options_json);
  }
}
