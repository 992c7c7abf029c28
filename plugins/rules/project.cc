// Project: what the text points at — the project's id, name or alias
// (typos included), its tickets, a repository or board of its — and only
// where the text says nothing, the branch's tickets, then the trigger's
// repository. Two projects pointed at are ambiguous, not guessed.
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

// One letter swapped with its neighbour, dropped or doubled inside the
// word: "kafak", "biling", "fronend" for kafka, billing, frontend. Words of
// five letters or more only, and never at their ends, so that "project" is
// not a typo of "projectx" nor "spar" of "spark".
bool typo_of(const std::string& word, const std::string& name) {
  if (name.size() < 5 || word.size() < 5 || word == name) return false;
  if (!std::all_of(name.begin(), name.end(), is_alnum)) return false;
  if (word.size() == name.size()) {
    size_t k = swapped_at(word, name);
    return k != std::string_view::npos && k > 0;
  }
  const std::string& longer = word.size() > name.size() ? word : name;
  const std::string& shorter = word.size() > name.size() ? name : word;
  if (longer.size() != shorter.size() + 1) return false;
  size_t k = 0;
  while (k < shorter.size() && longer[k] == shorter[k]) ++k;
  return k > 0 && k + 1 < longer.size() && longer.compare(k + 1, std::string::npos, shorter, k, std::string::npos) == 0;
}

bool named_in(const std::string& lower_text, const std::vector<Word>& words, const Project& p) {
  std::vector<std::string> names = p.aliases;
  names.push_back(p.id);
  if (p.name != p.id) names.push_back(p.name);
  for (const auto& n : names) {
    if (mentions(lower_text, n)) return true;
    std::string lower_name = to_lower(n);
    for (const auto& w : words)
      if (typo_of(w.text, lower_name)) return true;
  }
  return false;
}

// owner/name written as such, not as the start of a longer one
// (acme/web-site is not acme/web).
bool mentions_repo(const std::string& lower_text, const std::string& repo) {
  if (repo.find('/') == std::string::npos) return false;
  std::string r = to_lower(repo);
  for (size_t at = lower_text.find(r); at != std::string::npos; at = lower_text.find(r, at + 1)) {
    size_t end = at + r.size();
    bool left = at == 0 || !(is_alnum(lower_text[at - 1]) || lower_text[at - 1] == '-' || lower_text[at - 1] == '_');
    bool right = end >= lower_text.size() ||
                 !(is_alnum(lower_text[end]) || lower_text[end] == '-' || lower_text[end] == '_' ||
                   (lower_text[end] == '.' && end + 1 < lower_text.size() && is_alnum(lower_text[end + 1])));
    if (left && right) return true;
  }
  return false;
}

// A repository or board of the project written in the text: acme/web,
// github.com/apache/kafka, the Trello board's id.
bool places_in(const std::string& lower_text, const Project& p) {
  for (const auto& r : p.repos)
    if (mentions_repo(lower_text, r)) return true;
  for (const auto& [tracker, names] : p.trackers)
    for (const auto& n : names)
      if (n.find('/') != std::string::npos ? mentions_repo(lower_text, n)
                                           : n.size() >= 6 && mentions(lower_text, n) &&
                                                 std::any_of(n.begin(), n.end(), is_digit))
        return true;  // a board or space id, not a key prefix ("BILL" is the word "bill")
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
  std::vector<Word> words = words_of(text);
  std::vector<std::string> candidates = projects_for_tickets(tickets, c);
  for (const auto& p : c.projects)
    if ((named_in(lower_text, words, p) || places_in(lower_text, p)) &&
        std::find(candidates.begin(), candidates.end(), p.id) == candidates.end())
      candidates.push_back(p.id);
  if (!candidates.empty()) return candidates;
  candidates = projects_for_tickets(branch_tickets, c);
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
