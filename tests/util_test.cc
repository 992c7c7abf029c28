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
  CHECK_FALSE(parse_duration("5 minutes"));
  CHECK_FALSE(parse_duration("-5m"));
  CHECK_FALSE(parse_duration("99999999999999999999s"));
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
