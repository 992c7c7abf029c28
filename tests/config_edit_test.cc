#include <catch2/catch.hpp>

#include "config/config.h"
#include "util/error.h"

using namespace devtrack;

namespace {
std::string enable(const std::string& text, const std::string& id = "github") {
  return set_plugin_enabled(text, id, true);
}
std::string disable(const std::string& text, const std::string& id = "github") {
  return set_plugin_enabled(text, id, false);
}
}  // namespace

TEST_CASE("block style: only the value changes, comments stay") {
  std::string before =
      "# my config\nsettings:\n  prompt_interval: 2h   # shorter\n\nplugins:\n  # GitHub for work\n"
      "  github:\n    enabled: false   # off for now\n    base_url: https://github.example.com/api/v3\n"
      "  git:\n    enabled: true\n";
  std::string after = enable(before);
  CHECK(after ==
        "# my config\nsettings:\n  prompt_interval: 2h   # shorter\n\nplugins:\n  # GitHub for work\n"
        "  github:\n    enabled: true   # off for now\n    base_url: https://github.example.com/api/v3\n"
        "  git:\n    enabled: true\n");
  CHECK(disable(after) == before);
}

TEST_CASE("flow style: only the value changes") {
  CHECK(enable("plugins: {github: {enabled: false, token: env:GH}, git: {enabled: true}}  # flow\n") ==
        "plugins: {github: {enabled: true, token: env:GH}, git: {enabled: true}}  # flow\n");
  CHECK(disable("plugins:\n  github: {enabled: true}\n") == "plugins:\n  github: {enabled: false}\n");
}

TEST_CASE("a plugin entry without enabled gets one") {
  CHECK(enable("plugins:\n  github:\n    # the token\n    token: env:GH\n") ==
        "plugins:\n  github:\n    enabled: true\n    # the token\n    token: env:GH\n");
  CHECK(enable("plugins: {github: {token: env:GH}}\n") == "plugins: {github: {enabled: true, token: env:GH}}\n");
  CHECK(enable("plugins: {github: {}}\n") == "plugins: {github: {enabled: true}}\n");
  CHECK(enable("plugins:\n  github:   # keep me\n  git: {enabled: true}\n") ==
        "plugins:\n  github: {enabled: true}   # keep me\n  git: {enabled: true}\n");
  CHECK(enable("plugins:\n  github: ~\n") == "plugins:\n  github: {enabled: true}\n");
}

TEST_CASE("a plugin missing from the plugins map is added") {
  CHECK(enable("plugins:\n    git: {enabled: true}  # indented by four\n") ==
        "plugins:\n    github: {enabled: true}\n    git: {enabled: true}  # indented by four\n");
  CHECK(enable("plugins: {git: {enabled: true}}\n") == "plugins: {github: {enabled: true}, git: {enabled: true}}\n");
  CHECK(enable("plugins: {}\n") == "plugins: {github: {enabled: true}}\n");
  CHECK(enable("plugins:\n# nothing yet\n") == "plugins:\n  github: {enabled: true}\n# nothing yet\n");
}

TEST_CASE("a config without a plugins section gets one at the end") {
  CHECK(enable("settings:\n  prompt_interval: 3h # x\n") ==
        "settings:\n  prompt_interval: 3h # x\nplugins:\n  github: {enabled: true}\n");
  CHECK(enable("") == "plugins:\n  github: {enabled: true}\n");
  CHECK(enable("# only a comment") == "# only a comment\nplugins:\n  github: {enabled: true}\n");
}

TEST_CASE("positions survive non-ASCII text before the edit") {
  std::string before = "# Konfiguration für Jürgen — ✓\nplugins:\n  github: {enabled: false}  # schön\n";
  CHECK(enable(before) == "# Konfiguration für Jürgen — ✓\nplugins:\n  github: {enabled: true}  # schön\n");
}

TEST_CASE("the default config can be edited both ways") {
  std::string on = enable(default_config_text(), "timer");
  auto r = parse_config(on, "c", {});
  CHECK(r.config.plugins.count("timer"));
  CHECK(disable(on, "timer") != on);
}

TEST_CASE("what cannot be edited safely is refused") {
  CHECK_THROWS_AS(enable("plugins: [github]\n"), Error);
  CHECK_THROWS_AS(enable("plugins:\n  github: yes\n"), Error);
  CHECK_THROWS_AS(enable("plugins: {github: {enabled: [true]}}\n"), Error);
  CHECK_THROWS_AS(enable("plugins: {github: {enabled: true\n"), Error);
}
