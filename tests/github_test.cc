// The GitHub plugin against prism serving GitHub's own OpenAPI description
// (tests/peers, started once per run by the github_peer fixture). Prism
// validates every request DevTrack sends: a bad body is a 422, no token a
// 401, and either fails these tests.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
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
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  timer: {enabled: false}\n"
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

TEST_CASE("a GitHub ticket without a repository is said at once, with what to do, and nothing is queued") {
  Setup s;
  git("-C '" + s.repo + "' remote remove origin");
  commit(s.repo, "fix the login redirect");
  REQUIRE(wait_until([&] { return !json::parse(run("checkin --list --json").out).empty(); }));
  auto r = run("checkin --answer '#7 fixed'");
  CHECK(r.status == 0);  // the answer is kept
  CHECK(r.err.find("#7 names no repository, so nothing goes to GitHub Issues for it: write owner/name#7") !=
        std::string::npos);
  run("sync --wait 30");
  CHECK(s.updates().empty());
}

// tracker.comments (issue 14 item 10): the day's answers on a ticket go to
// one comment, amended as they arrive. Through the recording proxy, which
// logs every request and remembers posted comments for find().
namespace {

const PeerProxy proxy{""};

// Requests on issue 12's comments by method: POST creates, PATCH amends.
int requests_on_12(const std::string& method) {
  int n = 0;
  for (const auto& r : proxy.requests()) {
    std::string path = r["path"];
    bool on_12 = path.find("/issues/12/comments") != std::string::npos ||
                 (method == "PATCH" && path.find("/issues/comments/") != std::string::npos);
    if (r["method"] == method && on_12 && r.contains("status")) ++n;
  }
  return n;
}

// The text GitHub holds now: the body of the last create or edit answered.
std::string comment_now() {
  std::string body;
  for (const auto& r : proxy.requests())
    if ((r["method"] == "POST" || r["method"] == "PATCH") && r.contains("status") &&
        r["path"].get<std::string>().find("comments") != std::string::npos)
      body = json::parse(r["body"].get<std::string>())["body"];
  return body;
}

struct DailySetup {
  TempHome home;
  std::string repo;
  int commits = 0;
  explicit DailySetup(const std::string& comments_line) {
    proxy.control("POST", "/reset");
    set_env("GH_TOKEN", kToken);
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         // network.timeout keeps the send lease short (timeout + 10 s): a
         // test that kills a worker mid-post waits it out.
         // The deliveries move the clock on by hours without activity: time
         // away, whose question is not what these tests are about.
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\nnetwork: {timeout: 3s}\naway: {ask: false}\n" +
             comments_line +
             "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  timer: {enabled: false}\n"
             "  github: {enabled: true, base_url: \"" + proxy.url() + "\"}\n");
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~DailySetup() {
    run("stop");
    ::unsetenv("GH_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  // A commit on the #12 branch, answered with `text`.
  void answer(const std::string& text) {
    commit(repo, "step " + std::to_string(++commits) + " of the login fix");
    REQUIRE(wait_until([&] { return !json::parse(run("checkin --list --json").out).empty(); }));
    REQUIRE(run("checkin --answer '" + text + "'").status == 0);
  }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
  json updates() { return json::parse(run("updates list --json").out); }
  bool all_sent() {
    json u = updates();
    for (const auto& r : u)
      if (r["state"] != "sent") return false;
    return !u.empty();
  }
  // Past the grace delay, until every comment went out.
  void deliver() {
    advance(61'000);
    INFO(run("logs -n 100").out << run("updates list").out);
    REQUIRE(wait_advancing([&] { return all_sent(); }));
  }
};

}  // namespace

TEST_CASE("tracker.comments daily: three answers on #12 in a day are one comment, amended, all texts in order") {
  DailySetup s("tracker: {grace: 1m}\n");  // daily is the default
  s.answer("fixed the login redirect, 30m");
  s.deliver();
  s.answer("the logout button too");
  s.deliver();
  s.answer("tests for both, 15m, done");
  s.deliver();
  CHECK(requests_on_12("POST") == 1);
  CHECK(requests_on_12("PATCH") == 2);
  std::string text = comment_now();
  INFO(text);
  size_t a = text.find("fixed the login redirect"), b = text.find("the logout button too"),
         c = text.find("tests for both");
  CHECK(a != std::string::npos);
  CHECK(b != std::string::npos);
  CHECK(c != std::string::npos);
  CHECK((a < b && b < c));
  CHECK(s.updates().size() == 1);  // one row for the day's comment
  // The summary still shows each answer.
  std::string summary = run("summary").out;
  CHECK(summary.find("the logout button too") != std::string::npos);
  CHECK(summary.find("tests for both") != std::string::npos);
}

TEST_CASE("tracker.comments daily: an answer the next day is a new comment") {
  DailySetup s("tracker: {grace: 1m, comments: daily}\n");
  s.answer("fixed the login redirect, 30m");
  s.deliver();
  s.advance(24 * 3600 * 1000LL);
  // The CLI's test clock does not move with the daemon's: start it a day on.
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-02T08:02:00Z");
  s.answer("the logout button too");
  s.deliver();
  CHECK(requests_on_12("POST") == 2);
  CHECK(requests_on_12("PATCH") == 0);
  CHECK(comment_now().find("fixed the login redirect") == std::string::npos);
}

TEST_CASE("tracker.comments each: one comment per answer") {
  DailySetup s("tracker: {grace: 1m, comments: each}\n");
  s.answer("fixed the login redirect, 30m");
  s.answer("the logout button too");
  s.answer("tests for both, 15m, done");
  s.deliver();
  CHECK(requests_on_12("POST") == 3);
  CHECK(s.updates().size() == 3);
}

TEST_CASE("an answer accepted with Enter posts its commits' subjects, not a placeholder") {
  for (std::string mode : {"each", "daily"}) {
    INFO(mode);
    DailySetup s("tracker: {grace: 1m, comments: " + mode + "}\n");
    s.answer("");  // Enter on the branch's #12: nothing typed
    std::string id = head(s.repo).substr(0, 7);
    s.deliver();
    std::string text = comment_now();
    INFO(text);
    CHECK(text.find(id + " step 1 of the login fix") != std::string::npos);
    CHECK(text.find("Worked on this.") == std::string::npos);
    json u = s.updates();
    REQUIRE(u.size() == 1);
    // The summary still says it was accepted, not typed.
    json summary = json::parse(run("summary --format json").out);
    CHECK(summary["projects"][0]["tickets"][0]["answers"][0]["accepted"] == true);
    run("stop");
  }
}

TEST_CASE("tracker.comments daily: kill -9 of the worker between the post and the amend, one comment with every text") {
  DailySetup s("tracker: {grace: 1m}\n");
  s.answer("fixed the login redirect, 30m");
  // The post reaches GitHub (the proxy remembers it) but its reply never comes.
  proxy.control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] {
    for (const auto& r : proxy.requests())
      if (r["method"] == "POST" && r["path"].get<std::string>().find("/issues/12/comments") != std::string::npos)
        return true;
    return false;
  }));
  s.answer("the logout button too");  // arrives while the first text is in flight
  int worker = json::parse(run("status --json").out)["worker"]["pid"];
  ::kill(worker, SIGKILL);
  s.deliver();
  int posts = 0;
  for (const auto& r : proxy.requests())
    if (r["method"] == "POST" && r["path"].get<std::string>().find("/issues/12/comments") != std::string::npos) ++posts;
  CHECK(posts == 1);
  json recorded = proxy.control("GET", "/comments");
  CHECK(recorded["/repos/acme/widgets/issues/12"].size() == 1);
  std::string text = comment_now();
  INFO(text);
  CHECK(text.find("fixed the login redirect") != std::string::npos);
  CHECK(text.find("the logout button too") != std::string::npos);
}

