// A daemon trigger for the fetch tests (dt_host.fetch, ABI 1.1): on start
// it fetches each request of its "requests" option and writes what came
// back to its key/value store as "fetch.N": {"status", "http_status",
// "bytes", "head", "tail", "message"}, or {"refused": true} when fetch()
// returned 0. A request with "cancel": true is cancelled at once, so its
// key must never appear.
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>
#include <string>

using nlohmann::json;

const dt_option kOptions[] = {
    {"requests", DT_OPT_LIST, "[]", "dt_host.fetch requests, each as JSON text."},
    {nullptr, 0, nullptr, nullptr},
};

class FetchProbe : public devtrack::sdk::Trigger {
 public:
  FetchProbe(const dt_host* host, std::string_view options) : Trigger(host) {
    json o = json::parse(options, nullptr, false);
    if (o.is_object() && o.contains("requests") && o["requests"].is_array())
      for (const auto& r : o["requests"]) requests_.push_back(json::parse(r.get<std::string>(), nullptr, false));
  }
  void start() override {
    host().kv_set("can_fetch", host().can_fetch() ? "yes" : "no");
    for (size_t i = 0; i < requests_.size(); ++i) {
      const json& r = requests_[i];
      std::string key = "fetch." + std::to_string(i);
      std::string text = r.is_discarded() ? "not json" : r.dump();
      uint64_t id = host().fetch(text, [this, key](dt_status s, std::string_view response) { record(key, s, response); });
      if (!id) host().kv_set(key, R"({"refused":true})");
      else if (r.is_object() && r.value("cancel", false)) host().fetch_cancel(id);
    }
  }
  void stop() override {}

 private:
  void record(const std::string& key, dt_status status, std::string_view response) {
    json out = {{"status", static_cast<int>(status)}};
    json r = json::parse(response, nullptr, false);
    if (status == DT_OK && r.is_object()) {
      std::string body = r.value("body", "");
      out["http_status"] = r.value("status", 0);
      out["bytes"] = body.size();
      out["head"] = body.substr(0, 32);
      out["tail"] = body.size() > 32 ? body.substr(body.size() - 32) : body;
    } else {
      out["message"] = std::string(response);
    }
    host().kv_set(key, out.dump());
  }

  json requests_ = json::array();
};

DEVTRACK_PLUGIN(FetchProbe, "fetch-probe", "Fetch probe", "1.0.0", DT_RUNS_IN_DAEMON,
                "Fetches URLs through the worker and records what came back.", kOptions)
