#include "daemon/surfaces.h"

#include <devtrack/plugin.h>

#include <algorithm>
#include <devtrack/text.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "checkin/away.h"
#include "checkin/prompt_view.h"
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
#include "util/duration.h"
#include "util/json_text.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack {

Surfaces::Surfaces(EventLoop& loop, Bus& bus, Store& store, const Config& config, PluginHost& host,
                   std::function<void(int64_t)> changed)
    : loop_(loop), bus_(bus), store_(store), config_(config), host_(host), changed_(std::move(changed)) {
  bus_.subscribe("prompt.request", [this](const Event& e) {
    json r = json::parse(e.payload, nullptr, false);
    if (r.is_object() && r.contains("prompt_id") && r["prompt_id"].is_number_integer()) show(r["prompt_id"]);
  }, "surfaces");
  bus_.subscribe("prompt.updated", [this](const Event& e) {
    json r = json::parse(e.payload, nullptr, false);
    if (r.is_object() && r.contains("prompt_id") && r["prompt_id"].is_number_integer()) update(r["prompt_id"]);
  }, "surfaces");
  for (const char* topic : {"prompt.answer", "prompt.skip", "prompt.defer", "prompt.expired"})
    bus_.subscribe(topic, [this](const Event& e) { on_reply(e.topic, e.origin, e.payload); }, "surfaces");
  ingest_spooled_replies();
}

// What a surface shows: the question, what the prompt is about (as the
// terminal shows it: checkin/prompt_view.h), the suggested ticket.
std::string Surfaces::prompt_json(int64_t prompt_id) {
  auto p = get_prompt(store_, prompt_id);
  json context = json::array();
  for (const auto& line : about_lines(store_, config_, *p)) context.push_back(line);
  json suggestion = nullptr;
  if (!p->suggestion.empty()) suggestion = ticket_text(json::parse(p->suggestion));
  json out = {{"id", prompt_id},
              {"question", "What did you work on?"},
              {"context", context},
              {"suggestion", suggestion},
              {"defer_s", config_.prompt.defer.count()},
              {"timeout_s", config_.prompt.timeout.count()}};
  if (auto away = away_of(store_, *p)) {
    out["question"] = away->question;
    out["answers"] = quick_answers(*away);
  }
  return out.dump();
}

// A time away's one-click answers: [{"label", "text"}], the text answered
// as if typed (checkin/away.h: "break" logs nothing).
json Surfaces::quick_answers(const TriggerText& away) {
  json answers = json::array({{{"label", "Break"}, {"text", "break"}}, {{"label", "Meeting"}, {"text", "meeting"}}});
  if (auto m = meeting_during(store_, away.start_ms, away.end_ms))
    answers.push_back({{"label", m->title}, {"text", m->title}});
  return answers;
}

