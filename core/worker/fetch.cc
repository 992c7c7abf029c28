#include "worker/fetch.h"

#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "log/log.h"
#include "plugin/fetcher.h"
#include "plugin/string_out.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack {

namespace {

// Longer responses are spooled: the link carries lines of at most 512 KiB
// (worker.cc), and JSON escaping may double a body.
constexpr size_t kMaxInline = 192 * 1024;

// {"fetch_id", "status", "response" | "spooled": true} for one request.
json run_fetch(PluginHost::HttpFn http, uint64_t id, const json& job) {
  json reply = {{"fetch_id", id}};
  if (!http) {
    reply["status"] = static_cast<int>(DT_UNSUPPORTED);
    reply["response"] = "this worker has no network service";
    return reply;
  }
  std::string request = job.contains("request") ? job["request"].dump() : "{}";
  StringOut out;
  dt_status status = http(nullptr, request.c_str(), &out.out);
  reply["status"] = static_cast<int>(status);
  if (out.text.size() <= kMaxInline) {
    reply["response"] = std::move(out.text);
    return reply;
  }
  try {
    paths::ensure_private_dir(paths::cache_dir() + "/fetch");
    paths::write_file_atomic(fetch_spool_file(id), out.text, 0600);
    reply["spooled"] = true;
  } catch (const std::exception& e) {  // a full disk: the plugin may try again later
    log::warn("worker", "could not spool a {} byte response for {}: {}", out.text.size(),
              job.value("plugin", std::string("a plugin")), e.what());
    reply["status"] = static_cast<int>(DT_RETRY);
    reply["response"] = std::string("the response could not be handed over: ") + e.what();
  }
  return reply;
}

}  // namespace

void start_fetch_service(Bus& bus, const PluginHost::HttpFn* http) {
  bus.subscribe("http.fetch", [&bus, http](const Event& e) {
    json job = json::parse(e.payload, nullptr, false);
    if (!job.is_object() || !job.contains("fetch_id") || !job["fetch_id"].is_number_unsigned()) return;
    json reply = run_fetch(*http, job["fetch_id"].get<uint64_t>(), job);
    bus.publish("http.fetched", reply.dump(-1, ' ', false, json::error_handler_t::replace));
  }, "fetch");
}

}  // namespace devtrack
