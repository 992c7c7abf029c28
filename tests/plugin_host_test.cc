#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "event/loop.h"
#include "plugin/fetcher.h"
#include "plugin/host.h"
#include "plugin/loader.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  TempHome home;
  ManualClock clock{from_ms(1'800'000'000'000)};
  EventLoop loop{clock};
  Bus bus{loop};
  Store store{home.file("devtrack.db")};
  PluginHost host{loop, bus, &store, "worker"};

  PluginInfo info(const std::string& dir, const std::string& file, const std::string& id) {
    PluginInfo p;
    p.path = plugin_dir(dir) + "/" + file;
    p.id = id;
    return p;
  }
};

struct Out {
  std::string text;
  dt_out out{this, [](const dt_out* o, const char* d, size_t n) {
               static_cast<Out*>(o->ctx)->text.append(d, n);
               return true;
             }};
};

}  // namespace

TEST_CASE("a plugin on the bus: subscribes, publishes, uses the key/value store") {
  Fixture f;
  std::string error;
  REQUIRE(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), "{}", &error));
  CHECK(f.host.running() == std::vector<std::string>{"good-tracker"});
  int pongs = 0;
  f.bus.subscribe("test.pong", [&](const Event& e) {
    CHECK(nlohmann::json::parse(e.payload)["from"] == "good-tracker");
    ++pongs;
  });
  f.bus.publish("test.ping", "{}");
  f.bus.publish("test.ping", "{}");
  REQUIRE(f.loop.run_until([&] { return pongs == 2; }, 5s));
  CHECK(f.store.kv_get("good-tracker", "pings") == "2");

  // Its tracker interface works through the C ABI.
  auto iface = f.host.interface("good-tracker", DEVTRACK_TRACKER_V1);
  REQUIRE(iface.table);
  auto* tracker = static_cast<const dt_tracker_v1*>(iface.table);
  Out out;
  CHECK(tracker->post(iface.self, "{}", &out.out) == DT_OK);
  CHECK(out.text == "{\"remote_id\":\"1\"}");
  CHECK(tracker->amend == nullptr);
  CHECK_FALSE(f.host.interface("good-tracker", DEVTRACK_SINK_V1).table);
}

TEST_CASE("a plugin built against the frozen ABI 1.0 header still loads and works (the compatibility promise)") {
  Fixture f;
  std::string error;
  REQUIRE(f.host.start(f.info("abi-1.0", "abi-1.0-tracker.so", "abi-one-tracker"), "{}", &error));
  int pongs = 0;
  f.bus.subscribe("test.pong", [&](const Event&) { ++pongs; });
  f.bus.publish("test.ping", "{}");
  REQUIRE(f.loop.run_until([&] { return pongs == 1; }, 5s));
  auto iface = f.host.interface("abi-one-tracker", DEVTRACK_TRACKER_V1);
  REQUIRE(iface.table);
  Out out;
  CHECK(static_cast<const dt_tracker_v1*>(iface.table)->post(iface.self, "{}", &out.out) == DT_OK);
  CHECK(out.text == "{\"remote_id\":\"1\"}");
}

TEST_CASE("stopping a plugin removes its subscriptions before it is destroyed") {
  Fixture f;
  REQUIRE(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), "{}", nullptr));
  CHECK(f.bus.subscription_count("good-tracker") == 1);
  f.host.stop("good-tracker");
  CHECK(f.bus.subscription_count("good-tracker") == 0);
  CHECK(f.host.running().empty());
  // An event for the destroyed instance reaches nobody (no use-after-free).
  int pongs = 0, host_seen = 0;
  f.bus.subscribe("test.pong", [&](const Event&) { ++pongs; });
  f.bus.subscribe("test.ping", [&](const Event&) { ++host_seen; });
  f.bus.publish("test.ping", "{}");
  REQUIRE(f.loop.run_until([&] { return host_seen == 1; }, 5s));
  f.loop.run_until([] { return false; }, 50ms);
  CHECK(pongs == 0);
  // And it can be started again.
  CHECK(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), "{}", nullptr));
}

