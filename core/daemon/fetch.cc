#include "daemon/fetch.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "log/log.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack {

FetchService::FetchService(Bus& bus, WorkerJobs& worker) : bus_(bus), worker_(worker) {
  // Ids start again with each daemon: what an earlier one left is stale.
  std::error_code ec;
  std::filesystem::remove_all(paths::cache_dir() + "/fetch", ec);
  // From the worker, or from the link itself when it gives a job up (a
  // worker that died on it three times): never from a plugin.
  bus_.subscribe("http.fetched", [this](const Event& e) {
    if (e.origin == "worker" || e.origin.empty()) on_fetched(e.payload);
  }, "fetch");
}

uint64_t FetchService::fetch(const std::string& plugin_id, const std::string& request_json, Done done) {
  uint64_t id = ++next_id_;
  pending_[id] = std::move(done);
  json job = {{"fetch_id", id}, {"plugin", plugin_id}, {"request", json::parse(request_json)}};
  worker_.send("http.fetch", job.dump(-1, ' ', false, json::error_handler_t::replace));
  return id;
}

void FetchService::cancel(uint64_t id) { pending_.erase(id); }

namespace {

// The response the worker spooled to `path`, removed once read.
std::string take_spooled(const std::string& path) {
  std::string text;
  try {
    text = paths::read_file(path);
  } catch (const std::exception& e) {
    text = std::string("the worker's spooled response is gone: ") + e.what();
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return text;
}

}  // namespace

void FetchService::on_fetched(const std::string& payload) {
  json m = json::parse(payload, nullptr, false);
  if (!m.is_object() || !m.contains("fetch_id") || !m["fetch_id"].is_number_unsigned()) return;
  uint64_t id = m["fetch_id"].get<uint64_t>();
  worker_.done("http.fetch", static_cast<int64_t>(id));
  bool spooled = m.value("spooled", false);
  auto it = pending_.find(id);
  if (it == pending_.end()) {  // cancelled, or its plugin stopped
    if (spooled) take_spooled(fetch_spool_file(id));
    return;
  }
  Done done = std::move(it->second);
  pending_.erase(it);
  auto status = static_cast<dt_status>(m.value("status", static_cast<int>(DT_PERMANENT)));
  std::string response = spooled ? take_spooled(fetch_spool_file(id)) : m.value("response", std::string());
  if (spooled && status == DT_OK && !json::accept(response)) {  // cut short (a full disk) or gone
    status = DT_RETRY;
    response = "the worker's spooled response could not be read back";
  }
  done(status, response);
}

}  // namespace devtrack
