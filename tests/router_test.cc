// The daemon's verb table (core/ipc/router): unknown verbs, duplicate
// registrations, and the running daemon's verbs against docs/ipc.md.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ipc/ipc.h"
#include "ipc/router.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

// The verbs the "Commands" table of docs/ipc.md documents.
std::set<std::string> documented_verbs() {
  std::istringstream doc(slurp(source_dir() + "/docs/ipc.md"));
  std::set<std::string> verbs;
  bool in_table = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("## ", 0) == 0) in_table = line == "## Commands";
    if (!in_table || line.rfind("| `", 0) != 0) continue;
    size_t end = line.find('`', 3);
    verbs.insert(line.substr(3, end - 3));
  }
  return verbs;
}

}  // namespace

TEST_CASE("the router answers a verb, refuses an unknown one with did you mean, and a verb registered twice") {
  ipc::Router router;
  router.add("set-interval", [](const json& args) { return json{{"got", args.value("seconds", 0)}}; });
  CHECK(json::parse(router.handle({"set-interval", R"({"seconds": 90})", 0}))["got"] == 90);
  try {
    router.handle({"set-intervl", "{}", 0});
    FAIL("an unknown verb was answered");
  } catch (const ipc::RequestError& e) {
    CHECK(e.code() == "unknown_command");
    CHECK(std::string(e.what()) == "unknown command 'set-intervl' (did you mean 'set-interval'?)");
  }
  CHECK_THROWS_AS(router.add("set-interval", [](const json&) { return json(); }), std::logic_error);
  CHECK(json::parse(router.handle({"verbs", "{}", 0}))["verbs"] == json::array({"set-interval", "verbs"}));
}

TEST_CASE("the running daemon's verbs are exactly the ones docs/ipc.md documents") {
  TempHome home;
  RunningDaemon d;
  std::set<std::string> served;
  json reply = json::parse(ipc::call("verbs", "{}"));  // held: a range-for over a temporary's member dangles
  for (const auto& v : reply["verbs"]) served.insert(v.get<std::string>());
  std::set<std::string> documented = documented_verbs();
  CHECK(documented.size() > 15);  // the table was found
  CHECK(served == documented);
}
