// The rules parser's entry: tickets, duration, status and project, each
// found by its own scanner (tickets.cc, duration.cc, status.cc, project.cc),
// and a confidence from what was found.
#include "parse.h"

#include <algorithm>
#include <cctype>

namespace rules {

namespace {

// A reference two trackers fit (#12 with GitHub and Gitea) belongs to the
// one the answer's project maps, when it maps exactly one of them.
void settle_by_project(Result& r, const Context& c) {
  std::vector<Ambiguous> still;
  for (auto& a : r.ambiguous_tickets) {
    std::vector<const Ticket*> fits;
    for (const auto& t : a.choices)
      if (project_uses_tracker(c, r.project, t.tracker)) fits.push_back(&t);
    if (fits.size() == 1) {
      if (std::find(r.tickets.begin(), r.tickets.end(), *fits[0]) == r.tickets.end()) r.tickets.push_back(*fits[0]);
    } else {
      still.push_back(std::move(a));
    }
  }
  r.ambiguous_tickets = std::move(still);
}

}  // namespace

Result parse(std::string_view text, const Context& c) {
  Result r;
  r.tickets = find_tickets(text, c, &r.ambiguous_tickets);
  r.duration_minutes = find_duration(text);
  r.status = find_status(text);
  r.branch_tickets = tickets_in_branch(c.branch, c);
  std::vector<std::string> candidates = project_candidates(text, r.tickets, r.branch_tickets, c);
  if (candidates.size() == 1) r.project = candidates[0];
  else if (candidates.size() > 1) r.ambiguous = candidates;
  if (!r.project.empty()) settle_by_project(r, c);

  bool empty = std::all_of(text.begin(), text.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
  if (!empty) {
    r.confidence = 0.4;
    if (!r.tickets.empty() || !r.ambiguous_tickets.empty()) r.confidence += 0.3;
    if (!r.project.empty()) r.confidence += 0.1;
    if (r.duration_minutes) r.confidence += 0.1;
    if (!r.status.empty()) r.confidence += 0.1;
    if (!r.ambiguous.empty()) r.confidence -= 0.2;
  }
  return r;
}

}  // namespace rules
