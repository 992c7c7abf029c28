// The notify surface on a real desktop stack (PEERS.md): a private session
// bus (dbus-daemon), Xvfb and dunst, whose context menu runs the test's
// `dmenu` script — so Skip, Snooze and Answer are clicked the way a user
// clicks them. Answer's terminal route runs `devtrack checkin --id N` in a
// tmux window, where the answer is typed.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool installed(const char* tool) { return run(std::string("-c 'command -v ") + tool + "'", "/bin/sh").status == 0; }

// A session bus, an X server and dunst, for one test.
struct Desktop {
  TempHome dirs;
  std::string pids, address;
  Desktop() {
    for (const char* tool : {"dbus-daemon", "Xvfb", "dunst", "dunstctl", "notify-send", "tmux"})
      if (!installed(tool)) FAIL(std::string(tool) + " is not installed (scripts/test.sh installs the desktop peers)");
    std::string root = dirs.root();
    auto bus = run("--session --fork --print-address=1 --print-pid=1", "/usr/bin/dbus-daemon");
    REQUIRE(bus.status == 0);
    address = bus.out.substr(0, bus.out.find('\n'));
    pids = bus.out.substr(bus.out.find('\n') + 1);
    set_env("DBUS_SESSION_BUS_ADDRESS", address);
    // Xvfb picks a free display itself: a fixed number could be another X
    // server's (a parallel test, the benchmark).
    run("-c 'Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>\"" + root + "/display\" >/dev/null 2>&1 & "
        "echo $! >> \"" + root + "/pids\"'", "/bin/sh");
    REQUIRE(wait_until([&] { return fs::exists(root + "/display") && fs::file_size(root + "/display") > 1; }));
    std::string display = ":" + slurp(root + "/display").substr(0, slurp(root + "/display").find('\n'));
    set_env("DISPLAY", display);
    spit(root + "/dmenu.sh", "#!/bin/sh\ntee \"" + root + "/menu.txt\" | grep \",$(cat \"" + root + "/choice\")\\]\"\n");
    fs::permissions(root + "/dmenu.sh", fs::perms::owner_all);
    spit(root + "/dunstrc", "[global]\n    dmenu = " + root + "/dmenu.sh\n");
    run("-c 'dunst -config \"" + root + "/dunstrc\" >\"" + root + "/dunst.log\" 2>&1 & echo $! >> \"" + root +
            "/pids\"'", "/bin/sh");
    REQUIRE(wait_until([] {
      return run("--session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus "
                 "org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications",
                 "/usr/bin/dbus-send").out.find("boolean true") != std::string::npos;
    }));
  }
  ~Desktop() {
    run("-c 'kill $(cat \"" + dirs.root() + "/pids\") " + pids + " 2>/dev/null'", "/bin/sh");
    ::unsetenv("DBUS_SESSION_BUS_ADDRESS");
    ::unsetenv("DISPLAY");
  }
  int shown() {
    auto r = run("DBUS_SESSION_BUS_ADDRESS='" + address + "' dunstctl count displayed", "/usr/bin/env");
    return r.status == 0 ? std::atoi(r.out.c_str()) : -1;
  }
  // Picks an action in the notification's context menu, as a user would.
  void click(const std::string& action) {
    spit(dirs.root() + "/choice", action);
    run("DBUS_SESSION_BUS_ADDRESS='" + address + "' dunstctl context", "/usr/bin/env");
  }
  std::string menu() { return fs::exists(dirs.root() + "/menu.txt") ? slurp(dirs.root() + "/menu.txt") : ""; }
};

struct Daemon {
  TempHome home;
  explicit Daemon(const std::string& notify_options = "") {
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "prompt: {surfaces: [notify, tty]}\n"
         "plugins:\n  timer: {enabled: true}\n  rules: {enabled: true}\n  tty: {enabled: true}\n"
         "  git: {enabled: false}\n  github: {enabled: false}\n"
         "  notify: {enabled: true" + notify_options + "}\n");
    REQUIRE(run("start").status == 0);
  }
  ~Daemon() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json prompt(int id) {
    for (const auto& p : json::parse(run("checkin --list --json").out))
      if (p["id"] == id) return p;
    return nullptr;
  }
  std::string state(int id) {
    json p = prompt(id);
    return p.is_object() ? p["state"].get<std::string>() : "gone";
  }
};

