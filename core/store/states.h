// The states a prompt, its responses and an outbox update move through.
// The database keeps them as text (the CHECKs in schema.cc) and the CLI's
// --json shows that text; this header and states.cc are the one place the
// names are spelled. Everything above the store compares enums.
#pragma once

#include <string_view>

namespace devtrack {

// A prompt: pending until answered, skipped, deferred or expired. A
// response carries the state it moved its prompt to (never pending).
enum class PromptState { kPending, kAnswered, kSkipped, kDeferred, kExpired };

// An outbox row (store/outbox_store.h tells the transitions).
enum class UpdateState { kHeld, kQueued, kSending, kSent, kFailed, kBlocked, kDropped };

const char* to_text(PromptState state);
const char* to_text(UpdateState state);
// The state a stored name stands for; throws Error on a name the schema
// does not allow (a database written by a newer version).
PromptState prompt_state_of(std::string_view text);
UpdateState update_state_of(std::string_view text);

}  // namespace devtrack
