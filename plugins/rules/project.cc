// Project: named in the text (id, name, alias) > implied by its tickets >
// by the branch's tickets > the trigger's repository.
#include <algorithm>
#include <cstring>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {

// Whole-word, case-insensitive occurrence of `phrase` in `lower_text`.
bool mentions(const std::string& lower_text, const std::string& phrase) {
  if (phrase.empty()) return false;
  std::string p = to_lower(phrase);
  for (size_t at = lower_text.find(p); at != std::string::npos; at = lower_text.find(p, at + 1)) {
    bool left = at == 0 || !is_alnum(lower_text[at - 1]);
    size_t end = at + p.size();
    bool right = end >= lower_text.size() || !is_alnum(lower_text[end]);
    if (left && right) return true;
  }
  return false;
}

const std::vector<std::string>* names_in(const Project& p, const std::string& tracker) {
  for (const auto& [id, names] : p.trackers)
    if (id == tracker) return &names;
  return nullptr;
}

bool project_has_repo(const Project& p, const std::string& repo) {
  if (repo.empty()) return false;
  for (const auto& [tracker, names] : p.trackers)
    if (std::find(names.begin(), names.end(), repo) != names.end()) return true;
  for (const auto& r : p.repos) {
    if (r == repo) return true;
    // A path ending in the configured one (~/src/x vs /home/me/src/x).
    std::string tail = r.rfind("~/", 0) == 0 ? r.substr(1) : r;
    if (!tail.empty() && tail[0] == '/' && repo.size() >= tail.size() &&
        repo.compare(repo.size() - tail.size(), tail.size(), tail) == 0)
      return true;
  }
  return false;
}

// A ticket belongs to a project whose trackers entry for its tracker names
// one of its fields (acme/widgets, a board) or its key's prefix (BILL for
// BILL-7), or whose repos hold its repository.
bool ticket_in_project(const Ticket& t, const Project& p) {
  const auto* names = names_in(p, t.tracker);
  for (const auto& f : t.fields) {
    if (f.value.empty()) continue;
    if (f.type == "repo" && project_has_repo(p, f.value)) return true;
    if (!names) continue;
    for (const auto& n : *names)
      if (n == f.value || (f.type == "key" && f.value.size() > n.size() && f.value.compare(0, n.size(), n) == 0 &&
                           f.value[n.size()] == '-'))
        return true;
  }
  return false;
}

std::vector<std::string> projects_for_tickets(const std::vector<Ticket>& tickets, const Context& c) {
  std::vector<std::string> ids;
  for (const auto& t : tickets)
    for (const auto& p : c.projects)
      if (ticket_in_project(t, p) && std::find(ids.begin(), ids.end(), p.id) == ids.end()) ids.push_back(p.id);
  return ids;
}

}  // namespace

std::vector<std::string> project_candidates(std::string_view text, const std::vector<Ticket>& tickets,
                                            const std::vector<Ticket>& branch_tickets, const Context& c) {
  std::string lower_text = to_lower(text);
  std::vector<std::string> named;
  for (const auto& p : c.projects) {
    bool hit = mentions(lower_text, p.id) || (p.name != p.id && mentions(lower_text, p.name));
    for (const auto& a : p.aliases) hit = hit || mentions(lower_text, a);
    if (hit) named.push_back(p.id);
  }
  if (!named.empty()) return named;
  std::vector<std::string> candidates = projects_for_tickets(tickets, c);
  if (candidates.empty()) candidates = projects_for_tickets(branch_tickets, c);
  if (candidates.empty())
    for (const auto& p : c.projects)
      if (project_has_repo(p, c.repo) || project_has_repo(p, c.slug)) candidates.push_back(p.id);
  return candidates;
}

}  // namespace rules

namespace rules {

bool project_uses_tracker(const Context& c, const std::string& project, const std::string& tracker) {
  for (const auto& p : c.projects)
    if (p.id == project) return names_in(p, tracker) != nullptr;
  return false;
}

}  // namespace rules
