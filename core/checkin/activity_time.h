// Minutes the user did not type: a duration proposed from activity for an
// answer that names none (docs/time.md, "Durations from activity").
//
// The proposal counts the time between consecutive activities (editor
// heartbeats, saves, commits) since the previous answer in the prompt's
// repository — every repository's for a prompt without one — and not
// before the local day began, up to the answer — or up to when the prompt
// asked, for an answer given more than activity.gap after it; a pause
// longer than activity.gap is cut out, the way WakaTime counts time from
// heartbeats.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace devtrack {

class Store;
struct Config;
struct PromptRow;

// The time between consecutive `times` (sorted), pauses over `gap_ms` left out.
int64_t active_ms(const std::vector<int64_t>& times, int64_t gap_ms);

struct Proposal {
  int minutes = 0;
  int64_t from_ms = 0, to_ms = 0;  // the window read
  int64_t first_ms = 0;            // its first activity: when the work began
};

// The proposal for an answer to `prompt` given at `answered_ms`; nullopt
// when the activity adds up to less than a minute.
std::optional<Proposal> propose_duration(Store& store, const Config& config, const PromptRow& prompt,
                                         int64_t answered_ms);

// Records where the answer's minutes come from ("duration_source"):
// "typed" in the answer, "suggested" by its trigger (apply_suggestion: a
// meeting's length, a time away), else "proposed" from activity, which
// then fills "duration_minutes" (and "started_ms", the first activity).
// An answer to a time away that says it was a break (checkin/away.h) is
// marked "break": true and logs nothing: no minutes, no tickets.
void settle_duration(Store& store, const Config& config, const PromptRow& prompt, const std::string& text,
                     nlohmann::json& parsed, int64_t answered_ms);

// "about 45 min from your activity": the prompt's line for the proposal, or "".
std::string proposal_line(Store& store, const Config& config, const PromptRow& prompt, int64_t now_ms);

}  // namespace devtrack
