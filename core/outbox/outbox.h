// What an answer turns into in the outbox, and the one retry policy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <nlohmann/json_fwd.hpp>

#include "store/outbox_store.h"

namespace devtrack {

struct Config;

// The updates an answer makes: per ticket one comment, plus a worklog when
// a duration was given and the tracker's `worklogs` option is on, plus a
// transition when its `transitions` option maps the answer's status — for
// the tracker plugin of the ticket's system, if it is enabled. `context_json` holds
// {"text", "commits": [{"commit", "summary"}], "answered_at_ms"}. An answer
// with no text (Enter on the suggestion) gets accepted_text() as its text
// and "accepted": true in the body, which the summary shows as accepted.
// A worklog's minutes follow tracker.round; in end-of-day mode it is a part
// of the ticket's worklog of the local day (`aggregate`), rounded there.
std::vector<UpdateRow> plan_updates(const Config& config, int64_t response_id, const std::string& parsed_json,
                                    const std::string& context_json, int64_t now_ms);

// What an answer accepted with Enter (no text) says: its commits' short ids
// and subjects, "abc1234 Fix the widget; def5678 Tidy up" ("" without
// commits). `commits` is [{"commit", "summary"}] as in the context.
std::string accepted_text(const nlohmann::json& commits);

// The tracker plugin a ticket belongs to: its "tracker" (ABI 1.1 parsers),
// else its "system" (1.0 parsers and older rows); "" for what is no ticket.
std::string tracker_of(const nlohmann::json& ticket);

// How a ticket reads, through its tracker's show template ("{repo}#{number}"
// -> "acme/widgets#12"); a ticket without one (older rows, a tracker's own
// list) reads by its fields: its key, else [repo]#number, else
// tracker:id. "" for what is not a ticket.
std::string ticket_text(const nlohmann::json& ticket);

// Whether the ticket names no repository but its tracker's tickets have one
// (a bare #12: its show template has {repo}; an older row without one: a
// null repo or a number): the project's or the commits' repository fills
// it in.
bool needs_repo(const nlohmann::json& ticket);

// Full-jitter exponential backoff (base 30 s, cap 1 h) for the n-th
// attempt, never sooner than retry_after_s. `random01` is in [0, 1).
int64_t retry_delay_ms(int attempt, int retry_after_s, double random01);
constexpr int kMaxAttempts = 10;

}  // namespace devtrack
