#include "worker/deliver.h"

#include <devtrack/plugin.h>

#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "event/clock.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/string_out.h"
#include "store/assigned.h"

using nlohmann::json;

namespace devtrack {

namespace {

const char* status_name(dt_status s) {
  switch (s) {
    case DT_OK: return "ok";
    case DT_RETRY: return "retry";
    case DT_AUTH: return "auth";
    default: return "permanent";
  }
}

json failure(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_object()) return j;
  return {{"message", text.empty() ? "no reason given" : text}};
}

// The result of a post or delivery: the remote id, or why it failed.
json outcome(json result, dt_status s, const std::string& text) {
  result["status"] = status_name(s);
  if (s == DT_OK) {
    json ok = json::parse(text, nullptr, false);
    result["remote_id"] = ok.is_object() ? ok.value("remote_id", "") : "";
  } else {
    json f = failure(text);
    result["message"] = f.value("message", "");
    if (f.contains("retry_after_s")) result["retry_after_s"] = f["retry_after_s"];
  }
  return result;
}

// An e-mail row: the sink sends the confirmed summary to its recipient.
// SMTP cannot be asked what arrived; the Message-ID, made from the
// idempotency key, lets mail systems drop a second copy.
void deliver_to_sink(Bus& bus, PluginHost& host, const json& job, json result) {
  std::string plugin = job.value("plugin", "");
  auto iface = host.interface(plugin, DEVTRACK_SINK_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    result["message"] = "no sink plugin '" + plugin + "' is running (enable it and devtrack updates retry)";
    bus.publish("tracker.result", result.dump());
    return;
  }
  const json& body = job["body"];
  json request = {{"date", body.value("date", "")},
                  {"markdown", body.value("markdown", "")},
                  {"recipient", job["ticket"]},
                  {"idempotency_key", job.value("idempotency_key", "")}};
  std::string text = request.dump();
  StringOut out;
  dt_status s = static_cast<const dt_sink_v1*>(iface.table)->deliver(iface.self, text.c_str(), &out.out);
  bus.publish("tracker.result", outcome(result, s, out.text).dump());
}

void deliver(Bus& bus, PluginHost& host, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  if (!job.is_object() || !job.contains("update_id")) return;
  json result = {{"update_id", job["update_id"]}};
  if (job.value("kind", "") == "email") return deliver_to_sink(bus, host, job, result);
  std::string plugin = job.value("plugin", "");
  auto iface = host.interface(plugin, DEVTRACK_TRACKER_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    result["message"] = "no tracker plugin '" + plugin + "' is running (enable it and devtrack updates retry)";
    bus.publish("tracker.result", result.dump());
    return;
  }
  auto* tracker = static_cast<const dt_tracker_v1*>(iface.table);
  const json& body = job["body"];
  json update = {{"kind", job.value("kind", "comment")},
                 {"ticket", job["ticket"]},
                 {"body", body.value("text", "")},
                 {"text", body.value("text", "")},
                 {"minutes", body.value("minutes", json(nullptr))},
                 {"status", body.value("status", json(nullptr))},
                 {"commits", body.value("commits", json::array())},
                 {"repo", body.value("repo", json(nullptr))},
                 {"started_at_ms", body.value("answered_at_ms", json(nullptr))},
                 {"idempotency_key", job.value("idempotency_key", "")}};
  std::string text = update.dump();
  // Posted before and changed since: edit the post where the tracker can.
  if (!job.value("remote_id", "").empty()) {
    std::string remote_id = job["remote_id"];
    result["remote_id"] = remote_id;
    if (!tracker->amend) {
      result["status"] = "ok";
      result["message"] = plugin + " cannot edit what it posted: the correction stays local";
    } else {
      json request = {{"update", update}, {"remote_id", remote_id}};
      std::string req = request.dump();
      StringOut out;
      dt_status s = tracker->amend(iface.self, req.c_str(), &out.out);
      result["status"] = s == DT_UNSUPPORTED ? "ok" : status_name(s);
      if (s != DT_OK) result["message"] = failure(out.text).value("message", "");
    }
    bus.publish("tracker.result", result.dump());
    return;
  }
  // A workflow move: idempotent by nature (moving to where it is changes nothing).
  if (job.value("kind", "") == "transition") {
    if (!tracker->transition) {
      result["status"] = "ok";
      result["message"] = plugin + " has no workflow transitions";
      bus.publish("tracker.result", result.dump());
      return;
    }
    json request = {{"ticket", job["ticket"]}, {"status", body.value("status", json(nullptr))}, {"update", update}};
    std::string req = request.dump();
    StringOut out;
    dt_status s = tracker->transition(iface.self, req.c_str(), &out.out);
    bus.publish("tracker.result", outcome(result, s, out.text).dump());
    return;
  }
  // An earlier attempt may have reached the tracker: look before posting.
  if (job.value("check_first", false) || job.value("resent", false)) {
    StringOut found;
    if (tracker->find(iface.self, text.c_str(), &found.out) == DT_OK) {
      json f = json::parse(found.text, nullptr, false);
      result["status"] = "ok";
      result["remote_id"] = f.is_object() ? f.value("remote_id", "") : "";
      result["found"] = true;
      bus.publish("tracker.result", result.dump());
      return;
    }
  }
  StringOut out;
  dt_status s = tracker->post(iface.self, text.c_str(), &out.out);
  bus.publish("tracker.result", outcome(result, s, out.text).dump());
}

// Looks a ticket up (title, state, url) for prompts and summaries.
void resolve(Bus& bus, PluginHost& host, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  if (!job.is_object() || !job.contains("prompt_id")) return;
  json result = {{"prompt_id", job["prompt_id"]}, {"plugin", job.value("plugin", "")}, {"ticket", job["ticket"]}};
  auto iface = host.interface(job.value("plugin", ""), DEVTRACK_TRACKER_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    bus.publish("tracker.resolved", result.dump());
    return;
  }
  json request = {{"ticket", job["ticket"]}, {"repo", job.value("repo", json(nullptr))}};
  std::string text = request.dump();
  StringOut out;
  dt_status s = static_cast<const dt_tracker_v1*>(iface.table)->resolve(iface.self, text.c_str(), &out.out);
  result["status"] = status_name(s);
  if (s == DT_OK) result["result"] = json::parse(out.text, nullptr, false);
  bus.publish("tracker.resolved", result.dump());
}

// Refreshes every running tracker's list of open tickets assigned to the
// user, kept in the store's cache for prompts, `devtrack tickets` and
// summaries (also offline). A failing tracker keeps its previous list.
void assigned(Bus& bus, PluginHost& host, Store& store, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  json result = {{"trackers", json::object()}, {"seq", job.is_object() ? job.value("seq", int64_t{0}) : int64_t{0}}};
  for (const auto& id : host.running()) {
    auto iface = host.interface(id, DEVTRACK_TRACKER_V1);
    if (!iface.table) continue;
    auto* tracker = static_cast<const dt_tracker_v1*>(iface.table);
    if (!tracker->list_assigned) continue;
    StringOut out;
    std::string request = json{{"limit", job.is_object() ? job.value("limit", 100) : 100}}.dump();
    dt_status s = tracker->list_assigned(iface.self, request.c_str(), &out.out);
    json entry = {{"status", status_name(s)}};
    json list = json::parse(out.text, nullptr, false);
    if (s == DT_OK && list.is_object() && list.contains("tickets") && list["tickets"].is_array()) {
      put_assigned(store, id, list["tickets"].dump(), process_clock().now_ms());
      entry["count"] = list["tickets"].size();
    } else {
      entry["message"] = s == DT_OK ? "the list is not {\"tickets\": [...]}" : failure(out.text).value("message", "");
      log::warn("worker", "{}: cannot list the tickets assigned to you: {}", id, entry["message"].get<std::string>());
    }
    result["trackers"][id] = entry;
  }
  bus.publish("tracker.assigned.done", result.dump());
}

}  // namespace

void start_delivery(Bus& bus, PluginHost& host, Store& store) {
  bus.subscribe("tracker.deliver", [&bus, &host](const Event& e) { deliver(bus, host, e.payload); }, "delivery");
  bus.subscribe("tracker.resolve", [&bus, &host](const Event& e) { resolve(bus, host, e.payload); }, "delivery");
  bus.subscribe("tracker.assigned", [&bus, &host, &store](const Event& e) { assigned(bus, host, store, e.payload); },
                "delivery");
}

}  // namespace devtrack
