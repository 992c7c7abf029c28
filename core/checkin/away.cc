#include "checkin/away.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "store/capture_store.h"
#include "store/prompt_store.h"

namespace devtrack {

std::optional<TriggerText> away_of(Store& store, const PromptRow& prompt) {
  std::optional<TriggerText> away;
  for (const auto& t : prompt_triggers(store, prompt.id))  // oldest first: the newest wins
    if (t.kind == "away" && t.has_details) away = trigger_text(t.details);
  if (away && (away->start_ms <= 0 || away->end_ms <= away->start_ms)) return std::nullopt;
  return away;
}

std::optional<TriggerText> meeting_during(Store& store, int64_t start_ms, int64_t end_ms) {
  constexpr int64_t kDayMs = 86'400'000;
  std::optional<TriggerText> best;
  int64_t best_overlap = 0;
  // A meeting's trigger is published before it starts, at most a day ahead.
  for (const auto& t : list_triggers(store, TriggerQuery{start_ms - kDayMs, "", 200})) {
    if (t.kind == "away" || t.kind == "commit" || !t.has_details) continue;
    TriggerText m = trigger_text(t.details);
    if (m.start_ms <= 0 || m.end_ms <= m.start_ms || m.title.empty()) continue;
    int64_t overlap = std::min(end_ms, m.end_ms) - std::max(start_ms, m.start_ms);
    if (overlap > best_overlap) {
      best_overlap = overlap;
      best = m;
    }
  }
  return best;
}

bool is_break_answer(const std::string& text) {
  static const std::set<std::string> kBreaks = {
      "break", "a break", "lunch", "lunch break", "coffee", "coffee break", "pause", "afk", "away", "personal",
      "private", "nothing", "none", "no work", "off", "mittag", "mittagspause", "pausa", "déjeuner", "dejeuner"};
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto first = t.find_first_not_of(" \t\r\n.!");
  if (first == std::string::npos) return false;
  t = t.substr(first, t.find_last_not_of(" \t\r\n.!") - first + 1);
  return kBreaks.count(t) > 0;
}

}  // namespace devtrack
