#include "worker/deliver.h"

#include <devtrack/plugin.h>
#include <devtrack/text.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "event/bus.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/string_out.h"
#include "store/assigned.h"
#include "store/outbox_store.h"
#include "util/clock.h"

using nlohmann::json;

namespace devtrack {

const char* status_name(dt_status s) {
  switch (s) {
    case DT_OK: return "ok";
    case DT_RETRY: return "retry";
    case DT_AUTH: return "auth";
    case DT_NOT_FOUND: return "not_found";
    default: return "permanent";
  }
}

namespace {

// Server text as the worker passes it on and the daemon stores it (an
// update's last_error, a ticket's title): valid UTF-8, bounded, on one line
// and without control characters — ESC or a C1 code could drive the
// terminal that `devtrack updates list` or a prompt prints it to.
std::string server_text(std::string_view text, size_t max_bytes) {
  std::string valid = sdk::bounded_utf8(text, max_bytes);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    auto c = static_cast<unsigned char>(valid[i]);
    bool c1 = c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xA0;  // U+0080-U+009F
    if (c < 0x20 || c == 0x7F || c1) {
      out += ' ';
      if (c1) ++i;
    } else {
      out += valid[i];
    }
  }
  return out;
}

constexpr size_t kMaxMessage = 4096;  // an error text (servers send whole HTML pages)
constexpr size_t kMaxField = 1024;    // a title, a state, a URL
constexpr int kMaxRetryAfterS = 3600;  // a server may ask for decades

// Every string in `v` made server_text (ticket lookups and lists).
json clean_strings(const json& v) {
  if (v.is_string()) return server_text(v.get_ref<const std::string&>(), kMaxField);
  if (!v.is_structured()) return v;
  json out = v.is_array() ? json::array() : json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (v.is_array()) out.push_back(clean_strings(*it));
    else out[it.key()] = clean_strings(*it);
  }
  return out;
}

// The plugin's failure text: {"message", "retry_after_s"} with the message
// made server_text and the wait capped at kMaxRetryAfterS.
json failure(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) j = {{"message", text}};
  std::string message = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
  j["message"] = message.empty() ? "no reason given" : server_text(message, kMaxMessage);
  if (j.contains("retry_after_s")) {
    const json& r = j["retry_after_s"];
    if (!r.is_number() || r.get<double>() < 0) {
      j.erase("retry_after_s");
    } else if (r.get<double>() > kMaxRetryAfterS) {
      log::warn("worker", "a server asked to wait {} s before retrying: waiting {} s instead", r.dump(),
                kMaxRetryAfterS);
      j["retry_after_s"] = kMaxRetryAfterS;
    }
  }
  return j;
}

}  // namespace

std::string failure_message(const std::string& text) { return failure(text)["message"].get<std::string>(); }

namespace {

// The result of a post or delivery: the remote id, or why it failed.
json outcome(json result, dt_status s, const std::string& text) {
  result["status"] = status_name(s);
  if (s == DT_OK) {
    json ok = json::parse(text, nullptr, false);
    result["remote_id"] = ok.is_object() ? ok.value("remote_id", "") : "";
  } else {
    json f = failure(text);
    result["message"] = f["message"];
    if (f.contains("retry_after_s")) result["retry_after_s"] = f["retry_after_s"];
  }
  return result;
}

// A delivery row: a sink hands the confirmed summary or standup to its
// recipient (or its own destination, a channel). `check_first`: an earlier
// attempt may have arrived; the sink looks for it by the idempotency key
// where it can (Slack's message metadata) before it delivers again; where
// it cannot (SMTP), the key becomes what lets the far end drop a second
// copy (a Message-ID).
void deliver_to_sink(Bus& bus, PluginHost& host, const json& job, json result, bool check_first) {
  std::string plugin = job.value("plugin", "");
  auto iface = host.interface(plugin, DEVTRACK_SINK_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    result["message"] = "no sink plugin '" + plugin + "' is running (enable it and devtrack updates retry)";
    bus.publish("tracker.result", result.dump());
    return;
  }
  const json& body = job["body"];
  json request = {{"what", body.value("what", "summary")},
                  {"date", body.value("date", "")},
                  {"markdown", body.value("markdown", "")},
                  {"recipient", job["ticket"]},
                  {"idempotency_key", job.value("idempotency_key", "")},
                  {"check_first", check_first}};
  std::string text = request.dump();
  StringOut out;
  dt_status s = static_cast<const dt_sink_v1*>(iface.table)->deliver(iface.self, text.c_str(), &out.out);
  bus.publish("tracker.result", outcome(result, s, out.text).dump());
}

// The lease on a row lasts longer than one HTTP request can (see
// set_delivery_http_timeout).
std::chrono::seconds http_timeout{30};
constexpr int64_t kLeaseMarginMs = 10'000;

// Not leased: another live worker is sending the row; try after its lease.
void publish_leased(Bus& bus, json result, const SendLease& lease) {
  int64_t left_ms = lease.busy_until_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch()).count();
  result["status"] = "retry";
  result["retry_after_s"] = std::max<int64_t>(1, (left_ms + 999) / 1000);
  result["message"] = "another devtrack-worker is still sending this update";
  bus.publish("tracker.result", result.dump());
}

