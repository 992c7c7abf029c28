// Fuzzes the config: parse_config() and its checker on any YAML text, with
// option tables of every option type so plugins.<id> entries are checked
// too, then set_plugin_enabled() (`devtrack plugins enable`) on the same
// text. Properties: nothing throws out of parse_config, every diagnostic
// has a message, the JSON handed to plugins is valid, and an edit that
// set_plugin_enabled accepts reads back as the value it wrote.
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "fuzz_support.h"
#include "util/error.h"

namespace {

devtrack::PluginInfo plugin(const std::string& id, std::vector<devtrack::OptionInfo> options) {
  devtrack::PluginInfo p;
  p.id = id;
  p.name = id;
  p.kind = "tracker";
  p.runs_in = "worker";
  p.options = std::move(options);
  return p;
}

// Modelled on the bundled plugins' tables (plugins/*/*.cc), one of each type.
const std::vector<devtrack::PluginInfo>& registry() {
  static const std::vector<devtrack::PluginInfo> plugins = {
      plugin("github", {{"token", "secret", "", ""}, {"base_url", "url", "\"https://api.github.com\"", ""}}),
      plugin("jira", {{"base_url", "url", "", ""},
                      {"email", "string", "", ""},
                      {"worklogs", "bool", "true", ""},
                      {"transitions", "map", "{}", ""}}),
      plugin("timer", {{"interval", "duration", "\"3h\"", ""}, {"jitter", "int", "0", ""}}),
      plugin("editor", {{"editors", "list", "[vim, code]", ""}}),
  };
  return plugins;
}

void check_result(const devtrack::ConfigResult& r) {
  for (const auto& d : r.diagnostics) FUZZ_CHECK(!d.message.empty(), d.str());
  FUZZ_CHECK(nlohmann::json::accept(r.config.projects_json()), r.config.projects_json());
  for (const auto& [id, pc] : r.config.plugins) {
    std::string options = r.config.plugin_config_json(id);
    FUZZ_CHECK(nlohmann::json::accept(options), id + ": " + options);
  }
}

void check_enable(const std::string& text, const devtrack::ConfigResult& before) {
  if (!before.ok()) return;  // the CLI refuses to edit a config with errors
  std::string edited;
  try {
    edited = devtrack::set_plugin_enabled(text, "github", true);
  } catch (const devtrack::Error&) {
    return;  // "cannot be edited safely" is an answer
  }
  auto after = devtrack::parse_config(edited, "fuzz.yaml", registry());
  FUZZ_CHECK(after.ok() && after.config.plugin_enabled("github"), "before:\n" + text + "\nafter:\n" + edited);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::bytes(data, size));
  auto result = devtrack::parse_config(text, "fuzz.yaml", registry());
  check_result(result);
  check_enable(text, result);
  return 0;
}
