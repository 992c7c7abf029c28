// What DevTrack learns about reading answers (checkin/learning.h): a
// ticket a tracker said does not exist, a correction made with `checkin
// --edit`, and the repository's history — on a real store, through the
// real CLI and daemon. (A 404 from a real tracker peer: github_test.)
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "checkin/learning.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

const char* kConfig =
    "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
    "projects:\n"
    "  - id: billing\n    trackers: {jira: [BILL]}\n"
    "  - id: payments\n    trackers: {jira: [PAY]}\n"
    "plugins: {git: {enabled: true}, timer: {enabled: false}, rules: {enabled: true}}\n";

struct Setup {
  TempHome home;
  std::string repo;
  int commits = 0;
  Setup() {
    spit(home.file("config.yaml"), kConfig);
    repo = make_repo(home.root() + "/exports", "git@github.com:acme/exports.git");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~Setup() { run("stop"); }
  // A commit in the repository, answered with `text`; the stored parse.
  json answer(const std::string& text) {
    commit(repo, "change " + std::to_string(++commits));
    REQUIRE(wait_until([&] { return !json::parse(run("checkin --list --json").out).empty(); }));
    auto r = run("checkin --answer '" + text + "' --json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    return json::parse(r.out)["parsed"];
  }
  json parse(const std::string& text) {
    return json::parse(run("parse --json --repo '" + repo + "' '" + text + "'").out);
  }
};

std::vector<std::string> keys(const json& parsed) {
  std::vector<std::string> out;
  for (const auto& t : parsed.value("tickets", json::array())) out.push_back(t.value("key", ""));
  return out;
}

}  // namespace

TEST_CASE("a ticket the tracker said does not exist is not proposed again, until forgotten") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  json kip = {{"tracker", "jira"}, {"system", "jira"}, {"show", "{key}"}, {"key", "KIP-848"}};
  json bill = {{"tracker", "jira"}, {"system", "jira"}, {"show", "{key}"}, {"key", "BILL-7"}};
  learn_not_found(store, kip, "Jira says KIP-848 does not exist", 1000);
  CHECK(known_not_found(store, kip));
  json parsed = {{"tickets", {kip, bill}}};
  apply_learning(store, "/src/x", "", parsed);
  CHECK(parsed["tickets"] == json::array({bill}));
  CHECK(parsed["not_found"] == json::array({kip}));
  CHECK(parsed["learned"][0]["action"] == "dropped");
  CHECK(parsed["learned"][0]["why"] == "Jira says KIP-848 does not exist");
  auto all = learned(store);
  REQUIRE(all.size() == 1);
  CHECK(all[0].kind == "not_found");
  CHECK(forget_learned(store, all[0].key) == 1);
  json again = {{"tickets", {kip}}};
  apply_learning(store, "/src/x", "", again);
  CHECK(again["tickets"].size() == 1);
  CHECK_FALSE(again.contains("learned"));
}

TEST_CASE("a correction made with checkin --edit is applied to the next answer in that repository only") {
  Setup s;
  CHECK(keys(s.answer("exports for BILL-12, 30m")) == std::vector<std::string>{"BILL-12"});
  REQUIRE(run("checkin --edit 1 --answer 'exports for BILL-21, 30m'").status == 0);
  json l = json::parse(run("learned list --json").out);
  REQUIRE(l.size() == 1);
  CHECK(l[0]["kind"] == "correction");
  CHECK(l[0]["ticket"]["key"] == "BILL-12");
  CHECK(l[0]["instead"]["key"] == "BILL-21");
  // The same slip next time becomes the ticket the user meant, and says so.
  json next = s.answer("more exports on BILL-12, 15m");
  CHECK(keys(next) == std::vector<std::string>{"BILL-21"});
  CHECK(next["learned"][0]["action"] == "replaced");
  json explained = json::parse(run("parse --json --explain --repo '" + s.repo + "' BILL-12").out);
  CHECK(explained["learned"][0]["instead"]["key"] == "BILL-21");
  // Elsewhere, and with --no-learning, BILL-12 is BILL-12.
  CHECK(keys(json::parse(run("parse --json BILL-12").out)) == std::vector<std::string>{"BILL-12"});
  CHECK(keys(json::parse(run("parse --json --no-learning --repo '" + s.repo + "' BILL-12").out)) ==
        std::vector<std::string>{"BILL-12"});
  // Forgotten, it is read as written again.
  CHECK(run("learned forget --all").status == 0);
  CHECK(keys(s.parse("BILL-12")) == std::vector<std::string>{"BILL-12"});
  CHECK(run("learned forget nothing-like-this").status != 0);
  // Another piece of work written over an answer teaches nothing.
  REQUIRE(run("checkin --edit 2 --answer 'sprint planning for PAY-4 and the retro, 2h'").status == 0);
  CHECK(json::parse(run("learned list --json").out).empty());
}

TEST_CASE("the repository's earlier answers name the project and the branch's ticket an answer leaves out") {
  Setup s;
  // A new repository: nothing to go on.
  CHECK(s.answer("looked at the csv quoting")["project"].is_null());
  for (int i = 0; i < 3; ++i) s.answer("BILL-" + std::to_string(40 + i) + " exports");
  json p = s.answer("more csv quoting");
  CHECK(p["project"] == "billing");
  CHECK(p["learned"][0]["why"] == "every earlier answer in this repository");
  // Answers on a branch that all named one ticket: the next one takes it.
  git("-C '" + s.repo + "' checkout -q -b feature/quoting");
  s.answer("PAY-9 quoting");
  json q = s.answer("quoting, more tests");
  CHECK(keys(q) == std::vector<std::string>{"PAY-9"});
  CHECK(q["from_history"] == true);
  // Two projects in the repository's history: none is taken.
  CHECK(s.answer("docs")["project"].is_null());
}
