#include "summary/standup.h"

#include <date/date.h>

#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config.h"
#include "outbox/outbox.h"
#include "store/assigned.h"
#include "summary/summary.h"
#include "util/duration.h"

using nlohmann::json;

namespace devtrack {

namespace {

date::local_days parse_day(const std::string& yyyy_mm_dd) {
  std::istringstream in(yyyy_mm_dd);
  date::local_days day;
  in >> date::parse("%F", day);
  return day;
}

std::string format_day(date::local_days day) { return date::format("%F", day); }

// A string member, "" when absent or not a string (a summary's title is
// null when no tracker told it).
std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool is_work_day(const Config& config, date::local_days day) {
  return config.settings.work_days[date::weekday(day).iso_encoding() - 1];
}

// A ticket's latest word over the look-back, as the day summaries say it.
struct TicketNews {
  json ticket;
  std::string text, title, status, date, answer;
};

// The day summaries from the look-back's first day up to `today`, oldest
// first: later answers overwrite earlier ones in `latest`. Also returns the
// summary of the newest earlier work day with an answer.
struct LookBack {
  std::map<std::string, TicketNews> latest;  // by ticket text
  std::vector<TicketNews> loose_blockers;    // blocked answers naming no ticket
  json previous;                             // a day summary, or null
};

void note_ticket(LookBack& back, const json& t, const std::string& date) {
  if (!t["text"].is_string() || !t["answers"].is_array() || t["answers"].empty()) return;
  const json& last = t["answers"].back();
  TicketNews n{t["ticket"], t["text"], text_of(t, "title"), text_of(t, "status"), date, text_of(last, "text")};
  back.latest[n.text] = std::move(n);
}

void note_loose_answers(LookBack& back, const json& t, const std::string& date) {
  if (!t["text"].is_null() || !t["answers"].is_array()) return;
  for (const auto& a : t["answers"])
    if (a["status"] == "blocked") back.loose_blockers.push_back({nullptr, "", "", "blocked", date, text_of(a, "text")});
}

LookBack look_back(Store& store, const Config& config, date::local_days today, int64_t now_ms) {
  LookBack back;
  back.previous = nullptr;
  for (int i = kStandupLookbackDays; i >= 0; --i) {
    date::local_days day = today - date::days{i};
    LocalDay local = local_day(format_day(day), config.settings.timezone, now_ms);
    json summary = json::parse(day_summary_json(store, config, local, now_ms));
    for (const auto& p : summary["projects"])
      for (const auto& t : p["tickets"]) {
        note_ticket(back, t, local.date);
        note_loose_answers(back, t, local.date);
      }
    if (i > 0 && is_work_day(config, day) && summary.value("answers", 0) > 0) back.previous = std::move(summary);
  }
  return back;
}

json news_json(const TicketNews& n) {
  return {{"ticket", n.ticket},
          {"text", n.text.empty() ? json(nullptr) : json(n.text)},
          {"title", n.title},
          {"since", n.date},
          {"answer", n.answer}};
}

// In progress first (their latest answer says so), then the open tickets
// assigned to you that are neither listed already nor done.
json today_plan(const LookBack& back, const std::vector<AssignedList>& assigned) {
  json plan = json::array();
  std::set<std::string> listed;
  for (const auto& [text, n] : back.latest)
    if (n.status == "in_progress") {
      json item = news_json(n);
      item["source"] = "in_progress";
      plan.push_back(std::move(item));
      listed.insert(text);
    }
  for (const auto& list : assigned)
    for (const auto& t : json::parse(list.tickets_json, nullptr, false)) {
      if (!t.is_object() || !t.contains("ticket")) continue;
      std::string text = ticket_text(t["ticket"]);
      auto known = back.latest.find(text);
      if (listed.count(text) || (known != back.latest.end() && known->second.status == "done")) continue;
      listed.insert(text);
      plan.push_back({{"ticket", t["ticket"]},
                      {"text", text},
                      {"title", text_of(t, "title")},
                      {"source", "assigned"},
                      {"plugin", list.plugin},
                      {"url", text_of(t, "url")}});
    }
  return plan;
}

json blockers(const LookBack& back) {
  json out = json::array();
  for (const auto& [text, n] : back.latest)
    if (n.status == "blocked") out.push_back(news_json(n));
  for (const auto& n : back.loose_blockers) out.push_back(news_json(n));
  return out;
}

json previous_day(const json& summary) {
  if (summary.is_null()) return nullptr;
  json items = json::array();
  for (const auto& p : summary["projects"])
    for (const auto& t : p["tickets"]) {
      json answers = json::array();
      for (const auto& a : t["answers"]) answers.push_back(text_of(a, "text"));
      items.push_back({{"project", p["project"]},
                       {"ticket", t["ticket"]},
                       {"text", t["text"]},
                       {"title", text_of(t, "title")},
                       {"minutes", t.value("minutes", 0)},
                       {"status", t["status"]},
                       {"answers", answers}});
    }
  return {{"date", summary["date"]}, {"total_minutes", summary.value("total_minutes", 0)}, {"items", items}};
}

}  // namespace

std::string standup_json(Store& store, const Config& config, const std::string& day_spec,
                         const std::vector<AssignedList>& assigned, int64_t now_ms) {
  LocalDay today = local_day(day_spec, config.settings.timezone, now_ms);
  LookBack back = look_back(store, config, parse_day(today.date), now_ms);
  json out = {{"date", today.date},
              {"timezone", config.settings.timezone},
              {"previous", previous_day(back.previous)},
              {"today", today_plan(back, assigned)},
              {"blockers", blockers(back)}};
  return out.dump();
}

namespace {

std::string ticket_line(const json& item) {
  std::string line = item["text"].is_string() ? item["text"].get<std::string>() : "No ticket";
  std::string title = text_of(item, "title");
  if (!title.empty()) line += " " + title;
  return line;
}

// "in_progress" -> "in progress".
std::string status_words(std::string status) {
  for (char& c : status)
    if (c == '_') c = ' ';
  return status;
}

std::string weekday_date(const std::string& yyyy_mm_dd) {
  return date::format("%a ", parse_day(yyyy_mm_dd)) + yyyy_mm_dd;
}

void previous_markdown(const json& previous, std::string& md) {
  if (previous.is_null()) {
    md += "## Last work day\n\nNothing recorded in the last " + std::to_string(kStandupLookbackDays) + " days.\n";
    return;
  }
  md += "## " + weekday_date(previous["date"]) + " — " + minutes_text(previous["total_minutes"]) + "\n\n";
  for (const auto& item : previous["items"]) {
    md += "- " + ticket_line(item);
    std::string facts = item["minutes"].get<int64_t>() ? minutes_text(item["minutes"]) : "";
    if (item["status"].is_string()) facts += (facts.empty() ? "" : ", ") + status_words(item["status"]);
    md += (facts.empty() ? "" : " — " + facts) + "\n";
    for (const auto& a : item["answers"]) md += "  - " + a.get<std::string>() + "\n";
  }
}

void list_markdown(const std::string& heading, const json& items, bool blocker, std::string& md) {
  md += "\n## " + heading + "\n\n";
  if (items.empty()) md += "None.\n";
  for (const auto& item : items) {
    md += "- " + ticket_line(item);
    if (blocker) md += ": " + text_of(item, "answer") + " (since " + text_of(item, "since") + ")";
    else if (item["source"] == "in_progress") md += " (in progress since " + text_of(item, "since") + ")";
    else md += " (assigned in " + text_of(item, "plugin") + ")";
    md += "\n";
  }
}

}  // namespace

std::string standup_markdown(const std::string& standup_json) {
  json s = json::parse(standup_json);
  std::string md = "# Standup, " + s["date"].get<std::string>() + "\n\n";
  previous_markdown(s["previous"], md);
  list_markdown("Today", s["today"], false, md);
  list_markdown("Blockers", s["blockers"], true, md);
  return md;
}

}  // namespace devtrack
