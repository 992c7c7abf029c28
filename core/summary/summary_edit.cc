#include "summary/summary_edit.h"

#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <cstring>
#include <set>

#include "outbox/outbox.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "summary/summary.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

namespace {

struct Item {
  int64_t id = 0;  // response id (answers) or prompt id (unanswered)
  json ticket;
  bool in_ticket = false;
  std::string text;
  int line = 0;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Lines under an answer that only inform: its commits ("- `abc1234` ...")
// and notes ("- _45 min proposed from your activity_").
bool is_info_line(const std::string& trimmed) {
  return trimmed.rfind("- `", 0) == 0 || trimmed.rfind("- _", 0) == 0;
}

std::string where(int line) { return "line " + std::to_string(line) + ": "; }

std::string ticket_name(const json& t) { return t.is_null() ? "no ticket" : ticket_text(t); }

// Text with every run of blanks and line breaks as one space: a multi-line
// answer reads back from its indented lines joined by spaces, and that is
// no edit.
std::string collapse_blanks(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!blank) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The markers are matched by hand, not with std::regex: libstdc++'s regex
// recurses once per character and overflowed the stack on a 30 K line.

// Digits at s[at...] up to `end`; the number, or -1.
int64_t number_at(const std::string& s, size_t at, size_t end) {
  if (at >= end || end - at > 18) return -1;
  int64_t n = 0;
  for (size_t i = at; i < end; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

// "- TEXT <!-- answer N -->" (trailing blanks allowed): TEXT and N.
bool match_answer(const std::string& line, std::string* text, int64_t* id) {
  static const std::string open = "<!-- answer ", close = " -->";
  std::string t = line.substr(0, line.find_last_not_of(" \t\r") + 1);
  if (t.rfind("- ", 0) != 0 || t.size() < close.size() || t.compare(t.size() - close.size(), close.size(), close) != 0)
    return false;
  size_t at = t.rfind(open);
  if (at == std::string::npos || at < 2) return false;
  *id = number_at(t, at + open.size(), t.size() - close.size());
  if (*id < 0) return false;
  *text = trim(t.substr(2, at - 2));
  return true;
}

// "<!-- prompt N -->" anywhere in the line: N.
bool find_prompt_marker(const std::string& line, int64_t* id) {
  static const std::string open = "<!-- prompt ";
  for (size_t at = line.find(open); at != std::string::npos; at = line.find(open, at + 1)) {
    size_t end = line.find(" -->", at + open.size());
    if (end == std::string::npos) return false;
    *id = number_at(line, at + open.size(), end);
    if (*id >= 0) return true;
  }
  return false;
}

// A line that is only "<!-- devtrack ticket JSON -->": JSON.
bool match_ticket_marker(const std::string& line, std::string* ticket) {
  static const std::string open = "<!-- devtrack ticket ", close = " -->";
  std::string t = trim(line);
  if (t.rfind(open, 0) != 0 || t.size() < open.size() + close.size() ||
      t.compare(t.size() - close.size(), close.size(), close) != 0)
    return false;
  *ticket = t.substr(open.size(), t.size() - open.size() - close.size());
  return true;
}

// The line without its markers (and the blanks before each).
std::string without_markers(const std::string& line) {
  static const char* const kinds[] = {"devtrack ticket ", "answer ", "prompt "};
  std::string out;
  size_t from = 0;
  for (size_t at = line.find("<!-- "); at != std::string::npos; at = line.find("<!-- ", at + 1)) {
    size_t kind = at + 5, name = 0;
    for (const char* k : kinds)
      if (line.compare(kind, std::strlen(k), k) == 0) name = std::strlen(k);
    size_t end = line.find('>', kind);  // the marker's text holds no '>'
    if (!name || end == std::string::npos || end < kind + name + 2 || line.compare(end - 2, 3, "-->") != 0) continue;
    size_t keep = at;  // the blanks just before the marker go with it
    while (keep > from && (line[keep - 1] == ' ' || line[keep - 1] == '\t' || line[keep - 1] == '\r')) --keep;
    out += line.substr(from, keep - from);
    from = end + 1;
    at = end;
  }
  out += line.substr(from);
  return out;
}

}  // namespace

namespace {

// The edited file read back: each answer line and each filled-in prompt,
// with the continuation lines that belong to it.
struct EditedFile {
  std::vector<Item> answers, fills;
};

// The indented lines after lines[*i] go with it (commit lines are
// information only); for a prompt, only what follows "Answer:".
void take_continuation(const std::vector<std::string>& lines, size_t* i, bool is_answer, Item* item) {
  bool answer_started = is_answer;
  while (*i + 1 < lines.size() && !lines[*i + 1].empty() && (lines[*i + 1][0] == ' ' || lines[*i + 1][0] == '\t')) {
    std::string t = trim(lines[++*i]);
    if (t.empty() || is_info_line(t)) continue;
    if (!is_answer && t.rfind("Answer:", 0) == 0) {
      t = trim(t.substr(7));
      answer_started = true;
    }
    if (!answer_started) continue;
    if (!t.empty()) item->text += (item->text.empty() ? "" : " ") + t;
  }
}

EditedFile read_edited(const std::string& summary_json, const std::string& edited, SummaryEdits& out) {
  std::set<std::string> known_lines;
  for (const auto& l : split(summary_markdown(summary_json), '\n')) known_lines.insert(trim(l));
  EditedFile file;
  std::vector<std::string> lines = split(edited, '\n');
  json ticket;
  bool in_ticket = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("#", 0) == 0) {
      in_ticket = false;
      continue;
    }
    std::string ticket_text_json, answer_text;
    int64_t marker_id = 0;
    if (match_ticket_marker(line, &ticket_text_json)) {
      ticket = json::parse(ticket_text_json, nullptr, false);
      in_ticket = !ticket.is_discarded();
      if (!in_ticket) out.unmapped.push_back(where(i + 1) + "a ticket marker that is not valid: " + line);
      continue;
    }
    bool is_answer = match_answer(line, &answer_text, &marker_id);
    bool is_prompt = !is_answer && find_prompt_marker(line, &marker_id);
    if (!is_answer && !is_prompt) {
      std::string t = trim(line);
      if (!t.empty() && !known_lines.count(t))
        out.unmapped.push_back(where(i + 1) + t + "  (outside any answer: write it into an answer's line)");
      continue;
    }
    Item item{marker_id, ticket, in_ticket, is_answer ? answer_text : "", static_cast<int>(i + 1)};
    take_continuation(lines, &i, is_answer, &item);
    (is_answer ? file.answers : file.fills).push_back(item);
  }
  return file;
}

using AnswerKey = std::pair<int64_t, std::string>;  // response id, ticket JSON

// Each answer the summary showed against the edited file: kept, reworded,
// emptied or deleted (removed), or moved to another ticket (refused).
std::set<AnswerKey> compare_answers(const json& summary, const std::vector<Item>& answers, SummaryEdits& out) {
  std::set<AnswerKey> matched;
  for (const auto& p : summary["projects"])
    for (const auto& t : p["tickets"])
      for (const auto& a : t["answers"]) {
        int64_t rid = a["response_id"];
        const Item* same = nullptr;
        const Item* moved = nullptr;
        for (const auto& it : answers) {
          if (it.id != rid || !it.in_ticket) continue;
          if (it.ticket == t["ticket"]) {
            if (!same) same = &it;
          } else if (!moved) {
            moved = &it;
          }
        }
        SummaryEdits::Edit e{rid, t["ticket"].dump(), a["text"]};
        if (same) {
          matched.insert({rid, t["ticket"].dump()});
          if (same->text.empty()) out.removals.push_back(e);
          else if (collapse_blanks(same->text) != collapse_blanks(a["text"].get<std::string>()))
            out.edits.push_back({rid, t["ticket"].dump(), same->text});
        } else if (moved) {
          matched.insert({rid, moved->ticket.dump()});
          out.unmapped.push_back(where(moved->line) + "answer " + std::to_string(rid) + " moved from " +
                                 ticket_name(t["ticket"]) + " to " + ticket_name(moved->ticket) +
                                 " (kept under " + ticket_name(t["ticket"]) +
                                 "; change an answer's tickets with devtrack checkin --edit " +
                                 std::to_string(a["prompt_id"].get<int64_t>()) + ")");
        } else {
          out.removals.push_back(e);
        }
      }
  return matched;
}

// Answer lines that match nothing the summary showed, or appear twice.
void report_strays(const std::vector<Item>& answers, const std::set<AnswerKey>& matched, SummaryEdits& out) {
  std::set<AnswerKey> seen;
  for (const auto& it : answers) {
    AnswerKey key{it.id, it.ticket.dump()};
    if (!it.in_ticket)
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) + " is outside a ticket section");
    else if (!matched.count(key))
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) + " under " +
                             ticket_name(it.ticket) + " is not one of this day's");
    else if (!seen.insert(key).second)
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) +
                             " appears twice; the first copy counts");
  }
}

