// dt_host.fetch (ABI 1.1): a daemon plugin's HTTP request runs in the real
// worker and comes back on the daemon's bus. The fetch-probe test plugin
// (tests/plugins/fetch_probe.cpp) records each outcome in its key/value
// store, read here from the real SQLite file.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <devtrack/plugin.h>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

std::optional<std::string> kv(const std::string& key) {
  Store store(std::string(std::getenv("DEVTRACK_HOME")) + "/devtrack.db");
  return store.kv_get("fetch-probe", key);
}

std::optional<json> recorded(const std::string& key) {
  auto v = kv(key);
  if (!v) return std::nullopt;
  return json::parse(*v);
}

std::string probe_config(const std::vector<json>& requests, const std::string& extra = "") {
  std::string yaml = "plugins:\n  fetch-probe:\n    enabled: true\n    requests:\n";
  for (const auto& r : requests) yaml += "      - " + json(r.is_string() ? r.get<std::string>() : r.dump()).dump() + "\n";
  return yaml + extra;
}

// A port that accepts connections (the kernel's backlog) and never answers.
struct SilentPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 8) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    port = ntohs(a.sin_port);
  }
  ~SilentPort() { ::close(fd); }
};

}  // namespace

TEST_CASE("a daemon plugin's fetch runs in the worker and answers once, small, large, failed and cancelled alike") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("fetch"));
  std::string files = home.root() + "/www";
  std::filesystem::create_directories(files);
  spit(files + "/small.txt", "hello fetch\n");
  std::string big;
  for (int i = 0; big.size() < (2u << 20); ++i) big += "BEGIN:VEVENT line " + std::to_string(i) + " \"quoted\"\n";
  spit(files + "/big.txt", big);
  FileServer server(files);
  RunningDaemon d(probe_config({
      {{"url", server.url("small.txt")}},
      {{"url", server.url("big.txt")}},
      {{"url", server.url("missing.txt")}},
      {{"url", "http://127.0.0.1:1/"}, {"timeout_s", 5}},  // nothing listens: a transport failure
      "not json",
      {{"url", server.url("small.txt")}, {"cancel", true}},
      {{"url", server.url("small.txt")}},  // after the cancelled one, in order
  }));
  REQUIRE(wait_until([] { return recorded("fetch.6").has_value(); }, 30));
  CHECK(kv("can_fetch") == "yes");
  json small = *recorded("fetch.0");
  CHECK(small["status"] == DT_OK);
  CHECK(small["http_status"] == 200);
  CHECK(small["head"] == "hello fetch\n");
  json large = *recorded("fetch.1");
  INFO(large.dump());
  CHECK(large["status"] == DT_OK);
  CHECK(large["bytes"] == big.size());
  CHECK(large["head"] == big.substr(0, 32));
  CHECK(large["tail"] == big.substr(big.size() - 32));
  CHECK(recorded("fetch.2")->at("http_status") == 404);
  json refused = *recorded("fetch.3");
  CHECK(refused["status"] == DT_RETRY);
  CHECK(refused["message"].get<std::string>().find("127.0.0.1") != std::string::npos);
  CHECK(recorded("fetch.4") == json{{"refused", true}});
  CHECK_FALSE(recorded("fetch.5").has_value());
  CHECK(recorded("fetch.6")->at("head") == "hello fetch\n");
  // The large reply went through a spool file, which is gone.
  std::string spool = home.path() + "/cache/fetch";
  CHECK((!std::filesystem::exists(spool) || std::filesystem::is_empty(spool)));
  CHECK(RunningDaemon::status()["worker"]["pending"] == 0);
}

TEST_CASE("a plugin stopped while its fetch is in flight is not called back, and the daemon stays up") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("fetch"));
  SilentPort silent;
  RunningDaemon d(probe_config({{{"url", "http://127.0.0.1:" + std::to_string(silent.port) + "/"}, {"timeout_s", 2}}}));
  REQUIRE(wait_until([] { return RunningDaemon::status()["worker"]["pending"] == 1; }));
  REQUIRE(run("plugins disable fetch-probe").status == 0);
  REQUIRE(wait_until([] { return plugin_state(RunningDaemon::status(), "fetch-probe").empty(); }));
  // The worker gives up after 2 s and answers a plugin that is gone.
  REQUIRE(wait_until([] { return RunningDaemon::status()["worker"]["pending"] == 0; }));
  CHECK_FALSE(recorded("fetch.0").has_value());
  CHECK(run("status").status == 0);
}
