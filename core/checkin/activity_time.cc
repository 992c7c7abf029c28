#include "checkin/activity_time.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checkin/away.h"
#include "checkin/prompt_view.h"
#include "config/config.h"
#include "config/work_hours.h"
#include "store/activity_store.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "util/duration.h"

namespace devtrack {

int64_t active_ms(const std::vector<int64_t>& times, int64_t gap_ms) {
  int64_t total = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    int64_t step = times[i] - times[i - 1];
    if (step > 0 && step <= gap_ms) total += step;
  }
  return total;
}

std::optional<Proposal> propose_duration(Store& store, const Config& config, const PromptRow& prompt,
                                         int64_t answered_ms) {
  const std::string repo = repo_context(store, prompt).repo;
  const int64_t gap = std::chrono::duration_cast<std::chrono::milliseconds>(config.activity.gap).count();
  Proposal p;
  // An answer given long after the prompt asked (checkin at the end of the
  // day) is about the work up to then, not what came after.
  int64_t asked = prompt.created_ms;
  for (const auto& t : prompt_triggers(store, prompt.id)) asked = std::max(asked, t.at_ms);
  p.to_ms = asked > 0 && answered_ms - asked > gap ? asked : answered_ms;
  p.from_ms = std::max(previous_answer_ms(store, repo, answered_ms),
                       local_day_start_ms(answered_ms, config.settings.timezone));
  std::vector<int64_t> times = activity_times(store, repo, p.from_ms, p.to_ms);
  int64_t active = active_ms(times, gap);
  if (active < 60'000) return std::nullopt;
  p.minutes = static_cast<int>((active + 30'000) / 60'000);
  p.first_ms = times.front();
  return p;
}

namespace {

bool has_minutes(const nlohmann::json& parsed) {
  return parsed.contains("duration_minutes") && parsed["duration_minutes"].is_number() &&
         parsed["duration_minutes"].get<double>() > 0;
}

}  // namespace

void settle_duration(Store& store, const Config& config, const PromptRow& prompt, const std::string& text,
                     nlohmann::json& parsed, int64_t answered_ms) {
  if (!parsed.is_object()) return;
  if (is_break_answer(text) && away_of(store, prompt)) {
    parsed["break"] = true;
    parsed["tickets"] = nlohmann::json::array();
    parsed.erase("from_suggestion");
    parsed["duration_minutes"] = nullptr;
    parsed.erase("duration_source");
    return;
  }
  if (has_minutes(parsed)) {
    if (!parsed.contains("duration_source")) parsed["duration_source"] = "typed";
    return;
  }
  auto proposal = propose_duration(store, config, prompt, answered_ms);
  if (!proposal) return;
  parsed["duration_minutes"] = proposal->minutes;
  parsed["duration_source"] = "proposed";
  parsed["started_ms"] = proposal->first_ms;
}

std::string proposal_line(Store& store, const Config& config, const PromptRow& prompt, int64_t now_ms) {
  auto proposal = propose_duration(store, config, prompt, now_ms);
  if (!proposal) return "";
  return "About " + minutes_text(proposal->minutes) + " from your activity since " +
         local_clock(proposal->first_ms, config.settings.timezone) + " (kept unless your answer gives a duration)";
}

}  // namespace devtrack
