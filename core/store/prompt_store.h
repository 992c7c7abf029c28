// Queries on prompts and responses. The CLI writes answers itself (the raw
// text is committed before anything else happens); the daemon creates and
// schedules prompts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/capture_store.h"
#include "store/states.h"

namespace devtrack {

class Store;

struct PromptRow {
  int64_t id = 0;
  std::string kind;
  PromptState state = PromptState::kPending;
  std::string repo, branch;
  std::string suggestion;  // JSON ticket text, "" for none
  int64_t due_ms = 0;
  int64_t created_ms = 0, updated_ms = 0;
};

struct ResponseRow {
  int64_t id = 0;
  int64_t prompt_id = 0;
  PromptState state = PromptState::kAnswered;  // never kPending
  int64_t at_ms = 0;
  std::string raw_text;
  std::string parsed;  // JSON, "" until parsed
  std::string device;  // its prompt's device id (sync: the one that captured it); "" = this one
};

// The open (pending) prompt for a repository ("" = the one without a repo).
std::optional<PromptRow> open_prompt(Store& store, const std::string& repo);
// Opens a prompt; with a trigger it is attached in the same transaction,
// so a reader never sees the prompt without what opened it.
int64_t create_prompt(Store& store, const PromptRow& prompt, int64_t trigger_id = 0);
void attach_trigger(Store& store, int64_t trigger_id, int64_t prompt_id);
std::optional<PromptRow> get_prompt(Store& store, int64_t id);
// The prompt a trigger belongs to.
std::optional<PromptRow> prompt_of_trigger(Store& store, int64_t trigger_id);
void set_suggestion(Store& store, int64_t prompt_id, const std::string& ticket_json);
// Prompts that want an answer, oldest first; skipped ones after the rest.
std::vector<PromptRow> unanswered_prompts(Store& store, int limit = 50);
std::vector<PromptRow> prompts_in_state(Store& store, PromptState state);

// In one transaction: the response row and the prompt's new state. Returns
// the response id. `due_ms` only for deferred.
int64_t record_response(Store& store, int64_t prompt_id, PromptState state, const std::string& raw_text,
                        int64_t now_ms, int64_t due_ms = 0);
// Changes an answered prompt's text (a correction); parsed is cleared.
void correct_response(Store& store, int64_t response_id, const std::string& raw_text, int64_t now_ms);
void set_parsed(Store& store, int64_t response_id, const std::string& parsed_json);
void set_prompt_state(Store& store, int64_t prompt_id, PromptState state, int64_t now_ms);

std::optional<ResponseRow> latest_response(Store& store, int64_t prompt_id);
std::optional<ResponseRow> response_for_trigger(Store& store, int64_t trigger_id);
// Each prompt's final response (answered, skipped or expired) given in
// [from_ms, to_ms), oldest first: a day's work for the summary and reports.
std::vector<ResponseRow> final_responses(Store& store, int64_t from_ms, int64_t to_ms);
std::vector<ResponseRow> unparsed_answers(Store& store);
// Tickets (JSON array text) of the latest parsed answer for this repo and
// branch, else this repo; "" if none. For suggestions from history.
std::string recent_tickets(Store& store, const std::string& repo, const std::string& branch);
// Tickets of recent answers, for completion: JSON array text.
std::string known_tickets(Store& store, int limit = 50);

// Keeps $DEVTRACK_HOME/pending holding the number of prompts waiting (the
// file is absent when none), so a shell prompt hook can remind the user
// with a builtin `read`, without starting a process.
void update_pending_marker(Store& store, const std::string& home);

}  // namespace devtrack
