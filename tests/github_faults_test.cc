// The GitHub plugin and the outbox under faults, through the recording,
// fault-injecting proxy (tests/peers/fault-proxy.js) in front of prism:
// every request still reaches GitHub's validated description, and the proxy
// remembers posted comments so find() can see an earlier post.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const PeerProxy peer{""};

std::string state_file(const std::string& name) { return peer.file(name); }

json control(const std::string& method, const std::string& path, const std::string& body = "") {
  return path == "/requests" ? peer.requests() : peer.control(method, path, body);
}

int comment_posts() {
  int n = 0;
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == "POST" && r["path"].get<std::string>().find("/issues/12/comments") != std::string::npos) ++n;
  return n;
}

int comments_recorded() {
  json c = control("GET", "/comments");
  return c.contains("/repos/acme/widgets/issues/12") ? static_cast<int>(c["/repos/acme/widgets/issues/12"].size()) : 0;
}

struct Setup {
  TempHome home;
  std::string repo;
  explicit Setup(const std::string& base_url = "", const std::string& network = "") {
    control("POST", "/reset");
    set_env("GH_TOKEN", "ghp_FaultTestToken0123456789");
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    std::string url = base_url.empty() ? "http://127.0.0.1:" + state_file("proxy.port") : base_url;
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\n"
         "network: {timeout: 2s" + network + "}\n"
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n"
         "  github: {enabled: true, base_url: \"" + url + "\"}\n");
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
    commit(repo, "fix the login redirect");
    REQUIRE(wait_until([&] { return json::parse(run("checkin --list --json").out).size() == 1; }));
    REQUIRE(run("checkin --answer 'fixed the login redirect, 30m, done'").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("GH_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json update() { return json::parse(run("updates list --json").out)[0]; }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
  bool settles_as(const std::string& state, int seconds = 20) {
    return wait_until([&] { return update()["state"] == state; }, seconds);
  }
  bool retried_until(const std::string& state) {
    return wait_advancing([&] { return update()["state"] == state; });
  }
};

}  // namespace

TEST_CASE("500, then 201: retried and posted once") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "status": 500}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  CHECK(s.update()["last_error"].get<std::string>().rfind("500", 0) == 0);
  REQUIRE(s.retried_until("sent"));
  CHECK(s.update()["remote_id"] == "1000");
  CHECK(comments_recorded() == 1);
}

TEST_CASE("429 and 403 with Retry-After are retried no sooner than asked, and 401 blocks") {
  Setup s;
  control("POST", "/faults",
          R"([{"method": "POST", "path": "/comments$", "status": 429, "headers": {"Retry-After": "600"}},
              {"method": "POST", "path": "/comments$", "status": 403, "headers": {"Retry-After": "600"},
               "body": "{\"message\": \"You have exceeded a secondary rate limit\"}"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  s.advance(500'000);  // Retry-After is 600 s
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(s.update()["attempts"] == 1);
  s.advance(3'700'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 2 && s.update()["state"] == "queued"; }));
  CHECK(s.update()["last_error"].get<std::string>().find("secondary rate limit") != std::string::npos);
  s.advance(3'700'000);
  REQUIRE(s.settles_as("sent"));
  CHECK(comments_recorded() == 1);
}

TEST_CASE("401 marks the tracker's updates blocked") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "status": 401,
                                  "body": "{\"message\": \"Bad credentials\"}"}])");
  s.advance(61'000);
  REQUIRE(s.settles_as("blocked"));
  CHECK(s.update()["last_error"] == "401 Bad credentials");
}

TEST_CASE("offline for a while: retried until the network is back") {
  Setup s;
  control("POST", "/offline", R"({"seconds": 2})");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  CHECK(s.update()["last_error"].get<std::string>().find("Couldn't connect") != std::string::npos);
  // Back online: the proxy listens again after its 2 s.
  REQUIRE(wait_until([] {
    return run("-s -o /dev/null http://127.0.0.1:" + state_file("proxy.port") + "/", "/usr/bin/curl").status == 0;
  }));
  REQUIRE(s.retried_until("sent"));
  CHECK(comments_recorded() == 1);
}

TEST_CASE("the request arrives but no reply comes: find() sees the post, no duplicate") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }, 20));
  CHECK(s.update()["last_error"].get<std::string>().find("Timeout") != std::string::npos);
  REQUIRE(s.retried_until("sent"));
  CHECK(s.update()["remote_id"] == "1000");
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 1);
}

