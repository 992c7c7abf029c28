// A tracker plugin for the outbox tests, registered under the id "github"
// with GitHub's ticket syntax so that GitHub tickets route to it (built a
// second time as "forge", a tracker whose #12 GitHub's fits too, for the
// ambiguity tests). It keeps what it
// "posts" in its key/value store and can misbehave on request (option
// "mode"): retry_once (DT_RETRY with Retry-After), auth (DT_AUTH),
// permanent, crash_once_after_post (aborts right after recording a post,
// the worst moment for exactly-once).
#include <devtrack/sdk.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ticket_syntax.h"

using nlohmann::json;
using devtrack::sdk::Error;

namespace {

const dt_option kOptions[] = {
    {"mode", DT_OPT_STRING, "\"ok\"", "ok | retry_once | auth | permanent | crash_once_after_post"},
    {nullptr, 0, nullptr, nullptr},
};

#ifndef RECORDING_ID
#define RECORDING_ID "github"
#endif

class Recording : public devtrack::sdk::Tracker {
 public:
  static constexpr const char* ticket_syntax = devtrack::trackers::kGitHubTickets;

  Recording(const dt_host* host, std::string_view config) : Tracker(host) {
    json c = json::parse(config, nullptr, false);
    mode_ = c.is_object() ? c.value("mode", "ok") : "ok";
  }
  std::string resolve(std::string_view) override { return R"({"title":"A ticket","state":"open"})"; }
  std::string post(std::string_view text) override {
    json u = json::parse(text);
    std::string key = u.value("idempotency_key", "");
    if (mode_ == "auth") throw Error(DT_AUTH, "401 Bad credentials");
    if (mode_ == "permanent") throw Error(DT_PERMANENT, "422 Validation failed");
    if (mode_ == "retry_once" && !host().kv_get("retried:" + key)) {
      host().kv_set("retried:" + key, "1");
      throw Error(DT_RETRY, "503 Service Unavailable", 120);
    }
    int n = std::stoi(host().kv_get("count").value_or("0")) + 1;
    host().kv_set("count", std::to_string(n));
    host().kv_set("post:" + key, std::to_string(n));
    host().kv_set("body:" + std::to_string(n), u.dump());
    if (mode_ == "crash_once_after_post" && !host().kv_get("crashed")) {
      host().kv_set("crashed", "1");
      std::abort();
    }
    return json{{"remote_id", std::to_string(n)}}.dump();
  }
  std::string find(std::string_view text) override {
    auto id = host().kv_get("post:" + json::parse(text).value("idempotency_key", ""));
    if (!id) throw devtrack::sdk::NotFound();
    return json{{"remote_id", *id}}.dump();
  }
  std::string amend(std::string_view text) override {
    json r = json::parse(text);
    std::string id = r.value("remote_id", "");
    if (!host().kv_get("body:" + id)) throw Error(DT_PERMANENT, "no post " + id);
    host().kv_set("body:" + id, r["update"].dump());
    int n = std::stoi(host().kv_get("amends").value_or("0")) + 1;
    host().kv_set("amends", std::to_string(n));
    return json{{"remote_id", id}}.dump();
  }
  std::string list_assigned(std::string_view) override { return R"({"tickets":[]})"; }

 private:
  std::string mode_;
};

}  // namespace

DEVTRACK_PLUGIN(Recording, RECORDING_ID, "Recording tracker (tests)", "0.0.1", DT_RUNS_IN_WORKER,
                "Records posts in its key/value store; misbehaves on request.", kOptions)
