#include "checkin/learning.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <nlohmann/json.hpp>

#include "outbox/outbox.h"
#include "store/store.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

namespace {

constexpr const char* kLearned = "@learned";  // the host's kv namespace ('@': no plugin id has one)

// A ticket as the key of what was learned about it: tracker and shown text.
std::string ticket_key(const json& ticket) { return tracker_of(ticket) + " " + ticket_text(ticket); }

std::string not_found_key(const json& ticket) { return "not_found " + ticket_key(ticket); }
std::string correction_key(const std::string& repo, const json& ticket) {
  return "correction " + ticket_key(ticket) + " in " + repo;
}

bool has_tickets(const json& parsed, const char* field) {
  return parsed.contains(field) && parsed[field].is_array() && !parsed[field].empty();
}

bool names_project(const json& parsed) { return parsed.contains("project") && parsed["project"].is_string(); }

void note(json& parsed, json entry) {
  if (!parsed.contains("learned") || !parsed["learned"].is_array()) parsed["learned"] = json::array();
  parsed["learned"].push_back(std::move(entry));
}

// The parses of the latest answers of prompts in `repo` (and on `branch`,
// when given), newest first.
std::vector<json> earlier_parses(Store& store, const std::string& repo, const std::string& branch, int limit) {
  SQLite::Statement q(store.db(),
                      "SELECT r.parsed FROM responses r JOIN prompts p ON r.prompt_id = p.id "
                      "WHERE p.repo = ? AND (? = '' OR p.branch = ?) AND r.state = 'answered' "
                      "AND r.parsed IS NOT NULL ORDER BY r.id DESC LIMIT ?");
  q.bind(1, repo);
  q.bind(2, branch);
  q.bind(3, branch);
  q.bind(4, limit);
  std::vector<json> out;
  while (q.executeStep()) {
    json p = json::parse(q.getColumn(0).getString(), nullptr, false);
    if (p.is_object()) out.push_back(std::move(p));
  }
  return out;
}

// Every earlier answer that said `field` said the same: that value, once
// at least `enough` did.
json agreed(const std::vector<json>& parses, const char* field, size_t enough) {
  json value;
  size_t said = 0;
  for (const auto& p : parses) {
    if (!p.contains(field) || p[field].is_null() || (p[field].is_array() && p[field].empty())) continue;
    if (said++ && p[field] != value) return nullptr;
    value = p[field];
  }
  return said >= enough ? value : json(nullptr);
}

// Drops or replaces each ticket the store knows better about.
void apply_tickets(Store& store, const std::string& repo, json& parsed) {
  if (!has_tickets(parsed, "tickets")) return;
  json kept = json::array();
  for (const auto& t : parsed["tickets"]) {
    if (auto v = store.kv_get(kLearned, not_found_key(t))) {
      json l = json::parse(*v, nullptr, false);
      note(parsed, {{"ticket", t}, {"action", "dropped"}, {"why", l.is_object() ? l.value("why", "") : ""}});
      if (!parsed.contains("not_found") || !parsed["not_found"].is_array()) parsed["not_found"] = json::array();
      parsed["not_found"].push_back(t);  // `devtrack checkin` says it was left out, and why
      continue;
    }
    if (auto v = store.kv_get(kLearned, correction_key(repo, t))) {
      json l = json::parse(*v, nullptr, false);
      json instead = l.is_object() && l.contains("instead") ? l["instead"] : json(nullptr);
      note(parsed, {{"ticket", t}, {"action", instead.is_object() ? "replaced" : "dropped"},
                    {"instead", instead}, {"why", "you corrected it in this repository"}});
      if (instead.is_object() && std::find(kept.begin(), kept.end(), instead) == kept.end()) kept.push_back(instead);
      continue;
    }
    kept.push_back(t);
  }
  parsed["tickets"] = kept;
}

void apply_history(Store& store, const std::string& repo, const std::string& branch, json& parsed,
                   bool ticket_from_history) {
  if (repo.empty()) return;
  if (!names_project(parsed) && !parsed.contains("ambiguous")) {
    auto parses = earlier_parses(store, repo, "", 20);
    json project = agreed(parses, "project", 3);
    if (project.is_string()) {
      parsed["project"] = project;
      note(parsed, {{"project", project}, {"action", "taken"}, {"why", "every earlier answer in this repository"}});
    }
  }
  static const char* const trunks[] = {"main", "master", "develop", "trunk"};
  bool trunk = std::find(std::begin(trunks), std::end(trunks), branch) != std::end(trunks);
  if (ticket_from_history && !branch.empty() && !trunk && !has_tickets(parsed, "tickets") &&
      !has_tickets(parsed, "ambiguous_tickets")) {
    json tickets = agreed(earlier_parses(store, repo, branch, 10), "tickets", 1);
    if (tickets.is_array() && tickets.size() == 1) {
      parsed["tickets"] = tickets;
      parsed["from_history"] = true;
      note(parsed, {{"ticket", tickets[0]}, {"action", "taken"}, {"why", "every earlier answer on " + branch}});
    }
  }
}

// The words of an answer that are no reference: letters only, lower case
// ("exports", "for" of "exports for BILL-12, 30m").
std::set<std::string> plain_words(const std::string& text) {
  std::set<std::string> out;
  std::string word;
  bool digit = false;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '#' || c == '/') {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      digit = digit || std::isdigit(static_cast<unsigned char>(c));
      continue;
    }
    if (!word.empty() && !digit) out.insert(word);
    word.clear();
    digit = false;
  }
  return out;
}

