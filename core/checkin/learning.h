// What DevTrack learns about reading answers, from the trackers and from
// the user (docs/parsing.md, "Learning"). Parsers find references in text
// alone; the host knows what happened to them since:
//   - a ticket a tracker said does not exist (resolve: not found) is not
//     proposed again, in any repository, and the answer it came from is
//     marked so that `devtrack log` and the summary ask about it;
//   - a ticket the user put right with `checkin --edit` (the answer
//     otherwise the same) is read as the one written instead, next time in
//     that repository;
//   - where an answer names no project, the one every earlier answer in
//     the repository had is taken; where it names no ticket, the one every
//     earlier answer on the branch had.
// All of it lives in the store (the host's kv namespace "@learned" and the
// answers themselves), is applied to the merged result of the parsers
// (after them, whatever parser runs), is shown by `devtrack parse
// --explain` ("learned") and listed and forgotten by `devtrack learned`.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace devtrack {

class Store;

// One thing learned: its key (for `devtrack learned forget KEY`), what
// kind ("not_found" | "correction"), the repository it holds for ("" =
// everywhere), the ticket, what replaces it (null = nothing) and why.
struct Learned {
  std::string key;
  std::string kind;
  std::string repo;
  std::string ticket_json;
  std::string instead_json;  // "null" when the ticket is just dropped
  std::string why;
  int64_t at_ms = 0;
};

// The tracker said `ticket` does not exist: `why` is its words ("jira: no
// such issue").
void learn_not_found(Store& store, const nlohmann::json& ticket, const std::string& why, int64_t now_ms);
bool known_not_found(Store& store, const nlohmann::json& ticket);

// The user corrected an answer in `repo`: its text and parse before and
// after. When the answer says the same apart from one ticket put right
// (BILL-12 -> BILL-21, at least half its other words kept), that ticket
// is read as the new one here from now on; another piece of work written
// over the answer, or several tickets changed, teach nothing.
void learn_from_edit(Store& store, const std::string& repo, const std::string& before_text,
                     const nlohmann::json& before, const std::string& after_text, const nlohmann::json& after,
                     int64_t now_ms);

// Applies what was learned to a merged parse result for an answer in
// `repo` on `branch`: drops or replaces tickets, fills the project and a
// ticket from history, and says what it did in parsed["learned"] (a list
// of {"ticket" | "project", "action", "why"}). `ticket_from_history` false
// (`checkin --no-suggestion`) takes no ticket the answer did not name.
void apply_learning(Store& store, const std::string& repo, const std::string& branch, nlohmann::json& parsed,
                    bool ticket_from_history = true);

std::vector<Learned> learned(Store& store);
// Forgets one thing (by key) or, with key "", everything; returns how many.
int forget_learned(Store& store, const std::string& key);

}  // namespace devtrack
