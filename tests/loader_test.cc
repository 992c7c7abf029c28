#include <catch2/catch.hpp>

#include "plugin/loader.h"
#include "plugin/ticket_syntax.h"
#include "test_support.h"

using namespace devtrack;
using devtrack::test::plugin_dir;

namespace {
PluginInfo load(const std::string& path) {
  PluginInfo info;
  info.path = path;
  load_plugin(info);
  return info;
}
std::string refusal(const std::string& file) {
  PluginInfo info = load(plugin_dir("broken") + "/" + file);
  CHECK(info.refused);
  return info.error;
}
}  // namespace

TEST_CASE("a good C99 plugin loads and its descriptor is read") {
  PluginInfo info;
  info.path = plugin_dir("good") + "/good-tracker.so";
  const dt_plugin_descriptor* d = load_plugin(info);
  REQUIRE(d);
  CHECK_FALSE(info.refused);
  CHECK(info.id == "good-tracker");
  CHECK(info.name == "Good Tracker");
  CHECK(info.version == "1.0.0");
  CHECK(info.kind == "tracker");
  CHECK(info.runs_in == "worker");
  CHECK(info.abi() == std::to_string(DEVTRACK_ABI_MAJOR) + "." + std::to_string(DEVTRACK_ABI_MINOR));
  REQUIRE(info.options.size() == 7);
  CHECK(info.options[0].name == "fail");
  CHECK(info.options[0].type == "bool");
  CHECK(info.options[0].default_value == "false");
  CHECK(info.options[4].type == "secret");
  CHECK(info.options[4].default_value.empty());
  // ABI 1.1: its ticket syntax, checked and kept as compact JSON.
  CHECK(info.tickets_json == R"({"show":"GOOD-{number}","text":["GOOD-{number}"]})");
  // Loading twice is fine: the library stays mapped, nothing is unloaded.
  CHECK(load(info.path).id == "good-tracker");
}

TEST_CASE("each bad plugin is refused with one clear line, and loading goes on") {
  CHECK(refusal("not_elf.so") == "not a shared library (no ELF header)");
  CHECK(refusal("no_entry.so") == "no devtrack_plugin_entry symbol: not a DevTrack plugin");
  CHECK(refusal("missing_symbol.so").find("undefined symbol: devtrack_test_symbol_that_does_not_exist") !=
        std::string::npos);
  CHECK(refusal("bad-major.so").find("built for plugin ABI 99.") == 0);
  CHECK(refusal("bad-major.so").find("major version differs") != std::string::npos);
  CHECK(refusal("bad-minor.so").find("(newer minor): upgrade devtrack") != std::string::npos);
  CHECK(refusal("truncated.so") == "malformed descriptor: struct_size 8 is smaller than " +
                                       std::to_string(offsetof(dt_plugin_descriptor, get_interface) + sizeof(void*)));
  CHECK(refusal("bad-id.so") == "malformed descriptor: id 'Bad Id' is not [a-z0-9][a-z0-9_-]* (at most 64 characters)");
  CHECK(refusal("unknown-kind.so") == "unknown plugin kind 42");
  CHECK(refusal("no-create.so") == "malformed descriptor: create, destroy and get_interface are required");
  CHECK(refusal("no-descriptor.so") == "devtrack_plugin_entry() returned no descriptor");
  CHECK(refusal("bad-tickets.so") == "malformed descriptor: tickets show: '{' without '}' in \"GOOD-{number\"");
  // A file that vanished.
  CHECK(refusal("does-not-exist.so").find("cannot open the file") == 0);
  // After all that, a good plugin still loads.
  CHECK_FALSE(load(plugin_dir("good") + "/good-tracker.so").refused);
}

TEST_CASE("a tracker's ticket syntax is checked before any parser sees it") {
  auto why = [](const std::string& text) {
    std::string error;
    CHECK(checked_ticket_syntax(text, &error).empty());
    return error;
  };
  CHECK(why("[]") == "is not a JSON object");
  CHECK(why(R"({"text": ["#{number}"]})") == "has no \"show\" template");
  CHECK(why(R"({"show": "{key}", "shape": 1})") == "has an unknown key \"shape\" (show, text, urls, branch)");
  CHECK(why(R"({"show": "{key}", "text": ["{number}"]})") ==
        "text[0] is a bare {number}: every word would be a ticket");
  CHECK(why(R"({"show": "{key}", "text": ["{key:hash}"]})") ==
        "text[0]: placeholder {key:hash}: the type must be number, key, repo or id");
  CHECK(why(R"({"show": "{a}{b:number}"})").find("show: placeholder {a}") == 0);
  CHECK(why(R"({"show": "{n:number}-{m:number}", "text": ["{n:id}-x"]})") ==
        "text[0]: field 'n' is id here but number elsewhere");
  CHECK(why(R"({"show": "{key}", "urls": [{"host": "a b", "path": "/{key}"}]})") ==
        "urls[0].host: 'a b' is not a host name");
  CHECK(why(R"({"show": "{key}", "urls": ["/browse/{key}"]})") == "urls[0] must be {\"host\": ..., \"path\": ...}");
  CHECK(why(std::string(17 * 1024, ' ')) == "is over 16 KiB");
  CHECK(why("{\"show\": \"\xff{key}\"}") == "is not a JSON object");
  std::string error;
  CHECK(checked_ticket_syntax(R"({"show": "{repo}#{number}", "text": ["{repo}#{number}", "#{number}"],
                                  "urls": [{"host": ["a.example", "*"], "path": "/{repo}/issues/{number}"}],
                                  "branch": ["{number}"]})",
                              &error)
            .find(R"("show":"{repo}#{number}")") != std::string::npos);
  CHECK(error.empty());
}

TEST_CASE("ELF files that are not plugins are refused with the loader's reason") {
  // A position-independent executable is ET_DYN too: dlopen says why not.
  PluginInfo sh = load("/bin/sh");
  CHECK(sh.refused);
  CHECK(sh.error.rfind("cannot load: ", 0) == 0);
  CHECK(check_shared_library(test::build_dir() + "/tests/plugins/good/good-tracker.so").empty());
}