// A tmux server standing in for the user's terminal emulator (the notify
// plugin's `terminal` option opens a window in it).
struct Terminal {
  std::string sock;
  explicit Terminal(const Desktop& desktop) : sock(desktop.dirs.root() + "/tmux.sock") {
    REQUIRE(tmux("new-session -d -x 120 -y 30 -s t 'bash --norc --noprofile'").status == 0);
  }
  ~Terminal() { tmux("kill-server"); }
  Result tmux(const std::string& args) const { return run("-S '" + sock + "' " + args, "/usr/bin/tmux"); }
  std::string option() const { return "tmux -S " + sock + " new-window"; }
  // Started before the daemon's home existed: its windows get the test's.
  void share_environment() const {
    for (const char* var : {"DEVTRACK_HOME", "XDG_RUNTIME_DIR", "DEVTRACK_TEST_CLOCK"})
      tmux(std::string("set-environment -g ") + var + " '" + std::getenv(var) + "'");
  }
  std::string screen() const { return tmux("capture-pane -p").out; }
};

}  // namespace

TEST_CASE("devtrack ask shows a notification with Answer, Skip and Snooze, and Skip is recorded") {
  Desktop desktop;
  Daemon d;
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  desktop.click("skip");
  REQUIRE(wait_until([&] { return desktop.menu().find("#Skip") != std::string::npos; }, 10));
  CHECK(desktop.menu().find("#Answer") != std::string::npos);
  CHECK(desktop.menu().find("#Skip") != std::string::npos);
  CHECK(desktop.menu().find("#Snooze") != std::string::npos);
  CHECK(wait_until([&] { return d.state(1) == "skipped"; }, 10));
  CHECK(desktop.shown() == 0);
}

// Skipped in the terminal, the prompt's notify-send is ended from the
// daemon's loop while its waiter thread waits for it: both used to reap
// it, and the one that lost (ECHILD) ended the daemon, 4 runs in 15.
TEST_CASE("prompts skipped in the terminal while their notifications show leave the screen, twenty times over, and the daemon runs") {
  Desktop desktop;
  Daemon d;
  for (int i = 1; i <= 20; ++i) {
    INFO("round " << i);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
    REQUIRE(run("checkin --skip").status == 0);
    CHECK(d.state(i) == "skipped");
    REQUIRE(wait_until([&] { return desktop.shown() == 0; }, 10));  // withdrawn from the screen too
    REQUIRE(ipc::daemon_running());
  }
}