TEST_CASE("create failing or throwing is a refusal, the host keeps going") {
  Fixture f;
  std::string error;
  CHECK_FALSE(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), R"({"fail":true})", &error));
  CHECK(error == "create failed: told to fail by its options");
  CHECK(f.bus.subscription_count("good-tracker") == 0);

  CHECK_FALSE(f.host.start(f.info("cpp", "create-throws.so", "create-throws"), "{}", &error));
  CHECK(error == "create failed: boom in the constructor");

  CHECK_FALSE(f.host.start(f.info("broken", "bad-major.so", "good-tracker"), "{}", &error));
  CHECK(error.find("major version differs") != std::string::npos);

  CHECK_FALSE(f.host.start(f.info("good", "good-tracker.so", "other-id"), "{}", &error));
  CHECK(error.find("its id changed") != std::string::npos);

  REQUIRE(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), "{}", &error));
  CHECK_FALSE(f.host.start(f.info("good", "good-tracker.so", "good-tracker"), "{}", &error));
  CHECK(error == "plugin 'good-tracker' is already running");
  CHECK(f.host.running().size() == 1);
}

TEST_CASE("an sdk.hpp plugin: host timers through the clock seam, errors mapped to statuses") {
  Fixture f;
  REQUIRE(f.host.start(f.info("cpp", "sdk-trigger.so", "sdk-trigger"), "{}", nullptr));
  auto iface = f.host.interface("sdk-trigger", DEVTRACK_TRIGGER_V1);
  REQUIRE(iface.table);
  auto* trigger = static_cast<const dt_trigger_v1*>(iface.table);
  Out err;
  REQUIRE(trigger->start(iface.self, &err.out) == DT_OK);
  int64_t fired_at = 0;
  f.bus.subscribe("trigger.focus", [&](const Event& e) { fired_at = nlohmann::json::parse(e.payload)["at_ms"]; });
  f.loop.run_until([] { return false; }, 50ms);
  CHECK(fired_at == 0);  // due in a minute of test-clock time
  f.clock.advance(61s);
  REQUIRE(f.loop.run_until([&] { return fired_at != 0; }, 5s));
  CHECK(fired_at == 1'800'000'000'000 + 61'000);

  Out echo;
  CHECK(trigger->control(iface.self, "{\"command\":\"ping\"}", &echo.out) == DT_OK);
  CHECK(nlohmann::json::parse(echo.text)["echo"] == "{\"command\":\"ping\"}");
  Out failed;
  CHECK(trigger->control(iface.self, "{\"command\":\"fail\"}", &failed.out) == DT_RETRY);
  auto j = nlohmann::json::parse(failed.text);
  CHECK(j["message"] == "try later");
  CHECK(j["retry_after_s"] == 30);
}

TEST_CASE("stopping a plugin cancels its pending timers") {
  Fixture f;
  REQUIRE(f.host.start(f.info("cpp", "sdk-trigger.so", "sdk-trigger"), "{}", nullptr));
  auto iface = f.host.interface("sdk-trigger", DEVTRACK_TRIGGER_V1);
  Out err;
  static_cast<const dt_trigger_v1*>(iface.table)->start(iface.self, &err.out);
  f.loop.run_until([] { return false; }, 20ms);
  CHECK(f.loop.pending_timers() == 1);
  f.host.stop("sdk-trigger");
  CHECK(f.loop.pending_timers() == 0);
  f.clock.advance(120s);
  f.loop.run_until([] { return false; }, 50ms);  // nothing fires into freed memory
}

namespace {

// The daemon's side of dt_host.fetch as the host sees it: requests are
// kept, and the test answers them (the real one, with the worker, is
// fetch_test).
struct HeldFetches : Fetcher {
  std::map<uint64_t, std::pair<std::string, Done>> held;
  std::vector<uint64_t> cancelled;
  uint64_t next = 0;
  uint64_t fetch(const std::string& plugin, const std::string& request, Done done) override {
    CHECK(plugin == "fetch-probe");
    held[++next] = {request, std::move(done)};
    return next;
  }
  void cancel(uint64_t id) override {
    cancelled.push_back(id);
    held.erase(id);
  }
  void answer(uint64_t id, dt_status s, const std::string& response) {
    auto done = std::move(held.at(id).second);
    held.erase(id);
    done(s, response);
  }
};

}  // namespace

TEST_CASE("dt_host.fetch: checked at the call, answered once, cancelled with the plugin") {
  Fixture f;
  HeldFetches fetches;
  PluginHost daemon_host{f.loop, f.bus, &f.store, "daemon"};
  daemon_host.set_fetcher(&fetches);
  std::string requests = nlohmann::json{{"requests", {R"({"url":"https://a.test/x"})", "[1]",
                                                      R"({"url":"https://b.test/y","cancel":true})",
                                                      R"({"url":"https://c.test/z"})"}}}
                             .dump();
  REQUIRE(daemon_host.start(f.info("fetch", "fetch-probe.so", "fetch-probe"), requests, nullptr));
  auto iface = daemon_host.interface("fetch-probe", DEVTRACK_TRIGGER_V1);
  Out err;
  REQUIRE(static_cast<const dt_trigger_v1*>(iface.table)->start(iface.self, &err.out) == DT_OK);
  CHECK(f.store.kv_get("fetch-probe", "can_fetch") == "yes");
  CHECK(f.store.kv_get("fetch-probe", "fetch.1") == R"({"refused":true})");  // no "url": never sent
  REQUIRE(fetches.held.size() == 2);
  CHECK(fetches.cancelled == std::vector<uint64_t>{2});
  fetches.answer(1, DT_OK, R"({"status":200,"headers":{},"body":"BEGIN:VCALENDAR"})");
  auto first = nlohmann::json::parse(*f.store.kv_get("fetch-probe", "fetch.0"));
  CHECK(first["http_status"] == 200);
  CHECK(first["head"] == "BEGIN:VCALENDAR");
  // Stopping the plugin forgets what it still waits for.
  daemon_host.stop("fetch-probe");
  CHECK(fetches.cancelled == std::vector<uint64_t>{2, 3});
  CHECK(fetches.held.empty());

  // Where no one runs fetches (the worker, a client) the service is absent.
  REQUIRE(f.host.start(f.info("fetch", "fetch-probe.so", "fetch-probe"), requests, nullptr));
  iface = f.host.interface("fetch-probe", DEVTRACK_TRIGGER_V1);
  REQUIRE(static_cast<const dt_trigger_v1*>(iface.table)->start(iface.self, &err.out) == DT_OK);
  CHECK(f.store.kv_get("fetch-probe", "can_fetch") == "no");
  CHECK(f.store.kv_get("fetch-probe", "fetch.0") == R"({"refused":true})");
}

TEST_CASE("the SDK example tracker: post, find by idempotency key, amend, through the C ABI") {
  Fixture f;
  std::string error;
  REQUIRE(f.host.start(f.info("hello", "hello-tracker.so", "hello-tracker"), R"({"greeting":"Hi","max_comments":2})",
                       &error));
  auto iface = f.host.interface("hello-tracker", DEVTRACK_TRACKER_V1);
  REQUIRE(iface.table);
  auto* t = static_cast<const dt_tracker_v1*>(iface.table);
  std::string update = R"({"kind":"comment","ticket":{"system":"hello","number":7},"body":"fixed it","minutes":30,)"
                       R"("idempotency_key":"k-1"})";
  Out none;
  CHECK(t->find(iface.self, update.c_str(), &none.out) == DT_NOT_FOUND);
  Out posted;
  REQUIRE(t->post(iface.self, update.c_str(), &posted.out) == DT_OK);
  std::string remote_id = nlohmann::json::parse(posted.text)["remote_id"];
  CHECK(remote_id == "7-1");
  Out found;
  REQUIRE(t->find(iface.self, update.c_str(), &found.out) == DT_OK);
  CHECK(nlohmann::json::parse(found.text)["remote_id"] == remote_id);
  CHECK(nlohmann::json::parse(*f.store.kv_get("hello-tracker", "comment:7-1"))["body"] == "Hi: fixed it");

  Out amended;
  std::string amend = R"({"remote_id":"7-1","update":{"body":"fixed the redirect"}})";
  REQUIRE(t->amend(iface.self, amend.c_str(), &amended.out) == DT_OK);
  CHECK(nlohmann::json::parse(*f.store.kv_get("hello-tracker", "comment:7-1"))["body"] == "Hi: fixed the redirect");

  Out second, third;
  CHECK(t->post(iface.self, R"({"ticket":{"number":7},"idempotency_key":"k-2"})", &second.out) == DT_OK);
  CHECK(t->post(iface.self, R"({"ticket":{"number":7},"idempotency_key":"k-3"})", &third.out) == DT_PERMANENT);
  CHECK(nlohmann::json::parse(third.text)["message"] == "ticket 7 is full");
  Out bad;
  CHECK(t->post(iface.self, "not json", &bad.out) == DT_INVALID);

  // Bad options refuse the plugin with the constructor's message.
  f.host.stop("hello-tracker");
  CHECK_FALSE(f.host.start(f.info("hello", "hello-tracker.so", "hello-tracker"), R"({"max_comments":0})", &error));
  CHECK(error == "create failed: max_comments must be at least 1");
}
