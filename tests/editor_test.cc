// The editor trigger end to end: real Neovim and Vim, headless, with the
// plugin from plugins/editor/extras/vim, editing a file in a registered
// repository; `devtrack heartbeat`; and the clock seam making 90 minutes of
// editing without a commit ask.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "ipc/ipc.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Setup {
  TempHome home;
  std::string repo;
  Setup() {
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "prompt: {surfaces: [tty]}\n"
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  editor: {enabled: true}\n"
         "  timer: {enabled: false}\n  github: {enabled: false}\n  notify: {enabled: false}\n");
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json last_heartbeat() {
    Store store(home.file("devtrack.db"));
    auto v = store.kv_get("editor", "last_heartbeat");
    return v ? json::parse(*v) : json();
  }
  json prompts() { return json::parse(run("checkin --list --json").out); }
  bool asked_about_editing() {
    for (const auto& p : prompts())
      if (p["kind"] == "editor") return true;
    return false;
  }
  void advance_minutes(int m) { ipc::call("clock.advance", json{{"ms", m * 60'000LL}}.dump()); }
  void beat(const std::string& file) { REQUIRE(run("heartbeat --file '" + file + "' --editor test").status == 0); }
};

// Runs an editor with the plugin on `file`: changes a line and saves.
Result edit_with(const std::string& editor, const std::string& file) {
  std::string rtp = source_dir() + "/plugins/editor/extras/vim";
  std::string common = " -u NONE -i NONE --cmd 'set rtp^=" + rtp + "' --cmd 'let g:devtrack_interval = 0'"
                       " -c 'runtime plugin/devtrack.vim' -c 'edit " + file + "' -c '%s/.*/edited/'"
                       " -c 'write' -c 'sleep 1' -c 'qa!'";
  std::string cmd = editor == "nvim" ? "nvim --headless" + common : "vim -N -es" + common;
  return run("-c \"PATH='" + build_dir() + "/bin':$PATH " + cmd + " </dev/null\"", "/bin/sh");
}

}  // namespace

TEST_CASE("headless Neovim with the plugin sends heartbeats that the daemon records") {
  if (!fs::exists("/usr/bin/nvim")) FAIL("neovim is not installed (scripts/test.sh installs it)");
  Setup s;
  std::string file = s.repo + "/main.c";
  spit(file, "int main;\n");
  auto r = edit_with("nvim", file);
  INFO(r.out << r.err);
  // (Opening and saving both beat; the trigger counts one per file per 2 minutes.)
  REQUIRE(wait_until([&] { return s.last_heartbeat().is_object() && s.last_heartbeat()["file"] == file; }));
  CHECK(s.last_heartbeat()["editor"] == "nvim");
  CHECK(slurp(file) == "edited\n");
}

TEST_CASE("headless Vim with the plugin sends heartbeats too") {
  if (!fs::exists("/usr/bin/vim")) FAIL("vim is not installed");
  Setup s;
  std::string file = s.repo + "/util.c";
  spit(file, "int util;\n");
  auto r = edit_with("vim", file);
  INFO(r.out << r.err);
  REQUIRE(wait_until([&] { return s.last_heartbeat().is_object() && s.last_heartbeat()["file"] == file; }));
  CHECK(s.last_heartbeat()["editor"] == "vim");
}

TEST_CASE("90 minutes of editing without a commit asks, a commit resets the count, idle ends a session") {
  Setup s;
  std::string file = s.repo + "/main.c";
  spit(file, "int main;\n");
  // 80 minutes of editing (a heartbeat every 10): not yet.
  for (int i = 0; i < 9; ++i) {
    s.beat(file);
    s.advance_minutes(10);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(s.asked_about_editing());
  s.beat(file);  // 90 minutes
  REQUIRE(wait_until([&] { return s.asked_about_editing(); }));
  REQUIRE(run("checkin --answer 'worked on the parser, 1h30'").status == 0);

  // A commit is a checkpoint: 60 minutes, a commit, 60 more — no editor prompt.
  for (int i = 0; i < 6; ++i) {
    s.advance_minutes(10);
    s.beat(file);
  }
  commit(s.repo, "parser: first half");
  REQUIRE(wait_until([&] { return !s.prompts().empty(); }));  // the commit's own prompt
  REQUIRE(run("checkin --skip").status == 0);
  for (int i = 0; i < 6; ++i) {
    s.advance_minutes(10);
    s.beat(file);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(s.asked_about_editing());
  // 20 minutes without a heartbeat end the session: 80 more minutes are not enough.
  s.advance_minutes(20);
  for (int i = 0; i < 9; ++i) {
    s.beat(file);
    s.advance_minutes(10);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(s.asked_about_editing());
}

TEST_CASE("heartbeats while the daemon is down are spooled and read at start") {
  Setup s;
  run("stop");
  std::string file = s.repo + "/down.c";
  REQUIRE(run("heartbeat --file '" + file + "' --editor vim --write").status == 0);
  CHECK(!fs::is_empty(s.home.file("spool")));
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_until([&] { return s.last_heartbeat().is_object() && s.last_heartbeat()["file"] == file; }));
  CHECK(s.last_heartbeat()["write"] == true);
  CHECK(fs::is_empty(s.home.file("spool")));
  CHECK(run("heartbeat").status == 2);  // --file is needed
}

TEST_CASE("bad editor.heartbeat and session.env requests get clear errors and the daemon keeps running") {
  Setup s;
  auto error_of = [](const std::string& cmd, const std::string& args) {
    try {
      ipc::call(cmd, args);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("editor.heartbeat", "{}").find("editor.heartbeat needs {\"file\": PATH}") != std::string::npos);
  CHECK(error_of("editor.heartbeat", R"({"file": 42})").find("needs {\"file\": PATH}") != std::string::npos);
  CHECK(error_of("session.env", R"({"vars": "DISPLAY=:0"})").find("session.env needs") != std::string::npos);
  // Only the desktop variables are taken: nothing else of the daemon's environment can be set.
  json taken = json::parse(ipc::call("session.env", R"({"vars": {"LD_PRELOAD": "/tmp/x.so", "DISPLAY": ":5"}})"));
  CHECK(taken["taken"] == json::array({"DISPLAY"}));
  CHECK(ipc::daemon_running());
}
