#include "checkin/answer.h"

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "outbox/outbox.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "util/json_text.h"

namespace devtrack {

void apply_suggestion(nlohmann::json& parsed, const std::string& suggestion) {
  if (!parsed.is_object() || suggestion.empty()) return;
  if (parsed.contains("tickets") && parsed["tickets"].is_array() && !parsed["tickets"].empty()) return;
  parsed["tickets"] = nlohmann::json::array({nlohmann::json::parse(suggestion)});
  parsed["from_suggestion"] = true;
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
