// The calendar trigger (plugins/calendar) in the real daemon, on real .ics
// files the test writes and serves, through the clock seam: recurrence with
// an exception and a moved instance, a DST change, declined, cancelled,
// all-day and after-hours meetings, a zone named without a VTIMEZONE, a
// subscription URL read through the worker's fetch, and no second asking
// after a restart.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

const char* kBerlin =
    "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\n"
    "BEGIN:DAYLIGHT\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nDTSTART:19700329T020000\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nEND:DAYLIGHT\n"
    "BEGIN:STANDARD\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nDTSTART:19701025T030000\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nEND:STANDARD\nEND:VTIMEZONE\n";

std::string event(const std::string& uid, const std::string& summary, const std::string& start,
                  const std::string& end, const std::string& extra = "") {
  return "BEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20260301T000000Z\nSUMMARY:" + summary +
         "\nDTSTART;TZID=Europe/Berlin:" + start + "\nDTEND;TZID=Europe/Berlin:" + end + "\n" + extra + "END:VEVENT\n";
}

std::string calendar(const std::string& events, bool with_zone = true) {
  return "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//devtrack tests//EN\n" + std::string(with_zone ? kBerlin : "") +
         events + "END:VCALENDAR\n";
}

const std::string kMe = "ORGANIZER;CN=Me:mailto:me@acme.test\n";
std::string attendee(const std::string& who, const std::string& partstat) {
  return "ATTENDEE;CN=" + who + ";PARTSTAT=" + partstat + ":mailto:" + who + "@acme.test\n";
}

// 2026-03-26, a Thursday; Berlin changes to summer time on Sunday the 29th.
std::string office_calendar() {
  return calendar(
      event("standup", "Standup", "20260326T091500", "20260326T093000",
            kMe + "RRULE:FREQ=DAILY;COUNT=6\nEXDATE;TZID=Europe/Berlin:20260327T091500\n") +
      // Monday's standup moved to 13:00 (after the change to summer time).
      event("standup", "Standup (moved)", "20260330T130000", "20260330T131500",
            kMe + "RECURRENCE-ID;TZID=Europe/Berlin:20260330T091500\n") +
      event("planning", "Sprint planning", "20260326T100000", "20260326T110000",
            attendee("me", "ACCEPTED") + attendee("bob", "ACCEPTED")) +
      event("pitch", "Vendor pitch", "20260326T130000", "20260326T140000", attendee("me", "DECLINED")) +
      event("widgets", "Widgets sync", "20260326T150000", "20260326T153000",
            attendee("me", "ACCEPTED") + attendee("carol", "NEEDS-ACTION")) +
      event("cancelled", "Cancelled retro", "20260326T160000", "20260326T163000", kMe + "STATUS:CANCELLED\n") +
      event("late", "Late call", "20260326T190000", "20260326T200000", kMe) +
      "BEGIN:VEVENT\nUID:offsite\nDTSTAMP:20260301T000000Z\nSUMMARY:Offsite\nDTSTART;VALUE=DATE:20260326\n"
      "DTEND;VALUE=DATE:20260327\nEND:VEVENT\n");
}

std::string config(const std::vector<std::string>& sources) {
  std::string list;
  for (const auto& s : sources) list += (list.empty() ? "" : ", ") + json(s).dump();
  return "settings: {timezone: Europe/Berlin, work_hours: \"08:00-18:00\"}\n"
         "projects:\n  - id: widgets\n"
         "plugins:\n  rules: {enabled: true}\n  timer: {enabled: false}\n  editor: {enabled: false}\n"
         "  calendar: {enabled: true, me: [me@acme.test], refresh: 15m, sources: [" + list + "]}\n";
}

// The calendar triggers' payloads stored so far, by meeting end.
std::vector<json> asked() {
  std::vector<json> out;
  for (const auto& t : json::parse(run("log --json --lines 100").out))
    if (t["kind"] == "calendar") out.push_back(t["details"]);
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["end_ms"] < b["end_ms"]; });
  return out;
}

int64_t ms(const std::string& iso) {  // "2026-03-26T08:15:00Z"
  std::tm tm{};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

void advance(int64_t by_ms) { ipc::call("clock.advance", json{{"ms", by_ms}}.dump()); }

}  // namespace

