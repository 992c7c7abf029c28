// What the static bin/devtrack does where code would be loaded
// (util/library_loading.h): the time zone module and plugins are refused
// with an internal error that names them, before dlopen() is called. Its
// own executable: forbidding is for the rest of the process.
#include "util/library_loading.h"

#include <catch2/catch.hpp>

#include "plugin/loader.h"
#include "test_support.h"
#include "util/error.h"
#include "util/time_zone.h"

using namespace devtrack;
using namespace devtrack::test;
using Catch::Matchers::Contains;

TEST_CASE("where loading libraries is forbidden, the time zone module and plugins are refused by name") {
  CHECK(library_loading_allowed());
  CHECK_NOTHROW(require_library_loading("anything"));
  forbid_library_loading();
  CHECK_FALSE(library_loading_allowed());
  CHECK_THROWS_WITH(TimeZone::locate("Europe/Berlin"),
                    Contains("cannot load the time zone module") && Contains("devtrack-full"));
  PluginInfo good;
  good.path = plugin_dir("good") + "/good-tracker.so";
  CHECK_THROWS_WITH(load_plugin(good), Contains("cannot load the plugin " + good.path));
  // What needs no library still works.
  CHECK(TimeZone::exists("Europe/Berlin"));
}