TEST_CASE("a ticket GitHub says does not exist is learned and not proposed again") {
  DailySetup s("");
  // GitHub answers 404 for issue 4040: resolve() reaches the host as not found.
  proxy.control("POST", "/faults",
                json::array({{{"method", "GET"}, {"path", "/issues/4040$"}, {"status", 404}, {"times", 20},
                              {"body", R"({"message":"Not Found"})"}}})
                    .dump());
  s.answer("looked at acme/widgets#4040 and #12, 10m");
  REQUIRE(wait_advancing([&] {
    json l = json::parse(run("learned list --json").out);
    return l.size() == 1 && l[0]["kind"] == "not_found";
  }));
  json l = json::parse(run("learned list --json").out);
  CHECK(l[0]["ticket"]["number"] == 4040);
  CHECK(l[0]["why"] == "GitHub Issues says acme/widgets#4040 does not exist");
  // The next answer naming it keeps #12 only, and says why.
  commit(s.repo, "one more step");
  REQUIRE(wait_until([&] { return !json::parse(run("checkin --list --json").out).empty(); }));
  json parsed = json::parse(run("checkin --answer 'acme/widgets#4040 again, and #12, 5m' --json").out)["parsed"];
  INFO(parsed.dump());
  REQUIRE(parsed["tickets"].size() == 1);
  CHECK(parsed["tickets"][0]["number"] == 12);
  CHECK(parsed["not_found"][0]["number"] == 4040);
  CHECK(parsed["learned"][0]["action"] == "dropped");
  // Forgotten, it is proposed again.
  CHECK(run("learned forget --all").out == "forgot 1 thing learned\n");
  json again = json::parse(run("parse --json 'acme/widgets#4040'").out);
  CHECK(again["tickets"].size() == 1);
}
