// The rules parser's entry: tickets, duration, status and project, each
// found by its own scanner (tickets.cc, duration.cc, status.cc, project.cc),
// and a confidence from what was found.
#include "parse.h"

#include <algorithm>
#include <cctype>

namespace rules {

Result parse(std::string_view text, const Context& c) {
  Result r;
  r.tickets = find_tickets(text, c);
  r.duration_minutes = find_duration(text);
  r.status = find_status(text);
  r.branch_tickets = tickets_in_branch(c.branch, c);
  std::vector<std::string> candidates = project_candidates(text, r.tickets, r.branch_tickets, c);
  if (candidates.size() == 1) r.project = candidates[0];
  else if (candidates.size() > 1) r.ambiguous = candidates;

  bool empty = std::all_of(text.begin(), text.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
  if (!empty) {
    r.confidence = 0.4;
    if (!r.tickets.empty()) r.confidence += 0.3;
    if (!r.project.empty()) r.confidence += 0.1;
    if (r.duration_minutes) r.confidence += 0.1;
    if (!r.status.empty()) r.confidence += 0.1;
    if (!r.ambiguous.empty()) r.confidence -= 0.2;
  }
  return r;
}

}  // namespace rules
