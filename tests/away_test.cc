// Time away, end to end (docs/time.md): a real daemon on the test clock;
// heartbeats through `devtrack heartbeat`; a suspend through the clock seam;
// a locked session through logind's D-Bus interface, played by
// python3-dbusmock's logind template on a private bus; the one-key choices
// in a real terminal; and the answer, a break and a skip as `devtrack log`
// and the summary show them.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "terminal.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kConfig =
    "settings: {timezone: UTC, work_hours: \"09:00-18:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
    "prompt: {surfaces: [tty]}\n"
    "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  tty: {enabled: true}\n"
    "  timer: {enabled: false}\n  github: {enabled: false}\n  notify: {enabled: false}\n  editor: {enabled: false}\n";

struct Setup {
  TempHome home;
  std::string repo, file;
  // Monday 2026-06-01, 09:00 UTC.
  explicit Setup(const std::string& extra_config = "") {
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T09:00:00Z");
    spit(home.file("config.yaml"), std::string(kConfig) + extra_config);
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    file = repo + "/main.c";
    spit(file, "int main;\n");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
  }
  void start() { REQUIRE(run("start").status == 0); }
  ~Setup() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  void advance_minutes(int m, bool suspend = false) {
    ipc::call("clock.advance", json{{"ms", m * 60'000LL}, {"suspend", suspend}}.dump());
  }
  void beat() { REQUIRE(run("heartbeat --file '" + file + "' --editor test").status == 0); }
  // Three heartbeats two minutes apart: 09:00, 09:02, 09:04.
  void work_a_little() {
    for (int i = 0; i < 3; ++i) {
      if (i) advance_minutes(2);
      beat();
    }
  }
  json waiting() { return json::parse(run("checkin --list --json").out); }
  json away_prompt() {
    for (const auto& p : waiting())
      if (p["kind"] == "away") return p;
    return nullptr;
  }
  bool asks_about_away() { return wait_until([&] { return !away_prompt().is_null(); }); }
  json away_entries() {
    json out = json::array();
    for (const auto& t : json::parse(run("log --json").out))
      if (t["kind"] == "away") out.push_back(t);
    return out;
  }
};

std::string joined(const json& lines) {
  std::string out;
  for (const auto& l : lines) out += l.get<std::string>() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a gap in the heartbeats inside work hours is asked about on return, with the span as its minutes") {
  Setup s;
  s.start();
  s.work_a_little();
  s.advance_minutes(90);
  CHECK(s.away_prompt().is_null());  // nobody is back yet: nothing to ask
  s.beat();                          // 10:34: back
  REQUIRE(s.asks_about_away());
  json p = s.away_prompt();
  INFO(p.dump(2));
  CHECK(joined(p["about"]).find("You were away 09:04–10:34 (1 h 30 min): what was it?") != std::string::npos);
  CHECK(joined(p["about"]).find("Logged as 1 h 30 min unless your answer gives a duration") != std::string::npos);
  s.beat();  // more work does not ask again
  REQUIRE(run("checkin --answer 'design review with the team' --id " + std::to_string(p["id"].get<int>())).status == 0);
  json away = s.away_entries();
  REQUIRE(away.size() == 1);
  CHECK(away[0]["details"]["reason"] == "no activity");
  CHECK(away[0]["response"]["duration_minutes"] == 90);
  CHECK(away[0]["response"]["duration_source"] == "suggested");
  CHECK(run("log").out.find("(1 h 30 min, from the trigger)") != std::string::npos);
}

TEST_CASE("shorter gaps, the night and a stretch outside work hours are not time away") {
  Setup s("away: {after: 30m}\n");
  s.start();
  s.work_a_little();
  s.advance_minutes(25);  // under away.after
  s.beat();
  s.advance_minutes(10 * 60);  // 09:29 -> 19:29: after work hours
  s.beat();
  s.advance_minutes(14 * 60);  // the next morning 09:29
  s.beat();
  s.advance_minutes(2);
  s.beat();
  // A prompt would have been opened by the time the next command answers.
  CHECK(s.waiting().empty());
}

TEST_CASE("a break logs nothing and the summary says so, and a skipped time away stays Unanswered") {
  Setup s;
  s.start();
  s.work_a_little();
  s.advance_minutes(60);
  s.beat();  // 10:04
  REQUIRE(s.asks_about_away());
  auto lunch = run("checkin --answer lunch --id " + std::to_string(s.away_prompt()["id"].get<int>()));
  REQUIRE(lunch.status == 0);
  CHECK(lunch.out.find("a break: nothing logged") != std::string::npos);
  CHECK(json::parse(run("report --by ticket --format json").out)["rows"].empty());  // no work in a timesheet
  json first = s.away_entries();
  REQUIRE(first.size() == 1);
  CHECK(first[0]["response"]["break"] == true);
  CHECK(first[0]["response"]["duration_minutes"].is_null());
  CHECK(first[0]["response"]["tickets"].empty());
  CHECK(run("log").out.find("(a break: nothing logged)") != std::string::npos);

  s.advance_minutes(45);  // 10:49
  s.beat();
  REQUIRE(s.asks_about_away());
  REQUIRE(run("checkin --skip --id " + std::to_string(s.away_prompt()["id"].get<int>())).status == 0);

  std::string md = run("summary").out;
  INFO(md);
  CHECK(md.find("Breaks (not counted): 09:04–10:04") != std::string::npos);
  CHECK(md.find("## Unanswered") != std::string::npos);
  CHECK(md.find("skipped: away (10:04–10:49)") != std::string::npos);
  CHECK(md.find("**Total:** 0 min") != std::string::npos);  // a break is no work
  CHECK(updates_list().empty());
}

TEST_CASE("a suspend is time away: the daemon asks when the machine wakes") {
  Setup s;
  s.start();
  s.work_a_little();
  s.advance_minutes(50, /*suspend=*/true);
  REQUIRE(s.asks_about_away());
  json away = s.away_entries();
  REQUIRE(away.size() == 1);
  CHECK(away[0]["details"]["reason"] == "suspended");
  CHECK(away[0]["details"]["suggested"]["minutes"] == 50);  // 09:04-09:54: the suspend alone
  s.beat();  // the first heartbeat after the wake is no second absence
  s.advance_minutes(3);
  s.beat();
  CHECK(s.away_entries().size() == 1);
}

TEST_CASE("in a real terminal: one-key choices, the calendar's meeting among them") {
  if (access("/usr/bin/tmux", X_OK) != 0) FAIL("tmux not installed");
  Setup s;
  s.start();
  s.work_a_little();
  {  // A meeting the calendar plugin announced for 09:30–10:15.
    Store store(s.home.file("devtrack.db"));
    TriggerRow meeting;
    meeting.kind = "calendar";
    meeting.at_ms = 1'780'304'400'000;  // 09:00
    meeting.details = json{{"title", "Sprint planning"}, {"start_ms", 1'780'306'200'000}, {"end_ms", 1'780'308'900'000}}.dump();
    record_trigger(store, meeting);
  }
  s.advance_minutes(75);
  s.beat();  // 10:19
  REQUIRE(s.asks_about_away());
  Tmux t(s.home.root());
  t.line("devtrack checkin");
  REQUIRE(t.shows("You were away 09:04–10:19 (1 h 15 min): what was it?"));
  CHECK(t.shows("1) a break (nothing logged)"));
  CHECK(t.shows("3) Sprint planning (your calendar)"));
  CHECK(t.shows("skip (it shows in the summary)"));
  t.line("3");
  REQUIRE(t.shows("recorded prompt"));
  json away = s.away_entries();
  REQUIRE(away.size() == 1);
  CHECK(away[0]["response"]["text"] == "Sprint planning");
  CHECK(away[0]["response"]["duration_minutes"] == 75);
}

namespace {

// A private "system" bus with logind played by python3-dbusmock.
class MockLogind {
 public:
  explicit MockLogind(const std::string& root) : address_("unix:path=" + root + "/system_bus") {
    REQUIRE(fs::exists("/usr/bin/dbus-daemon"));
    auto bus = run("--session --fork --print-pid=1 --address='" + address_ + "'", "/usr/bin/dbus-daemon");
    REQUIRE(bus.status == 0);
    bus_pid_ = std::stoi(bus.out);
    auto mock = run("-c \"DBUS_SYSTEM_BUS_ADDRESS='" + address_ + "' /usr/bin/python3 -m dbusmock --system --template "
                    "logind >'" + root + "/dbusmock.log' 2>&1 & echo \\$!\"", "/bin/sh");
    REQUIRE(mock.status == 0);
    mock_pid_ = std::stoi(mock.out);
    REQUIRE(wait_until([&] { return python("bus.get_object('org.freedesktop.login1', '/org/freedesktop/login1')"); }));
    REQUIRE(python("m = bus.get_object('org.freedesktop.login1', '/org/freedesktop/login1'); "
                   "m.AddSession('c7', 'seat0', dbus.UInt32(" + std::to_string(::getuid()) + "), 'tester', True, "
                   "dbus_interface='org.freedesktop.DBus.Mock')"));
    set_env("DBUS_SYSTEM_BUS_ADDRESS", address_);
    set_env("XDG_SESSION_ID", "c7");
  }
  ~MockLogind() {
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    ::unsetenv("XDG_SESSION_ID");
    if (mock_pid_ > 0) ::kill(mock_pid_, SIGTERM);
    if (bus_pid_ > 0) ::kill(bus_pid_, SIGTERM);
  }
  // As the screen locker does: LockedHint changes, PropertiesChanged is sent.
  void set_locked(bool locked) {
    REQUIRE(python("s = bus.get_object('org.freedesktop.login1', '/org/freedesktop/login1/session/c7'); "
                   "s.UpdateProperties('org.freedesktop.login1.Session', {'LockedHint': " +
                   std::string(locked ? "True" : "False") + "}, dbus_interface='org.freedesktop.DBus.Mock')"));
  }

 private:
  bool python(const std::string& code) {
    return run("-c \"import dbus; bus = dbus.bus.BusConnection('" + address_ + "'); " + code + "\"",
               "/usr/bin/python3")
               .status == 0;
  }
  std::string address_;
  int bus_pid_ = 0, mock_pid_ = 0;
};

bool daemon_logged(const std::string& text) {
  return wait_until([&] { return run("logs -n 200 --source daemon").out.find(text) != std::string::npos ||
                                 run("logs -n 200").out.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a locked session (logind over D-Bus) is time away until it is unlocked") {
  if (run("-c 'import dbusmock'", "/usr/bin/python3").status != 0)
    FAIL("python3-dbusmock is not installed (scripts/test.sh installs it)");
  Setup s;
  MockLogind logind(s.home.root());
  s.start();
  s.work_a_little();
  logind.set_locked(true);
  REQUIRE(daemon_logged("the session is locked"));
  s.advance_minutes(40);
  s.beat();  // a build touching files while locked is no return
  CHECK(s.away_prompt().is_null());
  logind.set_locked(false);
  REQUIRE(s.asks_about_away());
  json away = s.away_entries();
  REQUIRE(away.size() == 1);
  CHECK(away[0]["details"]["reason"] == "locked");
  CHECK(away[0]["details"]["suggested"]["minutes"] == 40);
}
