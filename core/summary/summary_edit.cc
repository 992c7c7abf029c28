#include "summary/summary_edit.h"

#include <SQLiteCpp/Transaction.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "outbox/outbox.h"
#include "store/outbox_store.h"
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

bool is_commit_line(const std::string& trimmed) { return trimmed.rfind("- `", 0) == 0; }

std::string where(int line) { return "line " + std::to_string(line) + ": "; }

std::string ticket_name(const json& t) { return t.is_null() ? "no ticket" : ticket_text(t); }

}  // namespace

SummaryEdits map_summary_edits(const std::string& summary_json, const std::string& edited) {
  static const std::regex answer_re(R"(^- (.*?)\s*<!-- answer (\d+) -->\s*$)");
  static const std::regex prompt_re(R"(<!-- prompt (\d+) -->)");
  static const std::regex ticket_re(R"(^\s*<!-- devtrack ticket (.*) -->\s*$)");
  json summary = json::parse(summary_json);
  std::set<std::string> known_lines;
  for (const auto& l : split(summary_markdown(summary_json), '\n')) known_lines.insert(trim(l));

  SummaryEdits out;
  std::vector<Item> answers, fills;
  std::vector<std::string> lines = split(edited, '\n');
  json ticket;
  bool in_ticket = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::smatch m;
    if (line.rfind("#", 0) == 0) {
      in_ticket = false;
      continue;
    }
    if (std::regex_match(line, m, ticket_re)) {
      ticket = json::parse(m[1].str(), nullptr, false);
      in_ticket = !ticket.is_discarded();
      if (!in_ticket) out.unmapped.push_back(where(i + 1) + "a ticket marker that is not valid: " + line);
      continue;
    }
    bool is_answer = std::regex_match(line, m, answer_re);
    bool is_prompt = !is_answer && std::regex_search(line, m, prompt_re);
    if (!is_answer && !is_prompt) {
      std::string t = trim(line);
      if (!t.empty() && !known_lines.count(t))
        out.unmapped.push_back(where(i + 1) + t + "  (outside any answer: write it into an answer's line)");
      continue;
    }
    Item item;
    item.line = static_cast<int>(i + 1);
    item.id = std::stoll(is_answer ? m[2].str() : m[1].str());
    item.ticket = ticket;
    item.in_ticket = in_ticket;
    if (is_answer) item.text = trim(m[1].str());
    // Continuation lines are indented; commit lines are information only.
    bool answer_started = is_answer;
    while (i + 1 < lines.size() && !lines[i + 1].empty() && (lines[i + 1][0] == ' ' || lines[i + 1][0] == '\t')) {
      std::string t = trim(lines[++i]);
      if (t.empty() || is_commit_line(t)) continue;
      if (!is_answer && t.rfind("Answer:", 0) == 0) {
        t = trim(t.substr(7));
        answer_started = true;
      }
      if (!answer_started) continue;
      if (!t.empty()) item.text += (item.text.empty() ? "" : " ") + t;
    }
    (is_answer ? answers : fills).push_back(item);
  }

  // Compare with what the summary showed.
  std::set<std::pair<int64_t, std::string>> matched;
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
          else if (same->text != a["text"].get<std::string>()) out.edits.push_back({rid, t["ticket"].dump(), same->text});
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
  std::set<std::pair<int64_t, std::string>> seen;
  for (const auto& it : answers) {
    std::pair<int64_t, std::string> key{it.id, it.ticket.dump()};
    if (!it.in_ticket)
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) + " is outside a ticket section");
    else if (!matched.count(key))
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) + " under " +
                             ticket_name(it.ticket) + " is not one of this day's");
    else if (!seen.insert(key).second)
      out.unmapped.push_back(where(it.line) + "answer " + std::to_string(it.id) +
                             " appears twice; the first copy counts");
  }
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
  return out;
}

std::string strip_summary_markers(const std::string& markdown) {
  static const std::regex marker(R"(\s*<!-- (devtrack ticket|answer|prompt) [^>]*-->)");
  std::string out;
  for (const auto& line : split(markdown, '\n')) {
    std::string l = std::regex_replace(line, marker, "");
    if (trim(l) == "Answer:" || (l.empty() && !line.empty())) continue;
    out += l + "\n";
  }
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

PushCounts apply_summary_edits(Store& store, const std::string& summary_json, const SummaryEdits& edits, bool release,
                               int64_t now_ms) {
  json summary = json::parse(summary_json);
  std::map<std::pair<int64_t, std::string>, std::string> edited;
  std::set<std::pair<int64_t, std::string>> removed;
  for (const auto& e : edits.edits) edited[{e.response_id, json::parse(e.ticket_json).dump()}] = e.text;
  for (const auto& r : edits.removals) removed.insert({r.response_id, json::parse(r.ticket_json).dump()});

  PushCounts counts;
  SQLite::Transaction tx(store.db());
  for (const auto& p : summary["projects"])
    for (const auto& t : p["tickets"])
      for (const auto& a : t["answers"]) {
        std::pair<int64_t, std::string> key{a["response_id"].get<int64_t>(), t["ticket"].dump()};
        for (const auto& ref : a["updates"]) {
          auto u = get_update(store, ref["id"].get<int64_t>());
          if (!u) continue;
          if (removed.count(key)) {
            if (u->state != "sent" && u->state != "sending" && u->state != "dropped") {
              mark_state(store, u->id, "dropped", "", now_ms);
              ++counts.dropped;
            }
            continue;
          }
          std::string state = u->state;
          std::string body = u->body;
          int64_t next = u->next_attempt_ms;
          if (auto it = edited.find(key); it != edited.end() && u->kind == "comment") {
            json b = json::parse(u->body, nullptr, false);
            if (!b.is_object()) b = json::object();
            b["text"] = it->second;
            body = b.dump();
            if (state == "sent") state = "queued";  // keeps its remote id: amended
            if (state == "queued") next = now_ms;
            ++counts.edited;
          }
          if (release && state == "held") {
            state = "queued";
            next = now_ms;
            ++counts.released;
          } else if (release && state == "queued") {
            next = now_ms;
          }
          if (state != u->state || body != u->body || next != u->next_attempt_ms)
            revise_update(store, u->id, body, state, next, now_ms);
        }
      }
  tx.commit();
  return counts;
}

}  // namespace devtrack