void map_fills(const json& summary, const std::vector<Item>& fills, SummaryEdits& out) {
  std::set<int64_t> unanswered;
  for (const auto& u : summary["unanswered"]) unanswered.insert(u["prompt_id"].get<int64_t>());
  for (const auto& f : fills) {
    if (!unanswered.count(f.id)) {
      out.unmapped.push_back(where(f.line) + "prompt " + std::to_string(f.id) + " is not one of this day's unanswered");
    } else if (!f.text.empty()) {
      out.fills.push_back({f.id, f.text});
      unanswered.erase(f.id);  // filled once
    }
  }
}

}  // namespace

SummaryEdits map_summary_edits(const std::string& summary_json, const std::string& edited) {
  json summary = json::parse(summary_json);
  SummaryEdits out;
  EditedFile file = read_edited(summary_json, edited, out);
  report_strays(file.answers, compare_answers(summary, file.answers, out), out);
  map_fills(summary, file.fills, out);
  return out;
}

std::string strip_summary_markers(const std::string& markdown) {
  std::string out;
  for (const auto& line : split(markdown, '\n')) {
    std::string l = without_markers(line);
    if (trim(l) == "Answer:" || (l.empty() && !line.empty())) continue;
    out += l + "\n";
  }
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

namespace {

// A deletion is kept in the answer's parse ("summary_removed": the tickets
// it was deleted under), so the next summary and the report leave it out
// whether or not it had updates to drop (an answer without a ticket has
// none; a posted one cannot be taken back).
void record_removal(Store& store, int64_t response_id, int64_t prompt_id, const json& tickets) {
  auto r = latest_response(store, prompt_id);
  if (!r || r->id != response_id) return;  // corrected since: the new answer stands
  json parsed = json::parse(r->parsed.empty() ? "{}" : r->parsed, nullptr, false);
  if (!parsed.is_object()) parsed = json::object();
  json& removed = parsed["summary_removed"];
  if (!removed.is_array()) removed = json::array();
  for (const auto& t : tickets)
    if (std::find(removed.begin(), removed.end(), t) == removed.end()) removed.push_back(t);
  set_parsed(store, response_id, parsed.dump());
}

// A deleted answer's row: dropped unless it went out already.
void drop_row(Store& store, const UpdateRow& u, PushCounts& counts, int64_t now_ms) {
  if (drop_unless_sent(store, u, now_ms)) ++counts.dropped;
  else if (u.state != UpdateState::kDropped) ++counts.posted;
}

// What the summary does to one kept row: the edited text (`edit`, or
// nullptr), else for an answer accepted with Enter the commits' subjects
// (`accepted`, "" otherwise) in place of an empty text; then the release.
// The state change that follows is the store's (apply_summary_revision).
void revise_row(Store& store, const UpdateRow& u, const std::string* edit, const std::string& accepted, bool release,
                PushCounts& counts, int64_t now_ms) {
  SummaryRevision r;
  r.release = release;
  json b = json::parse(u.body, nullptr, false);
  if (!b.is_object()) b = json::object();
  bool empty_text = !b.contains("text") || !b["text"].is_string() || b["text"].get<std::string>().empty();
  if (edit && u.kind == "comment") {
    b["text"] = *edit;
    b.erase("accepted");  // the words are the user's now
    r.body = b.dump();
    r.edited = true;
    ++counts.edited;
  } else if (!accepted.empty() && u.kind == "comment" && is_unsent(u.state) &&
             (empty_text || b.value("accepted", false))) {
    b["text"] = accepted;
    r.body = b.dump();
  }
  if (apply_summary_revision(store, u, r, now_ms)) ++counts.released;
}

}  // namespace

PushCounts apply_summary_edits(Store& store, const std::string& summary_json, const SummaryEdits& edits, bool release,
                               int64_t now_ms) {
  json summary = json::parse(summary_json);
  std::map<std::pair<int64_t, std::string>, std::string> edited;
  std::set<std::pair<int64_t, std::string>> removed;
  for (const auto& e : edits.edits) edited[{e.response_id, json::parse(e.ticket_json).dump()}] = e.text;
  for (const auto& r : edits.removals) removed.insert({r.response_id, json::parse(r.ticket_json).dump()});

  PushCounts counts;
  // IMMEDIATE: the write lock is taken (waiting out the daemon and the
  // worker, busy timeout) before the first read. A deferred transaction
  // reads first, and when another connection commits before its first
  // write SQLite cannot upgrade its stale snapshot: "database is locked" at
  // once, the busy timeout notwithstanding, and every edit was lost.
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  std::map<int64_t, std::pair<int64_t, json>> removals;  // response -> prompt, tickets
  for (const auto& p : summary["projects"])
    for (const auto& t : p["tickets"])
      for (const auto& a : t["answers"]) {
        std::pair<int64_t, std::string> key{a["response_id"].get<int64_t>(), t["ticket"].dump()};
        if (removed.count(key)) {
          auto& r = removals[key.first];
          r.first = a["prompt_id"].get<int64_t>();
          if (!r.second.is_array()) r.second = json::array();
          r.second.push_back(t["ticket"]);
        }
        auto edit = edited.find(key);
        const std::string* text = edit == edited.end() ? nullptr : &edit->second;
        // Accepted with Enter and left as it was: the tracker gets the
        // commits' subjects rather than a placeholder.
        std::string accepted = !text && a.value("accepted", false) ? accepted_text(a["commits"]) : "";
        for (const auto& ref : a["updates"]) {
          auto u = get_update(store, ref["id"].get<int64_t>());
          if (!u) continue;
          if (removed.count(key)) drop_row(store, *u, counts, now_ms);
          else revise_row(store, *u, text, accepted, release, counts, now_ms);
        }
      }
  for (const auto& [response_id, r] : removals) record_removal(store, response_id, r.first, r.second);
  tx.commit();
  return counts;
}

}  // namespace devtrack