TEST_CASE("calendar: accepted meetings are asked when they end, across a recurrence, its exceptions and a DST change") {
  TempHome home;
  std::string office = home.root() + "/office.ics", design = home.root() + "/design.ics";
  spit(office, office_calendar());
  // Named zone, no VTIMEZONE (as many exporters write it): the system's.
  spit(design, calendar(event("design", "Design review", "20260330T140000", "20260330T150000", kMe) +
                            event("retro", "Retro", "20260331T150000", "20260331T153000", kMe),
                        false));
  {
    set_env("DEVTRACK_TEST_CLOCK", "2026-03-26T06:00:00Z");
    RunningDaemon d(config({office, design}));
    ::unsetenv("DEVTRACK_TEST_CLOCK");
    REQUIRE(wait_until([] { return plugin_state(RunningDaemon::status(), "calendar") == "running"; }));
    advance(ms("2026-03-26T20:00:00Z") - ms("2026-03-26T06:00:00Z"));
    REQUIRE(wait_until([] { return asked().size() >= 3; }));
    auto first = asked();
    REQUIRE(first.size() == 3);
    CHECK(first[0]["title"] == "Standup");
    CHECK(first[0]["start_ms"] == ms("2026-03-26T08:15:00Z"));  // 09:15 CET
    CHECK(first[1]["title"] == "Sprint planning");
    CHECK(first[1]["suggested"]["minutes"] == 60);
    CHECK(first[1]["hint"].get<std::string>().find("bob@acme.test") != std::string::npos);
    CHECK(first[2]["title"] == "Widgets sync");
    // The host guessed the project from the title, by the parser's rules.
    CHECK(first[2]["suggested"]["project"] == "widgets");
    json pending = json::parse(run("checkin --list --json").out);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0]["kind"] == "calendar");
    CHECK(pending[0]["about"][0] == "What came out of 'Widgets sync' (15:00\u201315:30)?");

    // Over the weekend (not asked: Saturday and Sunday's standups; Friday's
    // is an exception) into summer time.
    advance(ms("2026-03-31T12:00:00Z") - ms("2026-03-26T20:00:00Z"));
    REQUIRE(wait_until([] { return asked().size() >= 6; }));
    auto later = asked();
    INFO(json(later).dump(1));
    REQUIRE(later.size() == 6);
    CHECK(later[3]["title"] == "Standup (moved)");
    CHECK(later[3]["start_ms"] == ms("2026-03-30T11:00:00Z"));  // 13:00 CEST
    CHECK(later[4]["title"] == "Design review");
    CHECK(later[4]["start_ms"] == ms("2026-03-30T12:00:00Z"));  // 14:00 CEST
    CHECK(later[5]["title"] == "Standup");
    CHECK(later[5]["start_ms"] == ms("2026-03-31T07:15:00Z"));  // 09:15 CEST, an hour earlier in UTC
  }
  // A restart asks nothing twice, and what ends next once.
  set_env("DEVTRACK_TEST_CLOCK", "2026-03-31T12:00:00Z");
  RunningDaemon again(config({office, design}));
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  REQUIRE(wait_until([] { return plugin_state(RunningDaemon::status(), "calendar") == "running"; }));
  advance(2 * 3600'000);
  REQUIRE(wait_until([] { return asked().size() >= 7; }));
  auto after = asked();
  CHECK(after.size() == 7);
  CHECK(after.back()["title"] == "Retro");
}

TEST_CASE("calendar: a subscription URL is read through the worker, refreshed, and a broken source harms no other") {
  TempHome home;
  std::string www = home.root() + "/www";
  std::filesystem::create_directories(www);
  spit(www + "/team.ics", calendar(event("one", "Roadmap", "20260326T100000", "20260326T110000", kMe)));
  spit(www + "/garbage.ics", "\x89PNG not a calendar \xff\xfe");
  FileServer server(www);
  set_env("DEVTRACK_TEST_CLOCK", "2026-03-26T06:00:00Z");
  RunningDaemon d(config({server.url("team.ics"), server.url("missing.ics"), server.url("garbage.ics")}));
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  REQUIRE(wait_until([] { return plugin_state(RunningDaemon::status(), "calendar") == "running"; }));
  advance(ms("2026-03-26T10:01:00Z") - ms("2026-03-26T06:00:00Z"));  // Roadmap ends at 11:00 CET
  bool one = wait_until([] { return asked().size() == 1; });
  INFO(run("logs -n 100").out);
  REQUIRE(one);
  CHECK(asked()[0]["title"] == "Roadmap");
  // A meeting added to the subscription is seen at the next refresh.
  spit(www + "/team.ics", calendar(event("one", "Roadmap", "20260326T100000", "20260326T110000", kMe) +
                                   event("two", "Incident review", "20260326T103000", "20260326T111500", kMe)));
  advance(16 * 60'000);  // the refresh, then the new meeting's end
  REQUIRE(wait_until([] { return asked().size() == 2; }));
  CHECK(asked()[1]["title"] == "Incident review");
  // The doctor names the broken sources, and not the URL's path.
  Result doctor = run("doctor --json");
  INFO(doctor.out);
  CHECK(doctor.out.find("HTTP 404") != std::string::npos);
  CHECK(doctor.out.find("not an iCalendar file") != std::string::npos);
  CHECK(doctor.out.find("missing.ics") == std::string::npos);
  // A host that cannot be reached is said without the URL's private path either.
  spit(home.file("config.yaml"), config({"webcal://127.0.0.1:1/private-token-123/me.ics"}));
  REQUIRE(run("reload").status == 0);
  REQUIRE(wait_until([] { return run("doctor --json").out.find("127.0.0.1:1/") != std::string::npos; }));
  CHECK(run("doctor --json").out.find("private-token-123") == std::string::npos);
  // ...nor in the worker's log line about the failed request.
  REQUIRE(wait_until([] { return run("logs -n 1000").out.find("127.0.0.1:1/.../me.ics") != std::string::npos; }));
  CHECK(run("logs -n 1000").out.find("private-token-123") == std::string::npos);
  CHECK(run("status").status == 0);
}