TEST_CASE("kill -9 of the worker mid-send: exactly one comment") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  INFO(run("logs -n 100").out << run("updates list").out);
  REQUIRE(wait_until([&] { return comment_posts() == 1; }));
  int worker = json::parse(run("status --json").out)["worker"]["pid"];
  ::kill(worker, SIGKILL);
  REQUIRE(wait_until([&] { return json::parse(run("status --json").out)["worker"]["crashes"] == 1; }));
  REQUIRE(s.retried_until("sent"));  // past the restart backoff
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 1);
}

TEST_CASE("kill -9 of the daemon mid-send: exactly one comment after the restart") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return comment_posts() == 1; }));
  ::kill(json::parse(run("status --json").out)["pid"].get<int>(), SIGKILL);
  REQUIRE(wait_until([] { return !ipc::daemon_running(); }));
  CHECK(s.update()["state"] == "sending");
  REQUIRE(run("start").status == 0);
  REQUIRE(s.settles_as("sent"));
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 1);
}

TEST_CASE("TLS: a server with a private CA is refused, then trusted with network.ca_file") {
  TempHome certs;
  std::string dir = certs.root();
  std::string openssl = "/usr/bin/openssl";
  REQUIRE(run("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout '" + dir + "/ca.key' -out '" +
                  dir + "/ca.pem'", openssl).status == 0);
  spit(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  REQUIRE(run("req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout '" + dir + "/srv.key' -out '" + dir +
                  "/srv.csr'", openssl).status == 0);
  REQUIRE(run("x509 -req -in '" + dir + "/srv.csr' -CA '" + dir + "/ca.pem' -CAkey '" + dir +
                  "/ca.key' -CAcreateserial -days 2 -extfile '" + dir + "/ext.cnf' -out '" + dir + "/srv.pem'",
              openssl).status == 0);
  fs::create_directories(dir + "/tls");
  std::string prism = "http://127.0.0.1:" + slurp(build_dir() + "/tests/peers-state/github.port").substr(0, 5);
  prism = prism.substr(0, prism.find('\n'));
  run("-c 'setsid node \"" + source_dir() + "/tests/peers/fault-proxy.js\" " + prism + " \"" + dir +
          "/tls\" --tls \"" + dir + "/srv.pem\" \"" + dir + "/srv.key\" >/dev/null 2>&1 </dev/null & echo $! > \"" +
          dir + "/tls/pid\"'",
      "/bin/sh");
  REQUIRE(wait_until([&] { return fs::exists(dir + "/tls/control.port"); }));
  std::string url = "https://127.0.0.1:" + slurp(dir + "/tls/proxy.port");
  {
    Setup s(url);
    s.advance(61'000);
    INFO(run("updates list --json").out);
    REQUIRE(s.settles_as("failed"));
    CHECK(s.update()["last_error"].get<std::string>().find("certificate is not trusted") != std::string::npos);
  }
  {
    Setup s(url, ", ca_file: \"" + dir + "/ca.pem\"");
    s.advance(61'000);
    REQUIRE(s.settles_as("sent"));
  }
  run("-c 'kill $(cat \"" + dir + "/tls/pid\")'", "/bin/sh");
}

TEST_CASE("403 with x-ratelimit-remaining 0 waits until x-ratelimit-reset") {
  Setup s;
  // The worker's test clock starts at 08:00:00Z: the reset is 15 minutes on.
  control("POST", "/faults",
          R"([{"method": "POST", "path": "/comments$", "status": 403,
               "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1780301700"},
               "body": "{\"message\": \"API rate limit exceeded\"}"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  CHECK(s.update()["last_error"].get<std::string>().find("API rate limit exceeded") != std::string::npos);
  s.advance(800'000);  // not yet at the reset
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(s.update()["attempts"] == 1);
  s.advance(3'700'000);
  REQUIRE(s.settles_as("sent"));
  CHECK(comments_recorded() == 1);
}

TEST_CASE("a correction after the post edits the GitHub comment (PATCH, valid for GitHub's description)") {
  Setup s;
  s.advance(61'000);
  REQUIRE(s.settles_as("sent"));
  REQUIRE(run("checkin --edit 1 --answer 'fixed the login redirect and the logout, 45m, done'").status == 0);
  s.advance(61'000);
  REQUIRE(wait_until([&] {  // answered (the proxy logs a request before prism replies)
    for (const auto& r : control("GET", "/requests"))
      if (r["method"] == "PATCH" && r.contains("status")) return true;
    return false;
  }));
  json patch;
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == "PATCH") patch = r;
  CHECK(patch["path"] == "/repos/acme/widgets/issues/comments/1000");
  CHECK(patch["status"] == 200);  // prism accepted it
  CHECK(json::parse(patch["body"].get<std::string>())["body"].get<std::string>().find("and the logout") !=
        std::string::npos);
  REQUIRE(s.settles_as("sent"));
  CHECK(comment_posts() == 1);
}

TEST_CASE("assigned issues: every Link page is followed, cached, and listed offline") {
  Setup s;
  // The prompt fetched the list by itself (one page: prism's example).
  auto issue_lists = [] {
    int n = 0;
    for (const auto& r : control("GET", "/requests"))
      n += r["method"] == "GET" && r["path"].get<std::string>().rfind("/issues?", 0) == 0 && r.contains("status");
    return n;
  };
  REQUIRE(wait_until([&] { return issue_lists() == 1; }));
  control("POST", "/reset");
  control("POST", "/faults", R"([{"method": "GET", "path": "^/issues$", "action": "paginate", "pages": 3,
                                  "times": 10}])");
  auto fetched = run("tickets --refresh --json");
  INFO(fetched.out << fetched.err << run("logs -n 50").out);
  REQUIRE(fetched.status == 0);
  std::vector<std::string> pages;
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == "GET" && r["path"].get<std::string>().rfind("/issues?", 0) == 0) {
      CHECK(r["status"] == 200);
      pages.push_back(r["path"]);
    }
  REQUIRE(pages.size() == 3);
  CHECK(pages[0].find("filter=assigned") != std::string::npos);
  CHECK(pages[2].find("page=3") != std::string::npos);
  json tickets = json::parse(fetched.out);
  REQUIRE(tickets.size() >= 3);
  CHECK(tickets.size() % 3 == 0);  // each page's issues, once
  CHECK(tickets[0]["plugin"] == "github");
  CHECK(tickets[0]["ticket"]["system"] == "github");
  CHECK(tickets[0]["ticket"]["number"].is_number());
  CHECK(!tickets[0]["title"].get<std::string>().empty());
  // Offline (no daemon, no network): the kept list still answers.
  run("stop");
  control("POST", "/offline", R"({"seconds": 2})");
  json kept = json::parse(run("tickets --json").out);
  CHECK(kept.size() == tickets.size());
  CHECK(run("tickets").out.find(tickets[0]["title"].get<std::string>()) != std::string::npos);
}

TEST_CASE("kill -9 of the daemon while its worker's post is in flight: the next worker waits out the lease") {
  Setup s;
  // The server takes 1.5 s before the post is made (less than the 2 s
  // timeout): the orphaned worker's request lands after the new daemon's
  // worker has started. Without the lease it looks with find(), sees
  // nothing yet, and posts a second comment.
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "delay", "ms": 1500}])");
  s.advance(61'000);
  // A cold worker on a loaded machine (the kill storm may have just run):
  // a generous bound, not a timing.
  REQUIRE(wait_advancing([&] { return comment_posts() == 1; }, 60));
  ::kill(json::parse(run("status --json").out)["pid"].get<int>(), SIGKILL);
  REQUIRE(wait_until([] { return !ipc::daemon_running(); }));
  REQUIRE(run("start").status == 0);
  INFO(run("logs -n 100").out);
  // The new worker waits out the orphan's lease (2 s timeout + 10 s), then
  // finds the orphan's comment; retries move with the test clock.
  REQUIRE(s.retried_until("sent"));
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 1);
}