TEST_CASE("a timer prompt on the desktop: Snooze defers it") {
  Desktop desktop;
  Daemon d;
  ipc::call("clock.advance", json{{"ms", 3 * 3'600'000LL + 60'000}}.dump());  // prompt_interval passes
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  REQUIRE(d.prompt(1).is_object());
  CHECK(d.prompt(1)["kind"] == "timer");
  desktop.click("snooze");
  CHECK(wait_until([&] { return d.state(1) == "deferred"; }, 10));
}

TEST_CASE("Answer opens devtrack checkin in the terminal (tmux here), where the answer is stored") {
  Desktop desktop;
  Terminal terminal(desktop);
  Daemon d(", entry: terminal, terminal: \"" + terminal.option() + "\"");
  terminal.share_environment();
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  desktop.click("answer");
  REQUIRE(wait_until([&] { return terminal.screen().find("What did you work on?") != std::string::npos; }, 15));
  terminal.tmux("send-keys -l 'fixed the export, 20m'");
  terminal.tmux("send-keys Enter");
  INFO(terminal.screen());
  // (The window closes as checkin exits.)
  REQUIRE(wait_until([&] {
    json log = json::parse(run("log --json").out);
    return !log.empty() && log.back()["response"].is_object() && log.back()["response"]["state"] == "answered";
  }, 10));
  json log = json::parse(run("log --json").out);
  CHECK(log.back()["response"]["state"] == "answered");
  CHECK(log.back()["response"]["text"] == "fixed the export, 20m");
}

TEST_CASE("no session bus: the prompt falls back to the terminal, and doctor says why") {
  Desktop desktop;
  std::string bus = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  ::unsetenv("DBUS_SESSION_BUS_ADDRESS");
  {
    Daemon d;
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(wait_until([&] { return d.state(1) == "pending"; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(desktop.shown() == 0);
    CHECK(run("doctor").out.find("notify: desktop session: the daemon has no DISPLAY") != std::string::npos);
    // The shell integration hands the session over; the next prompt is shown.
    set_env("DBUS_SESSION_BUS_ADDRESS", bus);
    CHECK(run("session").status == 0);
    REQUIRE(run("checkin --skip").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    CHECK(wait_until([&] { return desktop.shown() == 1; }, 10));
  }
}

TEST_CASE("at summary_time the desktop says the summary is ready, and Review opens it in the terminal") {
  Desktop desktop;
  Terminal terminal(desktop);
  Daemon d(", terminal: \"" + terminal.option() + "\"");
  terminal.share_environment();
  terminal.tmux("set-environment -g EDITOR true");
  ipc::call("clock.advance", json{{"ms", 9 * 3'600'000LL}}.dump());  // 17:00 (and a timer prompt on the way)
  REQUIRE(wait_until([&] { return desktop.shown() == 2; }, 10));
  desktop.click("review");
  CHECK(wait_until([&] { return desktop.menu().find("#Review (Your summary of 2026-06-01 is ready)") !=
                                std::string::npos; }, 10));  // dunst runs the menu after dunstctl returns
  CHECK(wait_until([&] { return terminal.screen().find("Post the updates? [y/N]") != std::string::npos; }, 15));
}

TEST_CASE("the daemon stops promptly while its notifications are still on screen") {
  Desktop desktop;
  Daemon d;
  ipc::call("clock.advance", json{{"ms", 9 * 3'600'000LL}}.dump());  // a timer prompt and the summary reminder
  REQUIRE(wait_until([&] { return desktop.shown() == 2; }, 10));
  auto stopped = run("stop");
  CHECK(stopped.status == 0);
  CHECK(stopped.out.find("daemon stopped") != std::string::npos);
  CHECK_FALSE(ipc::daemon_running());
}

TEST_CASE("a desktop reply the database refuses is spooled, and stored once the database takes it") {
  Desktop desktop;
  // The daemon's writes fail while `control` exists (the fault seam of test
  // builds, docs/testing.md); only the daemon gets the rule.
  std::string control = desktop.dirs.root() + "/fault-on";
  set_env("DEVTRACK_FAULTS", "sqlite.io:devtrack.db=full?" + control);
  Daemon d;
  ::unsetenv("DEVTRACK_FAULTS");
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  spit(control, "");
  desktop.click("skip");
  std::string spool = d.home.file("spool/replies");
  auto spooled = [&] {
    std::error_code ec;
    size_t n = 0;
    for (fs::directory_iterator it(spool, ec), end; !ec && it != end; it.increment(ec)) n += it->path().extension() == ".json";
    return n;
  };
  // Before: the reply was logged without its content and lost.
  REQUIRE(wait_until([&] { return spooled() == 1; }, 10));
  CHECK(d.state(1) == "pending");
  CHECK(ipc::daemon_running());
  std::remove(control.c_str());
  CHECK(wait_advancing([&] { return d.state(1) == "skipped"; }));
  CHECK(spooled() == 0);
}

TEST_CASE("stop and reload do not wait for an entry dialog the user left open") {
  Desktop desktop;
  // A zenity that stays open until it is ended, like a dialog nobody types
  // into; it says when it is up.
  std::string bin = desktop.dirs.root() + "/bin";
  fs::create_directories(bin);
  spit(bin + "/zenity", "#!/bin/sh\ntouch '" + desktop.dirs.root() + "/dialog-up'\nexec sleep 3600\n");
  fs::permissions(bin + "/zenity", fs::perms::owner_all);
  std::string path = std::getenv("PATH");
  set_env("PATH", bin + ":" + path);
  Daemon d(", entry: auto");
  set_env("PATH", path);
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  desktop.click("answer");
  REQUIRE(wait_until([&] { return fs::exists(desktop.dirs.root() + "/dialog-up"); }, 10));
  // Before: the plugin's destructor joined the thread blocked in the
  // dialog, so reload (and stop) waited for the user.
  CHECK(run("reload").status == 0);
  CHECK(ipc::daemon_running());
  auto stopped = run("stop");
  CHECK(stopped.status == 0);
  CHECK_FALSE(ipc::daemon_running());
  CHECK(d.state(1) == "pending");  // nothing was answered: the prompt waits
}

// Issue 14 item 7: the notification says what the daemon knows when it asks
// (the commit's id) and is replaced in place — one notification, one reply —
// when more is known: the subject the worker read, a commit that joined.
TEST_CASE("a commit's notification is replaced in place as its commits' subjects arrive, and answers once") {
  if (!installed("dbus-monitor")) FAIL("dbus-monitor is not installed (scripts/test.sh installs the desktop peers)");
  Desktop desktop;
  std::string calls = desktop.dirs.root() + "/notify-calls.txt";  // every Notify call on the bus
  spit(desktop.dirs.root() + "/monitor.sh",
       "dbus-monitor --session \"type='method_call',interface='org.freedesktop.Notifications',member='Notify'\" "
       ">'" + calls + "' 2>&1 &\necho $! >> '" + desktop.dirs.root() + "/pids'\n");
  run(desktop.dirs.root() + "/monitor.sh", "/bin/sh");
  wait_until([&] { return fs::exists(calls) && fs::file_size(calls) > 0; }, 5);  // it says it is listening
  TempHome home;
  spit(home.file("config.yaml"),
       "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
       "prompt: {surfaces: [notify, tty]}\n"
                                 "plugins: {timer: {enabled: false}, editor: {enabled: false}, github: {enabled: false}}\n");
  std::string repo = make_repo(home.root() + "/widgets");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  RunningDaemon d("");
  commit(repo, "first step of the widget");
  bool first_shown = wait_until([&] { return slurp(calls).find("first step of the widget") != std::string::npos; }, 20);
  INFO(slurp(calls) << run("logs -n 60").out);
  REQUIRE(first_shown);
  REQUIRE(wait_until([&] { return slurp(calls).find("first step of the widget") != std::string::npos; }, 20));
  commit(repo, "second step of the widget");  // joins the open prompt
  REQUIRE(wait_until([&] { return slurp(calls).find("second step of the widget") != std::string::npos; }, 20));
  std::string text = slurp(calls);
  INFO(text);
  // The replaces_id of each Notify call: the first 0, every later one the first's id.
  std::vector<long> replaces;
  for (size_t at = text.find("member=Notify"); at != std::string::npos; at = text.find("member=Notify", at + 1)) {
    size_t u = text.find("uint32 ", at);
    if (u != std::string::npos) replaces.push_back(std::atol(text.c_str() + u + 7));
  }
  REQUIRE(replaces.size() >= 2);
  CHECK(replaces[0] == 0);
  for (size_t i = 1; i < replaces.size(); ++i) CHECK((replaces[i] != 0 && replaces[i] == replaces[1]));
  CHECK(desktop.shown() == 1);
  desktop.click("skip");
  REQUIRE(wait_until([&] {
    for (const auto& p : json::parse(run("checkin --list --json").out))
      if (p["id"] == 1) return p["state"] == "skipped";
    return false;
  }, 10));
  CHECK(wait_until([&] { return desktop.shown() == 0; }, 10));
  std::string logs;
  CHECK(wait_until([&] {  // log lines reach the table in batches
    logs = run("logs -n 200 --json --source surfaces").out;
    return logs.find("prompt 1: skipped through notify") != std::string::npos;
  }, 10));
  INFO(logs);
  size_t first = logs.find("prompt 1: skipped through notify");
  CHECK(logs.find("through notify", first + 32) == std::string::npos);  // one reply, not one per notification
}

TEST_CASE("a time away on the desktop: the notification asks about the span, and Break answers it in one click") {
  Desktop desktop;
  Daemon d;
  std::string file = d.home.root() + "/notes.txt";
  auto beat = [&] { REQUIRE(run("heartbeat --file '" + file + "' --editor test").status == 0); };
  beat();
  ipc::call("clock.advance", json{{"ms", 60 * 60'000}}.dump());
  beat();  // 09:00: back after an hour
  REQUIRE(wait_until([&] { return desktop.shown() == 1; }, 10));
  desktop.click("answer-0");
  REQUIRE(wait_until([&] { return desktop.menu().find("#Break") != std::string::npos; }, 10));
  CHECK(desktop.menu().find("#Meeting") != std::string::npos);
  json away;
  REQUIRE(wait_until([&] {
    for (const auto& t : json::parse(run("log --json").out))
      if (t["kind"] == "away" && t["response"].is_object()) away = t;
    // The answer is stored before it is parsed: wait for the parse too.
    return away.is_object() && away["response"]["break"] == true;
  }, 10));
  INFO(away.dump());
  CHECK(away["details"]["question"] == "You were away 08:00–09:00 (1 h): what was it?");
  CHECK(away["response"]["break"] == true);
  CHECK(away["response"]["duration_minutes"].is_null());
}
