#include "checkin/answer.h"

#include <nlohmann/json.hpp>

#include "checkin/trigger_text.h"
#include "config/config.h"
#include "outbox/outbox.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "util/json_text.h"

namespace devtrack {

namespace {

bool missing(const nlohmann::json& parsed, const char* field) {
  return !parsed.contains(field) || parsed[field].is_null() || (parsed[field].is_string() && parsed[field] == "");
}

}  // namespace

void apply_suggestion(Store& store, const PromptRow& prompt, nlohmann::json& parsed) {
  if (!parsed.is_object()) return;
  bool no_ticket = !parsed.contains("tickets") || !parsed["tickets"].is_array() || parsed["tickets"].empty();
  if (no_ticket && !prompt.suggestion.empty()) {
    parsed["tickets"] = nlohmann::json::array({nlohmann::json::parse(prompt.suggestion)});
    parsed["from_suggestion"] = true;
  }
  auto triggers = prompt_triggers(store, prompt.id);
  for (auto t = triggers.rbegin(); t != triggers.rend(); ++t) {
    if (!t->has_details) continue;
    TriggerText said = trigger_text(t->details);
    if (said.suggested_minutes && missing(parsed, "duration_minutes"))
      parsed["duration_minutes"] = said.suggested_minutes;
    if (!said.suggested_project.empty() && missing(parsed, "project")) parsed["project"] = said.suggested_project;
  }
}

void save_parse(Store& store, const Config& config, int64_t response_id, const nlohmann::json& parsed,
                const AnswerContext& context, int64_t now_ms) {
  nlohmann::json commits = nlohmann::json::array();
  for (const auto& c : context.commits) commits.push_back({{"commit", c.commit}, {"summary", c.summary}});
  nlohmann::json planned = {
      {"text", context.text}, {"commits", commits}, {"slug", context.slug}, {"answered_at_ms", now_ms}};
  std::string parse = parsed.dump();
  store_parse_and_updates(store, response_id, parse, plan_updates(config, response_id, parse, dump_text(planned), now_ms),
                          now_ms);
}

}  // namespace devtrack