// A running tracker plugin's interface, as deliver() calls it.
struct Tracker {
  const dt_tracker_v1* table;
  void* self;
  std::string id;
};

// The update as trackers read it (dt_tracker_v1 post / find / amend).
// "started_at_ms" is, despite its name (kept for plugins that read it),
// when the answer was given; "started_ms" when the work began, where known
// (from activity, or a day's worklog: its first part), else null.
json tracker_update(const json& job) {
  const json& body = job["body"];
  return {{"kind", job.value("kind", "comment")},
          {"ticket", job["ticket"]},
          {"body", body.value("text", "")},
          {"text", body.value("text", "")},
          {"minutes", body.value("minutes", json(nullptr))},
          {"status", body.value("status", json(nullptr))},
          {"commits", body.value("commits", json::array())},
          {"repo", body.value("repo", json(nullptr))},
          {"started_at_ms", body.value("answered_at_ms", json(nullptr))},
          {"started_ms", body.value("started_ms", json(nullptr))},
          {"idempotency_key", job.value("idempotency_key", "")}};
}

// Edits the post `remote_id` to say `update`; the outcome goes into result.
void amend_post(const Tracker& t, const json& update, const std::string& remote_id, json& result) {
  std::string req = json{{"update", update}, {"remote_id", remote_id}}.dump();
  StringOut out;
  dt_status s = t.table->amend(t.self, req.c_str(), &out.out);
  result["status"] = s == DT_UNSUPPORTED ? "ok" : status_name(s);
  if (s != DT_OK) {
    std::string message = failure(out.text).value("message", "");
    if (s != DT_UNSUPPORTED || !message.empty()) result["message"] = message;
  }
}

// Posted before and changed since: edit the post where the tracker can.
json amend_earlier_post(const Tracker& t, const json& job, const json& update, json result) {
  std::string remote_id = job["remote_id"];
  result["remote_id"] = remote_id;
  if (!t.table->amend) {
    result["status"] = "ok";
    result["message"] = t.id + " cannot edit what it posted: the correction stays local";
    return result;
  }
  amend_post(t, update, remote_id, result);
  return result;
}

// A workflow move: idempotent by nature (moving to where it is changes nothing).
json move_ticket(const Tracker& t, const json& job, const json& update, json result) {
  if (!t.table->transition) {
    result["status"] = "ok";
    result["message"] = t.id + " has no workflow transitions";
    return result;
  }
  json request = {{"ticket", job["ticket"]}, {"status", job["body"].value("status", json(nullptr))}, {"update", update}};
  std::string req = request.dump();
  StringOut out;
  dt_status s = t.table->transition(t.self, req.c_str(), &out.out);
  return outcome(result, s, out.text);
}

// An earlier attempt may have reached the tracker: looks before posting.
// The result to publish when it did (or when it could not look: posting
// blind could double it); nullopt when nothing was found.
std::optional<json> find_earlier_post(const Tracker& t, const json& job, const json& update, json result) {
  std::string text = update.dump();
  StringOut found;
  dt_status looked = t.table->find(t.self, text.c_str(), &found.out);
  if (looked == DT_RETRY || looked == DT_AUTH) return outcome(result, looked, found.text);
  if (looked != DT_OK) return std::nullopt;
  json f = json::parse(found.text, nullptr, false);
  result["status"] = "ok";
  result["remote_id"] = f.is_object() ? f.value("remote_id", "") : "";
  result["found"] = true;
  // A day's comment found from an earlier attempt may lack the answers
  // added since: it gets today's whole text.
  std::string remote_id = result["remote_id"];
  if (job["body"].value("aggregate", false) && t.table->amend && !remote_id.empty())
    amend_post(t, update, remote_id, result);
  return result;
}

