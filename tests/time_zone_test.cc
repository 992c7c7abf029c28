// TimeZone through the real time zone module (build/lib/devtrack/
// libdevtrack-tz.so, dlopen()ed as the installed binaries do): offsets and
// abbreviations across DST, local times that happen twice or never, names
// the system's tzdata does not know, and a devtrack whose module is missing.
#include "util/time_zone.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.h"
#include "util/error.h"

using namespace devtrack;
using namespace devtrack::test;
using namespace std::chrono;

namespace {

date::sys_seconds utc(date::year_month_day day, int hour, int minute = 0) {
  return date::sys_days{day} + hours(hour) + minutes(minute);
}

date::local_time<milliseconds> local(date::year_month_day day, int hour, int minute = 0) {
  return date::local_days{day} + hours(hour) + minutes(minute);
}

constexpr auto kSpring = date::year{2026} / 3 / 29;   // Berlin: 02:00 -> 03:00
constexpr auto kAutumn = date::year{2026} / 10 / 25;  // Berlin: 03:00 -> 02:00

}  // namespace

TEST_CASE("a zone's offset and abbreviation change at its DST transition") {
  const TimeZone& berlin = TimeZone::locate("Europe/Berlin");
  CHECK(berlin.name() == "Europe/Berlin");
  std::string abbrev;
  CHECK(berlin.offset_at(utc(kSpring, 0, 59), &abbrev) == hours(1));
  CHECK(abbrev == "CET");
  CHECK(berlin.offset_at(utc(kSpring, 1), &abbrev) == hours(2));
  CHECK(abbrev == "CEST");
  CHECK(berlin.offset_text(utc(kSpring, 1)) == "+02:00");
  CHECK(berlin.offset_text(utc(kSpring, 1), false) == "+0200");
  CHECK(TimeZone::locate("America/St_Johns").offset_text(utc(kSpring, 12)) == "-02:30");
  // Milliseconds survive the round trip.
  auto at = date::sys_time<milliseconds>{utc(kAutumn, 12)} + milliseconds(789);
  CHECK(berlin.to_local(at) == local(kAutumn, 13) + milliseconds(789));
  CHECK(berlin.to_sys(berlin.to_local(at), TimeZone::Choose::earliest) == at);
}

TEST_CASE("a local time that happens twice is read as the earlier or the later, one that never happens as the jump") {
  const TimeZone& berlin = TimeZone::locate("Europe/Berlin");
  // 02:30 on the autumn day happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
  CHECK(berlin.to_sys(local(kAutumn, 2, 30), TimeZone::Choose::earliest) == utc(kAutumn, 0, 30));
  CHECK(berlin.to_sys(local(kAutumn, 2, 30), TimeZone::Choose::latest) == utc(kAutumn, 1, 30));
  // 02:30 on the spring day never happens: the clocks jumped at 01:00 UTC.
  CHECK(berlin.to_sys(local(kSpring, 2, 30), TimeZone::Choose::earliest) == utc(kSpring, 1));
  CHECK(berlin.to_sys(local(kSpring, 2, 30), TimeZone::Choose::latest) == utc(kSpring, 1));
}

TEST_CASE("a zone the tzdata does not know is refused by name, and exists() agrees with the module") {
  CHECK_THROWS_WITH(TimeZone::locate("Mars/Olympus_Mons"),
                    Catch::Contains("'Mars/Olympus_Mons' is not a known IANA time zone"));
  for (const char* known : {"Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"}) {
    INFO(known);
    CHECK(TimeZone::exists(known));
    CHECK_NOTHROW(TimeZone::locate(known));
  }
  for (const char* unknown : {"", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "Europe/Berlin\n",
                              "Europe", "Europe/"}) {
    INFO(unknown);
    CHECK_FALSE(TimeZone::exists(unknown));
  }
  CHECK_NOTHROW(TimeZone::locate(""));  // the system's
}

TEST_CASE("a devtrack whose time zone module is missing says so when it needs a local time") {
  TempHome home;
  std::string prefix = home.root() + "/prefix";
  std::filesystem::create_directories(prefix + "/bin");
  std::filesystem::create_directories(prefix + "/libexec/devtrack");
  std::filesystem::copy_file(build_dir() + "/bin/devtrack", prefix + "/bin/devtrack");
  std::filesystem::copy_file(build_dir() + "/libexec/devtrack/devtrack-full", prefix + "/libexec/devtrack/devtrack-full");
  spit(home.file("config.yaml"), "settings: {timezone: Europe/Berlin}\n");
  auto r = run("summary --date 2026-12-01", prefix + "/bin/devtrack");
  INFO(r.out + r.err);
  CHECK(r.status == 1);
  CHECK(r.err.find("cannot load the time zone module") != std::string::npos);
  CHECK(r.err.find("libdevtrack-tz.so") != std::string::npos);
  // What needs no local time still works.
  CHECK(run("--version", prefix + "/bin/devtrack").status == 0);
}
