// Answering prompts from other commands (the summary's filled-in
// unanswered items) exactly the way `devtrack checkin --answer` does: the
// raw text stored first, then the parse and its outbox rows in one
// transaction, then the daemon told. Implemented in checkin.cc.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace devtrack::cli {

// Throws Error naming the prompt when one cannot be answered.
void answer_prompts(const std::vector<std::pair<int64_t, std::string>>& answers);

}  // namespace devtrack::cli
