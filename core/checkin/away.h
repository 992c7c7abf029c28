// A prompt about a time away (the daemon's `trigger.away`, daemon/activity.h):
// its span, the calendar meeting it overlaps, and the answers that say it
// was a break — which logs nothing (docs/time.md, "Away-time backfill").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "checkin/trigger_text.h"

namespace devtrack {

class Store;
struct PromptRow;

// The away trigger of the prompt (the newest), or nullopt for another prompt.
std::optional<TriggerText> away_of(Store& store, const PromptRow& prompt);

// The trigger of a plugin that covers a time range (a calendar meeting)
// overlapping [start_ms, end_ms) most, or nullopt.
std::optional<TriggerText> meeting_during(Store& store, int64_t start_ms, int64_t end_ms);

// "break", "lunch", "coffee", "pause", "afk"... — a whole answer that says
// the time away was no work.
bool is_break_answer(const std::string& text);

}  // namespace devtrack
