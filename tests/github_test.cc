// The GitHub plugin against prism serving GitHub's own OpenAPI description
// (tests/peers, started once per run by the github_peer fixture). Prism
// validates every request DevTrack sends: a bad body is a 422, no token a
// 401, and either fails these tests.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kToken = "ghp_TestTokenValue0123456789abcdef";

std::string peer_port() {
  std::string file = build_dir() + "/tests/peers-state/github.port";
  if (!fs::exists(file)) FAIL("the GitHub peer (prism) is not running: see tests/peers/github-peer.sh");
  std::string port = slurp(file);
  return port.substr(0, port.find('\n'));
}

struct Setup {
  TempHome home;
  std::string repo;
  Setup() {
    set_env("GH_TOKEN", kToken);
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\n"
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n"
         "  github: {enabled: true, base_url: \"http://127.0.0.1:" + peer_port() + "\"}\n");
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("GH_TOKEN");
  }
  void commit_and_answer(const std::string& answer) {
    commit(repo, "fix the login redirect");
    REQUIRE(wait_until([&] { return !json::parse(run("checkin --list --json").out).empty(); }));
    REQUIRE(wait_until([&] {
      json list = json::parse(run("checkin --list --json").out);  // kept alive while we iterate
      for (const auto& c : list[0]["commits"])
        if (c["summary"] == "fix the login redirect") return true;
      return false;
    }));
    REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  json updates() { return json::parse(run("updates list --json").out); }
};


}  // namespace

TEST_CASE("end to end: commit, answer, one valid comment on issue 12, and the token is nowhere in clear") {
  Setup s;
  // The suggested issue is resolved through GitHub and cached for offline prompts.
  commit(s.repo, "start on the login redirect");
  REQUIRE(wait_until([&] {
    json l = json::parse(run("checkin --list --json").out);
    return !l.empty() && l[0]["suggestion_title"] == "Found a bug";  // the title in GitHub's example
  }));
  s.commit_and_answer("fixed the login redirect, 30m, done");
  json u = s.updates();
  REQUIRE(u.size() == 1);
  CHECK(u[0]["ticket"]["number"] == 12);
  auto sync = run("sync --wait 60");
  INFO(sync.out << sync.err << run("logs").out);
  CHECK(sync.status == 0);
  u = s.updates();
  CHECK(u[0]["state"] == "sent");
  CHECK(u[0]["remote_id"] == "1");  // the id in GitHub's example reply
  CHECK(u[0]["attempts"] == 1);

  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out +
                           run("updates list --json").out + run("log --json").out + run("status --json").out;
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("no token: the update is blocked with a clear message, not retried blindly") {
  Setup s;
  ::unsetenv("GH_TOKEN");
  CHECK(run("config check").err.find("warning: github: token: no GitHub token found") != std::string::npos);
  CHECK(run("doctor").out.find("FAIL  github: token: no GitHub token found") != std::string::npos);
  run("stop");
  REQUIRE(run("start").status == 0);
  s.commit_and_answer("fixed, 10m");
  run("sync --wait 30");
  json u = s.updates();
  CHECK(u[0]["state"] == "blocked");
  CHECK(u[0]["last_error"].get<std::string>().find("no GitHub token") != std::string::npos);
  CHECK(u[0]["attempts"] == 1);
  CHECK(run("status").out.find("github refused the credentials") != std::string::npos);
  set_env("GH_TOKEN", kToken);
  CHECK(run("doctor").out.find("ok    github: token: a token is configured") != std::string::npos);
}

TEST_CASE("a GitHub ticket without a repository fails with what to do") {
  Setup s;
  git("-C '" + s.repo + "' remote remove origin");
  s.commit_and_answer("#7 fixed");
  run("sync --wait 30");
  json u = s.updates();
  CHECK(u[0]["state"] == "failed");
  CHECK(u[0]["last_error"].get<std::string>().find("write owner/name#N, or set projects[].github") !=
        std::string::npos);
}