// Whether two answers say the same apart from their references: at least
// half their words shared (a typo fixed, not another piece of work).
bool same_answer(const std::string& a, const std::string& b) {
  auto x = plain_words(a), y = plain_words(b);
  size_t shared = 0;
  for (const auto& w : x) shared += y.count(w);
  size_t all = x.size() + y.size() - shared;
  return all == 0 || shared * 2 >= all;
}

}  // namespace

void learn_not_found(Store& store, const json& ticket, const std::string& why, int64_t now_ms) {
  if (!ticket.is_object() || tracker_of(ticket).empty()) return;
  store.kv_set(kLearned, not_found_key(ticket),
               json{{"kind", "not_found"}, {"repo", ""}, {"ticket", ticket}, {"instead", nullptr}, {"why", why},
                    {"at_ms", now_ms}}
                   .dump());
}

bool known_not_found(Store& store, const json& ticket) {
  return ticket.is_object() && store.kv_get(kLearned, not_found_key(ticket)).has_value();
}

void learn_from_edit(Store& store, const std::string& repo, const std::string& before_text, const json& before,
                     const std::string& after_text, const json& after, int64_t now_ms) {
  if (!before.is_object() || !after.is_object() || !same_answer(before_text, after_text)) return;
  json was = has_tickets(before, "tickets") ? before["tickets"] : json::array();
  json now = has_tickets(after, "tickets") ? after["tickets"] : json::array();
  auto missing_from = [](const json& list, const json& from) {
    json out = json::array();
    for (const auto& t : list)
      if (std::none_of(from.begin(), from.end(), [&](const json& o) { return ticket_key(o) == ticket_key(t); }))
        out.push_back(t);
    return out;
  };
  // One reference put right: remembered. Several changed, or one only
  // taken out, say too little about which phrase meant what.
  json gone = missing_from(was, now), came = missing_from(now, was);
  if (gone.size() != 1 || came.size() != 1) return;
  store.kv_set(kLearned, correction_key(repo, gone[0]),
               json{{"kind", "correction"}, {"repo", repo}, {"ticket", gone[0]}, {"instead", came[0]},
                    {"why", "you corrected it in this repository"}, {"at_ms", now_ms}}
                   .dump());
}

void apply_learning(Store& store, const std::string& repo, const std::string& branch, json& parsed,
                    bool ticket_from_history) {
  if (!parsed.is_object()) return;
  apply_tickets(store, repo, parsed);
  apply_history(store, repo, branch, parsed, ticket_from_history);
}

std::vector<Learned> learned(Store& store) {
  std::vector<Learned> out;
  for (const auto& [key, value] : store.kv_list(kLearned)) {
    json v = json::parse(value, nullptr, false);
    if (!v.is_object()) continue;
    out.push_back({key, v.value("kind", ""), v.value("repo", ""), v.value("ticket", json(nullptr)).dump(),
                   v.value("instead", json(nullptr)).dump(), v.value("why", ""), v.value("at_ms", int64_t{0})});
  }
  return out;
}

int forget_learned(Store& store, const std::string& key) {
  int n = 0;
  for (const auto& l : learned(store))
    if (key.empty() || l.key == key) {
      store.kv_erase(kLearned, l.key);
      ++n;
    }
  return n;
}

}  // namespace devtrack