TEST_CASE("find() pages through a busy issue: an earlier post beyond the first 100 comments is found") {
  Setup s;
  json others = json::array();
  for (int i = 0; i < 150; ++i) others.push_back("a comment by someone else, " + std::to_string(i));
  control("POST", "/seed", json{{"thread", "/repos/acme/widgets/issues/12"}, {"bodies", others}}.dump());
  // The post arrives (the 151st comment, on page 2) but its reply is lost.
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  REQUIRE(s.retried_until("sent"));
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 151);
  CHECK(s.update()["remote_id"] == "1150");
  // Newest first: page 1, then the last page, where the post is.
  std::vector<std::string> lists;
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == "GET" && r["path"].get<std::string>().find("/issues/12/comments") != std::string::npos)
      lists.push_back(r["path"]);
  REQUIRE(lists.size() == 2);
  CHECK(lists[1].find("page=2") != std::string::npos);
}

TEST_CASE("find() that cannot look (500) is retried, not answered with a blind second post") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/comments$", "action": "hang"},
                                  {"method": "GET", "path": "/issues/12/comments$", "status": 500}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  REQUIRE(s.retried_until("sent"));
  CHECK(s.update()["attempts"] == 3);  // the lost reply, the failed look, the look that found it
  CHECK(comment_posts() == 1);
  CHECK(comments_recorded() == 1);
}
