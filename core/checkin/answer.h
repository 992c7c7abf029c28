// The answer pipeline, shared by the daemon (answers from surfaces and
// spooled ones) and the CLI (`devtrack checkin`): after the answer itself
// is stored, its parse takes the prompt's suggested ticket when it names
// none, and the parse is stored with the outbox rows it makes, in one
// transaction.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace devtrack {

class Store;
struct Config;
struct PromptCommit;
struct PromptRow;

// What the answer was given about: its text, the prompt's commits and the
// owner/name that routes a bare #12.
struct AnswerContext {
  std::string text;
  std::vector<PromptCommit> commits;
  std::string slug;
};

// What the prompt suggests fills what the answer leaves out: no ticket
// (nor an ambiguous one) takes the prompt's suggested ticket (marked "from_suggestion"); no
// duration or project takes the one its trigger suggested (a meeting's
// length, say: trigger_text.h), the newest trigger's first.
void apply_suggestion(Store& store, const PromptRow& prompt, nlohmann::json& parsed);

// A reference the parser left to several trackers ("ambiguous_tickets":
// #12 with GitHub and Gitea both enabled) is asked, not guessed, and the
// choice is remembered for the repository (`repo`, a path; "" for none).
// settle_remembered_choices() takes what was chosen before in `repo` into
// "tickets"; take_choice() takes choice `choice` of entry `entry` and
// remembers it.
void settle_remembered_choices(Store& store, const std::string& repo, nlohmann::json& parsed);
void take_choice(Store& store, const std::string& repo, nlohmann::json& parsed, size_t entry, size_t choice);

// Stores the parse of response `response_id` and plans its updates, in one
// transaction (store_parse_and_updates).
void save_parse(Store& store, const Config& config, int64_t response_id, const nlohmann::json& parsed,
                const AnswerContext& context, int64_t now_ms);

}  // namespace devtrack