void deliver(Bus& bus, PluginHost& host, Store& store, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  if (!job.is_object() || !job.contains("update_id")) return;
  json result = {{"update_id", job["update_id"]}};
  // DESIGN.md "Posting model": hold the row's lease while sending; wait
  // out another worker's (one whose daemon was killed may be mid-request).
  SendLease lease(store, job["update_id"].get<int64_t>(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(http_timeout).count() + kLeaseMarginMs);
  if (lease.stale()) {  // a job of a daemon that died; the next one has taken the row over
    log::info("worker", "update {} is no longer being sent: skipped", job["update_id"].get<int64_t>());
    return;
  }
  if (!lease.held()) return publish_leased(bus, result, lease);
  bool check_first = job.value("check_first", false) || job.value("resent", false) || lease.had_other_holder();
  if (job.value("kind", "") == "delivery") {
    if (!lease.start_posting()) return publish_leased(bus, result, lease);
    return deliver_to_sink(bus, host, job, result, check_first);
  }
  std::string plugin = job.value("plugin", "");
  auto iface = host.interface(plugin, DEVTRACK_TRACKER_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    result["message"] = "no tracker plugin '" + plugin + "' is running (enable it and devtrack updates retry)";
    bus.publish("tracker.result", result.dump());
    return;
  }
  Tracker tracker{static_cast<const dt_tracker_v1*>(iface.table), iface.self, plugin};
  json update = tracker_update(job);
  if (!job.value("remote_id", "").empty())
    return bus.publish("tracker.result", amend_earlier_post(tracker, job, update, result).dump());
  if (job.value("kind", "") == "transition")
    return bus.publish("tracker.result", move_ticket(tracker, job, update, result).dump());
  if (check_first)
    if (auto earlier = find_earlier_post(tracker, job, update, result))
      return bus.publish("tracker.result", earlier->dump());
  // find() may have taken long (pages): post only while still the holder,
  // and from here the request may be at the server (start_posting).
  if (!lease.start_posting()) return publish_leased(bus, result, lease);
  std::string text = update.dump();
  StringOut out;
  dt_status s = tracker.table->post(tracker.self, text.c_str(), &out.out);
  bus.publish("tracker.result", outcome(result, s, out.text).dump());
}

// Looks one ticket up (title, state, url) for prompts, summaries and the
// parser's learning (a ticket that does not exist: "not_found").
void resolve_one(Bus& bus, PluginHost& host, const json& job, const std::string& plugin, const json& ticket) {
  json result = {{"prompt_id", job["prompt_id"]}, {"plugin", plugin}, {"ticket", ticket}};
  if (job.value("answer", false)) result["answer"] = true;
  auto iface = host.interface(plugin, DEVTRACK_TRACKER_V1);
  if (!iface.table) {
    result["status"] = "permanent";
    bus.publish("tracker.resolved", result.dump());
    return;
  }
  json request = {{"ticket", ticket}, {"repo", job.value("repo", json(nullptr))}};
  std::string text = request.dump();
  StringOut out;
  dt_status s = static_cast<const dt_tracker_v1*>(iface.table)->resolve(iface.self, text.c_str(), &out.out);
  result["status"] = status_name(s);
  if (s == DT_OK) result["result"] = clean_strings(json::parse(out.text, nullptr, false));
  bus.publish("tracker.resolved", result.dump());
}

// A job names one ticket ("plugin", "ticket": a prompt's suggestion) or
// several ("tickets": [{"plugin", "ticket"}], an answer's); each gets its
// own "tracker.resolved".
void resolve(Bus& bus, PluginHost& host, const std::string& payload) {
  json job = json::parse(payload, nullptr, false);
  if (!job.is_object() || !job.contains("prompt_id")) return;
  if (!job.contains("tickets")) return resolve_one(bus, host, job, job.value("plugin", ""), job.value("ticket", json()));
  if (!job["tickets"].is_array()) return;
  for (const auto& t : job["tickets"])
    if (t.is_object() && t.contains("plugin") && t["plugin"].is_string())
      resolve_one(bus, host, job, t["plugin"].get<std::string>(), t.value("ticket", json()));
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
      put_assigned(store, id, clean_strings(list["tickets"]).dump(), process_clock().now_ms());
      entry["count"] = list["tickets"].size();
    } else {
      entry["message"] = s == DT_OK ? "the list is not {\"tickets\": [...]}" : failure(out.text).value("message", "");
      log::warn("worker", "{}: cannot list the tickets assigned to you: {}", id, entry["message"].get<std::string>());
    }
    result["trackers"][id] = entry;
  }
  bus.publish("tracker.assigned.done", result.dump());
}

// A delivery that throws (the database held busy, say) still answers its
// job, as a retry: otherwise the row stays in flight until this worker exits.
void deliver_or_retry(Bus& bus, PluginHost& host, Store& store, const std::string& payload) {
  try {
    deliver(bus, host, store, payload);
  } catch (const std::exception& e) {
    json job = json::parse(payload, nullptr, false);
    if (!job.is_object() || !job.contains("update_id")) throw;
    log::warn("worker", "update {}: the delivery failed here ({}): it is retried", job["update_id"].dump(), e.what());
    bus.publish("tracker.result", json{{"update_id", job["update_id"]},
                                       {"status", "retry"},
                                       {"message", server_text(e.what(), kMaxMessage)}}
                                      .dump());
  }
}

}  // namespace

void set_delivery_http_timeout(std::chrono::seconds timeout) { http_timeout = timeout; }

void start_delivery(Bus& bus, PluginHost& host, Store& store) {
  bus.subscribe("tracker.deliver",
                [&bus, &host, &store](const Event& e) { deliver_or_retry(bus, host, store, e.payload); }, "delivery");
  bus.subscribe("tracker.resolve", [&bus, &host](const Event& e) { resolve(bus, host, e.payload); }, "delivery");
  bus.subscribe("tracker.assigned", [&bus, &host, &store](const Event& e) { assigned(bus, host, store, e.payload); },
                "delivery");
}

}  // namespace devtrack
