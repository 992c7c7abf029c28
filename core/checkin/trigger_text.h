// A trigger as a person sees it. Core knows one trigger kind by name, the
// commit (its own capture); every other kind comes from a plugin, which says
// in its payload what the prompt, `devtrack log`, the summary and reports
// show for it. The payload is stored as the trigger's details; all of
// these fields are optional (docs/plugin-authoring.md, "Trigger plugins"):
//
//   "title":     what happened, short      "Sprint planning"
//   "question":  the prompt's first line   "It has been a while since..."
//   "start_ms", "end_ms": the time it covers (ms since the epoch)
//   "suggested": {"minutes": 60, "project": "widgets", "ticket": {...}}
//   "hint":      more text for the parsers, never shown ("alice@acme.test")
//
// A project or ticket the plugin does not suggest is guessed by the
// daemon from the title and hint through the parsers, as for an answer.
// Without a question the prompt asks about the title and time range, and
// without a title it asks what you worked on.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

class TimeZone;

struct TriggerText {
  std::string title, question;  // valid UTF-8, bounded
  int64_t start_ms = 0, end_ms = 0;
  int suggested_minutes = 0;      // 0 = none
  std::string suggested_project;  // a project id, "" = none
  std::string suggested_ticket;   // a JSON ticket object, "" = none
  std::string hint;               // for the parsers only
};

// Reads the fields from a trigger's details; what is missing, of the wrong
// type or out of range is left empty (a plugin's payload is outside input).
TriggerText trigger_text(const std::string& details_json);

// "Sprint planning (10:00–11:00)", "Sprint planning", or "" without a
// title; times in `zone` (configured_zone(), config/work_hours.h).
std::string trigger_label(const TriggerText& t, const TimeZone* zone);

// The line the prompt asks with: the plugin's question, else "What came out
// of 'Sprint planning' (10:00–11:00)?", else "" (the caller's default).
std::string trigger_question(const TriggerText& t, const TimeZone* zone);

}  // namespace devtrack
