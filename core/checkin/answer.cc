#include "checkin/answer.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "checkin/trigger_text.h"
#include "config/config.h"
#include "outbox/outbox.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/json_text.h"

namespace devtrack {

namespace {

bool missing(const nlohmann::json& parsed, const char* field) {
  return !parsed.contains(field) || parsed[field].is_null() || (parsed[field].is_string() && parsed[field] == "");
}

// The kv key of a choice: the repository and the trackers it was between.
std::string choice_key(const std::string& repo, const nlohmann::json& entry) {
  std::vector<std::string> trackers;
  for (const auto& t : entry["choices"]) trackers.push_back(tracker_of(t));
  std::sort(trackers.begin(), trackers.end());
  std::string key = repo + "\n";
  for (const auto& t : trackers) key += t + ",";
  return key;
}

bool valid_entry(const nlohmann::json& e) {
  return e.is_object() && e.contains("choices") && e["choices"].is_array() && e["choices"].size() >= 2;
}

void add_ticket(nlohmann::json& parsed, const nlohmann::json& ticket) {
  if (!parsed.contains("tickets") || !parsed["tickets"].is_array()) parsed["tickets"] = nlohmann::json::array();
  for (const auto& t : parsed["tickets"])
    if (t == ticket) return;
  parsed["tickets"].push_back(ticket);
}

constexpr const char* kChoices = "ticket-choices";  // the host's kv namespace

}  // namespace

void settle_remembered_choices(Store& store, const std::string& repo, nlohmann::json& parsed) {
  if (!parsed.is_object() || !parsed.contains("ambiguous_tickets") || !parsed["ambiguous_tickets"].is_array()) return;
  nlohmann::json still = nlohmann::json::array();
  for (const auto& e : parsed["ambiguous_tickets"]) {
    std::optional<std::string> chosen;
    if (valid_entry(e)) chosen = store.kv_get(kChoices, choice_key(repo, e));
    bool taken = false;
    if (chosen)
      for (const auto& t : e["choices"])
        if (!taken && tracker_of(t) == *chosen) {
          add_ticket(parsed, t);
          taken = true;
        }
    if (!taken) still.push_back(e);
  }
  if (still.empty()) parsed.erase("ambiguous_tickets");
  else parsed["ambiguous_tickets"] = still;
}

void take_choice(Store& store, const std::string& repo, nlohmann::json& parsed, size_t entry, size_t choice) {
  nlohmann::json& list = parsed["ambiguous_tickets"];
  if (!list.is_array() || entry >= list.size() || !valid_entry(list[entry]) || choice >= list[entry]["choices"].size())
    return;
  const nlohmann::json ticket = list[entry]["choices"][choice];
  store.kv_set(kChoices, choice_key(repo, list[entry]), tracker_of(ticket));
  add_ticket(parsed, ticket);
  list.erase(entry);
  if (list.empty()) parsed.erase("ambiguous_tickets");
}

void apply_suggestion(Store& store, const PromptRow& prompt, nlohmann::json& parsed) {
  if (!parsed.is_object()) return;
  bool no_ticket = (!parsed.contains("tickets") || !parsed["tickets"].is_array() || parsed["tickets"].empty()) &&
                   !parsed.contains("ambiguous_tickets");
  if (no_ticket && !prompt.suggestion.empty()) {
    parsed["tickets"] = nlohmann::json::array({nlohmann::json::parse(prompt.suggestion)});
    parsed["from_suggestion"] = true;
  }
  auto triggers = prompt_triggers(store, prompt.id);
  for (auto t = triggers.rbegin(); t != triggers.rend(); ++t) {
    if (!t->has_details) continue;
    TriggerText said = trigger_text(t->details);
    if (said.suggested_minutes && missing(parsed, "duration_minutes")) {
      parsed["duration_minutes"] = said.suggested_minutes;
      parsed["duration_source"] = "suggested";
    }
    if (!said.suggested_project.empty() && missing(parsed, "project")) parsed["project"] = said.suggested_project;
  }
}

namespace {

// Whether this device captured the response's prompt (sync: only the
// capturing device posts an answer's updates, docs/sync.md).
bool captured_here(Store& store, int64_t response_id) {
  SQLite::Statement q(store.db(),
                      "SELECT ifnull(p.device, '') FROM responses r JOIN prompts p ON p.id = r.prompt_id WHERE r.id = ?");
  q.bind(1, response_id);
  if (!q.executeStep()) return true;
  std::string device = q.getColumn(0).getString();
  return device.empty() || device == local_device_id(store);
}

}  // namespace

void save_parse(Store& store, const Config& config, int64_t response_id, const nlohmann::json& parsed,
                const AnswerContext& context, int64_t now_ms) {
  if (!captured_here(store, response_id)) {  // another device's answer, edited here: it posts the amend
    set_parsed(store, response_id, parsed.dump());
    return;
  }
  nlohmann::json commits = nlohmann::json::array();
  for (const auto& c : context.commits) commits.push_back({{"commit", c.commit}, {"summary", c.summary}});
  nlohmann::json planned = {
      {"text", context.text}, {"commits", commits}, {"slug", context.slug}, {"answered_at_ms", now_ms}};
  std::string parse = parsed.dump();
  store_parse_and_updates(store, response_id, parse, plan_updates(config, response_id, parse, dump_text(planned), now_ms),
                          now_ms);
}

}  // namespace devtrack
