#include "store/states.h"

#include <iterator>
#include <string>

#include "util/error.h"

namespace devtrack {
namespace {

constexpr const char* kPromptNames[] = {"pending", "answered", "skipped", "deferred", "expired"};
constexpr const char* kUpdateNames[] = {"held", "queued", "sending", "sent", "failed", "blocked", "dropped"};

template <typename State, size_t N>
State state_of(const char* const (&names)[N], std::string_view text, const char* what) {
  for (size_t i = 0; i < N; ++i)
    if (text == names[i]) return static_cast<State>(i);
  throw Error("unknown " + std::string(what) + " state '" + std::string(text) + "' in the database");
}

}  // namespace

const char* to_text(PromptState state) { return kPromptNames[static_cast<size_t>(state)]; }
const char* to_text(UpdateState state) { return kUpdateNames[static_cast<size_t>(state)]; }

PromptState prompt_state_of(std::string_view text) { return state_of<PromptState>(kPromptNames, text, "prompt"); }
UpdateState update_state_of(std::string_view text) { return state_of<UpdateState>(kUpdateNames, text, "update"); }

}  // namespace devtrack
