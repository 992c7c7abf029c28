// Maps an edited copy of the summary's Markdown back onto the day's data,
// by the markers summary_markdown() writes (`<!-- answer N -->` under a
// `<!-- devtrack ticket {...} -->`, `<!-- prompt N -->` for unanswered
// prompts), so moving sections around changes nothing. What the user
// changed becomes edits (a ticket's update text), removals (a deleted answer
// or section: not posted) and fills (an unanswered prompt answered). What
// cannot be mapped is listed, never silently dropped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

class Store;

struct SummaryEdits {
  struct Edit {
    int64_t response_id = 0;
    std::string ticket_json;  // "null" for the answers without a ticket
    std::string text;
  };
  struct Fill {
    int64_t prompt_id = 0;
    std::string text;
  };
  std::vector<Edit> edits;     // text changed
  std::vector<Edit> removals;  // deleted (text is the original)
  std::vector<Fill> fills;
  std::vector<std::string> unmapped;  // "line 12: ... (why)"
  bool empty() const { return edits.empty() && removals.empty() && fills.empty(); }
};

SummaryEdits map_summary_edits(const std::string& summary_json, const std::string& edited_markdown);

// The Markdown without the markers and the empty "Answer:" lines: what is
// e-mailed.
std::string strip_summary_markers(const std::string& markdown);

struct PushCounts {
  int edited = 0, dropped = 0, released = 0;
  int posted = 0;  // updates of deleted answers that were posted already: they stay on the tracker
};

// Applies edits and removals to the outbox rows of the day's answers (in
// one IMMEDIATE transaction, so a concurrent writer makes it wait, never
// fail half-way): an edited row gets the new text (a sent one is queued
// again, to be amended); a removed row that was not sent is dropped, and
// the deletion is kept in the answer's parse (kept_tickets(), summary.h)
// so the summary and the report stop counting it; an answer accepted with
// Enter gets its commits' subjects as its text. With `release`, the day's
// held rows are queued and its queued rows made due now. `summary_json`
// must be the day's summary after any fills.
PushCounts apply_summary_edits(Store& store, const std::string& summary_json, const SummaryEdits& edits, bool release,
                               int64_t now_ms);

}  // namespace devtrack