void Surfaces::show(int64_t prompt_id) {
  auto p = get_prompt(store_, prompt_id);
  if (!p || p->state != PromptState::kPending) return;
  for (const auto& id : config_.prompt.surfaces) {
    auto iface = host_.interface(id, DEVTRACK_SURFACE_V1);
    if (!iface.table) return;  // a client surface (tty): the prompt waits for devtrack checkin
    auto* surface = static_cast<const dt_surface_v1*>(iface.table);
    if (!surface->available(iface.self)) continue;
    std::string prompt = prompt_json(prompt_id);
    StringOut out;
    dt_status s = surface->show(iface.self, prompt.c_str(), &out.out);
    if (s == DT_PENDING) {  // it publishes the reply later
      shown_by_[prompt_id] = id;
      return;
    }
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

// What a prompt shows changed while a daemon surface shows it (the worker
// read its commit's subject, a commit joined): that surface replaces it.
void Surfaces::update(int64_t prompt_id) {
  auto shown = shown_by_.find(prompt_id);
  if (shown == shown_by_.end()) return;
  auto p = get_prompt(store_, prompt_id);
  if (!p || p->state != PromptState::kPending) {
    shown_by_.erase(shown);
    return;
  }
  auto iface = host_.interface(shown->second, DEVTRACK_SURFACE_V1);
  if (!iface.table) return;
  json prompt = json::parse(prompt_json(prompt_id));
  prompt["update"] = true;
  StringOut out;
  dt_status s = static_cast<const dt_surface_v1*>(iface.table)->show(iface.self, prompt.dump().c_str(), &out.out);
  if (s != DT_PENDING && s != DT_OK)
    log::warn("surfaces", "{} could not update prompt {}: {}", shown->second, prompt_id, out.text);
}

void Surfaces::withdraw(int64_t prompt_id) {
  shown_by_.erase(prompt_id);
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
  shown_by_.erase(id);
  if (origin.rfind("plugin:", 0) != 0) {  // settled elsewhere: take the question back
    withdraw(id);
    return;
  }
  if (topic == "prompt.expired") return;
  Reply reply;
  reply.prompt_id = id;
  reply.origin = origin;
  if (topic == "prompt.answer") {
    if (!r.contains("text") || !r["text"].is_string() || r["text"].get<std::string>().empty()) return;
    reply.state = PromptState::kAnswered;
    reply.text = sdk::to_valid_utf8(r["text"].get<std::string>());
  } else if (topic == "prompt.skip") {
    reply.state = PromptState::kSkipped;
  } else {
    reply.state = PromptState::kDeferred;
    reply.defer_s = config_.prompt.defer.count();
    if (r.contains("seconds") && r["seconds"].is_number_integer()) reply.defer_s = r["seconds"];
    reply.defer_s = std::clamp<int64_t>(reply.defer_s, 1, kMaxDuration.count());
  }
  store_reply(std::move(reply));
}

// The user's reply is stored before anything else. If the database refuses
// it (busy, full), it is written to spool/replies/ and tried again until it
// is stored: the text is never only in memory, never lost.
void Surfaces::store_reply(Reply reply) {
  try {
    auto p = get_prompt(store_, reply.prompt_id);
    if (p && (p->state == PromptState::kPending || p->state == PromptState::kExpired)) {  // else settled elsewhere meanwhile
      int64_t now = loop_.clock().now_ms();
      record_response(store_, reply.prompt_id, reply.state, reply.text, now,
                      reply.state == PromptState::kDeferred ? now + reply.defer_s * 1000 : 0);
      log::info("surfaces", "prompt {}: {} through {}", reply.prompt_id, to_text(reply.state), reply.origin.substr(7));
    }
  } catch (const std::exception& e) {
    log::error("surfaces", "cannot store the reply to prompt {} yet: {}; kept and tried again", reply.prompt_id,
               e.what());
    if (reply.spool_file.empty()) spool_reply(reply);
    unstored_.push_back(std::move(reply));
    retry_later();
    return;
  }
  std::error_code ec;
  if (!reply.spool_file.empty()) std::filesystem::remove(reply.spool_file, ec);
  changed_(reply.prompt_id);
}

void Surfaces::spool_reply(Reply& reply) {
  try {
    std::string dir = paths::home() + "/spool/replies";
    paths::ensure_private_dir(dir);
    std::string file = dir + "/" + std::to_string(loop_.clock().now_ms()) + "-" + std::to_string(reply.prompt_id) +
                       ".json";
    json j = {{"prompt_id", reply.prompt_id}, {"state", to_text(reply.state)}, {"text", reply.text},
              {"defer_s", reply.defer_s},     {"origin", reply.origin}};
    paths::write_file_atomic(file, dump_text(j));
    reply.spool_file = file;
  } catch (const std::exception& e) {
    // A full disk: the reply stays in memory and is retried from there.
    log::error("surfaces", "cannot spool the reply to prompt {} either: {}", reply.prompt_id, e.what());
  }
}

namespace {
bool is_reply_state(const std::string& text) {
  return text == to_text(PromptState::kAnswered) || text == to_text(PromptState::kSkipped) ||
         text == to_text(PromptState::kDeferred);
}
}  // namespace

// Replies spooled by a daemon that stopped before the database took them.
void Surfaces::ingest_spooled_replies() {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(paths::home() + "/spool/replies", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    json j = json::parse(paths::read_file(it->path().string()), nullptr, false);
    if (!j.is_object() || !j.contains("prompt_id") || !j["prompt_id"].is_number_integer() || !j.contains("state") ||
        !j["state"].is_string() || !is_reply_state(j["state"].get<std::string>())) {
      log::warn("surfaces", "the spooled reply {} cannot be read; kept as .bad", it->path().string());
      std::error_code rec;
      std::filesystem::rename(it->path(), std::filesystem::path(it->path()).replace_extension(".bad"), rec);
      continue;
    }
    Reply reply;
    reply.prompt_id = j["prompt_id"];
    reply.state = prompt_state_of(j["state"].get<std::string>());
    reply.text = j.contains("text") && j["text"].is_string() ? j["text"].get<std::string>() : "";
    reply.defer_s = j.contains("defer_s") && j["defer_s"].is_number_integer() ? j["defer_s"].get<int64_t>() : 0;
    reply.origin = j.contains("origin") && j["origin"].is_string() ? j["origin"].get<std::string>() : "plugin:?";
    reply.spool_file = it->path().string();
    unstored_.push_back(std::move(reply));
  }
  if (!unstored_.empty()) retry_later();
}

void Surfaces::retry_later() {
  if (retry_scheduled_) return;
  retry_scheduled_ = true;
  loop_.call_at(loop_.clock().now() + std::chrono::seconds(5), [this] {
    retry_scheduled_ = false;
    std::deque<Reply> waiting;
    waiting.swap(unstored_);
    for (auto& reply : waiting) store_reply(std::move(reply));
  });
}

}  // namespace devtrack
