#include "daemon/surfaces.h"

#include <devtrack/plugin.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "outbox/outbox.h"
#include "plugin/host.h"
#include "plugin/string_out.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "store/store.h"

using nlohmann::json;

namespace devtrack {

Surfaces::Surfaces(EventLoop& loop, Bus& bus, Store& store, const Config& config, PluginHost& host,
                   std::function<void(int64_t)> changed)
    : loop_(loop), bus_(bus), store_(store), config_(config), host_(host), changed_(std::move(changed)) {
  bus_.subscribe("prompt.request", [this](const Event& e) {
    json r = json::parse(e.payload, nullptr, false);
    if (r.is_object() && r.contains("prompt_id") && r["prompt_id"].is_number_integer()) show(r["prompt_id"]);
  }, "surfaces");
  for (const char* topic : {"prompt.answer", "prompt.skip", "prompt.defer", "prompt.expired"})
    bus_.subscribe(topic, [this](const Event& e) { on_reply(e.topic, e.origin, e.payload); }, "surfaces");
}

// What a surface shows: the question, the repository and its commits, the
// suggested ticket.
std::string Surfaces::prompt_json(int64_t prompt_id) {
  auto p = get_prompt(store_, prompt_id);
  json context = json::array();
  if (!p->repo.empty()) {
    std::string head = std::filesystem::path(p->repo).filename().string();
    if (!p->branch.empty()) head += " (" + p->branch + ")";
    context.push_back(head);
  } else {
    context.push_back(p->kind == "timer" ? "It has been a while since your last check-in."
                                         : p->kind == "editor" ? "You have been editing for a while."
                                                               : "Log what you worked on.");
  }
  for (const auto& c : prompt_commits(store_, prompt_id)) context.push_back(c.commit.substr(0, 8) + " " + c.summary);
  json suggestion = nullptr;
  if (!p->suggestion.empty()) suggestion = ticket_text(json::parse(p->suggestion));
  return json{{"id", prompt_id},
              {"question", "What did you work on?"},
              {"context", context},
              {"suggestion", suggestion},
              {"defer_s", config_.prompt.defer.count()},
              {"timeout_s", config_.prompt.timeout.count()}}
      .dump();
}

void Surfaces::show(int64_t prompt_id) {
  auto p = get_prompt(store_, prompt_id);
  if (!p || p->state != "pending") return;
  for (const auto& id : config_.prompt.surfaces) {
    auto iface = host_.interface(id, DEVTRACK_SURFACE_V1);
    if (!iface.table) return;  // a client surface (tty): the prompt waits for devtrack checkin
    auto* surface = static_cast<const dt_surface_v1*>(iface.table);
    if (!surface->available(iface.self)) continue;
    std::string prompt = prompt_json(prompt_id);
    StringOut out;
    dt_status s = surface->show(iface.self, prompt.c_str(), &out.out);
    if (s == DT_PENDING) return;  // it publishes the reply later
    if (s == DT_OK) {
      json r = json::parse(out.text, nullptr, false);
      if (r.is_object()) {
        r["prompt_id"] = prompt_id;
        std::string action = r.value("action", "");
        on_reply(action == "answer" ? "prompt.answer" : action == "skip" ? "prompt.skip" : "prompt.defer",
                 "plugin:" + id, r.dump());
      }
      return;
    }
    log::warn("surfaces", "{} could not show prompt {}: {}", id, prompt_id, out.text);
  }
}

void Surfaces::withdraw(int64_t prompt_id) {
  std::string id = std::to_string(prompt_id);
  for (const auto& surface : config_.prompt.surfaces) {
    auto iface = host_.interface(surface, DEVTRACK_SURFACE_V1);
    if (iface.table && static_cast<const dt_surface_v1*>(iface.table)->withdraw)
      static_cast<const dt_surface_v1*>(iface.table)->withdraw(iface.self, id.c_str());
  }
}

// A surface's reply, stored before anything else; the daemon's own
// announcements of these topics (no "plugin:" origin) are not replies.
void Surfaces::on_reply(const std::string& topic, const std::string& origin, const std::string& payload) {
  json r = json::parse(payload, nullptr, false);
  if (!r.is_object() || !r.contains("prompt_id") || !r["prompt_id"].is_number_integer()) return;
  int64_t id = r["prompt_id"];
  if (origin.rfind("plugin:", 0) != 0) {  // settled elsewhere: take the question back
    withdraw(id);
    return;
  }
  auto p = get_prompt(store_, id);
  if (!p || (p->state != "pending" && p->state != "expired")) return;  // answered elsewhere meanwhile
  int64_t now = loop_.clock().now_ms();
  if (topic == "prompt.expired") return;
  if (topic == "prompt.answer") {
    std::string text = r.value("text", "");
    if (text.empty()) return;
    record_response(store_, id, "answered", text, now);
  } else if (topic == "prompt.skip") {
    record_response(store_, id, "skipped", "", now);
  } else {
    int64_t seconds = r.value("seconds", static_cast<int64_t>(config_.prompt.defer.count()));
    record_response(store_, id, "deferred", "", now, now + seconds * 1000);
  }
  log::info("surfaces", "prompt {}: {} through {}", id, topic.substr(7), origin.substr(7));
  changed_(id);
}

}  // namespace devtrack
