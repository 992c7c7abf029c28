#include <catch2/catch.hpp>

#include "util/duration.h"
#include "util/strings.h"

using namespace devtrack;
using std::chrono::seconds;

TEST_CASE("durations parse the forms users write") {
  CHECK(parse_duration("90s") == seconds(90));
  CHECK(parse_duration("15m") == seconds(900));
  CHECK(parse_duration("3h") == seconds(10800));
  CHECK(parse_duration("1h30m") == seconds(5400));
  CHECK(parse_duration("2d") == seconds(172800));
  CHECK(parse_duration(" 45 ") == seconds(45));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("h"));
  CHECK_FALSE(parse_duration("1h30"));
  CHECK_FALSE(parse_duration("-5m"));
  CHECK_FALSE(parse_duration("99999999999999999999s"));
  CHECK_FALSE(parse_duration("5 fortnights"));
  CHECK_FALSE(parse_duration("1h 30"));
}

TEST_CASE("durations also parse the words people type") {
  CHECK(parse_duration("5 minutes") == seconds(300));
  CHECK(parse_duration("2 hours") == seconds(7200));
  CHECK(parse_duration("1 hour 30 min") == seconds(5400));
  CHECK(parse_duration("1h 30m") == seconds(5400));
  CHECK(parse_duration("2 days") == seconds(172800));
  CHECK(parse_duration("1 week") == seconds(604800));
}

TEST_CASE("durations past ten years are out of range, with the option named") {
  CHECK(duration_range_error("--for", seconds(3600)).empty());
  CHECK(duration_range_error("--for", kMaxDuration).empty());
  CHECK(duration_range_error("--for", *parse_duration("90000d")) ==
        "--for is 90000d, more than the maximum of 10 years (3650d)");
  CHECK(duration_range_error("x", seconds(-1)) == "x must not be negative");
  // Absurd sums do not overflow: they are not durations at all.
  CHECK_FALSE(parse_duration(std::string(2000, '9').insert(0, "1") + "d"));
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "99999999d";
  CHECK_FALSE(parse_duration(many));
}

TEST_CASE("durations format compactly") {
  CHECK(format_duration(seconds(5400)) == "1h30m");
  CHECK(format_duration(seconds(0)) == "0s");
  CHECK(format_duration(seconds(2592000)) == "30d");
}

TEST_CASE("did you mean finds likely typos only") {
  std::vector<std::string> keys = {"settings", "prompt", "tracker", "plugins"};
  CHECK(closest_match("setings", keys) == "settings");
  CHECK(closest_match("plugin", keys) == "plugins");
  CHECK(closest_match("zzzzzz", keys).empty());
  CHECK(did_you_mean("promt", keys) == " (did you mean 'prompt'?)");
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("split and join") {
  CHECK(split("a:b::c", ':') == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(join({"a", "b"}, ", ") == "a, b");
}
