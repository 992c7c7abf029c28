#include "summary/summary.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "util/duration.h"
#include "checkin/away.h"
#include "checkin/trigger_text.h"
#include "config/work_hours.h"
#include "outbox/outbox.h"
#include "store/assigned.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "sync/records.h"
#include "util/error.h"
#include "util/strings.h"
#include "util/time_zone.h"

using nlohmann::json;

namespace devtrack {

namespace {

// Commits of a prompt: [{"commit", "summary", "repo"}].
json prompt_commits_json(Store& store, int64_t prompt_id) {
  json out = json::array();
  for (const auto& c : prompt_commits(store, prompt_id))
    out.push_back({{"commit", c.commit}, {"summary", c.summary}, {"repo", c.slug}});
  return out;
}

// A ticket's title: the resolved one, else the assigned list's.
json ticket_title(Store& store, const json& ticket, const json& assigned, int64_t now_ms) {
  std::string plugin = tracker_of(ticket);
  if (auto cached = store.cache_get(plugin, ticket.dump(), now_ms)) {
    json r = json::parse(*cached, nullptr, false);
    if (r.is_object() && r.contains("title") && r["title"].is_string() && !r["title"].get<std::string>().empty())
      return r["title"];
  }
  for (const auto& t : assigned)
    if (t["ticket"] == ticket) return t.value("title", "");
  return nullptr;
}

// The text shown for an answer under a ticket: what its update will say
// (an earlier summary edit may have changed it), else what was typed.
std::string update_text(const std::vector<UpdateRow>& rows, const json& ticket, const std::string& typed) {
  for (const auto& u : rows) {
    if (u.kind != "comment" || json::parse(u.target, nullptr, false) != ticket) continue;
    json body = json::parse(u.body, nullptr, false);
    if (!body.is_object()) continue;
    if (body.value("accepted", false)) return "";  // accepted with Enter: its text is the host's, not typed
    if (body.contains("text") && body["text"].is_string()) return body["text"];
  }
  return typed;
}

// The ticket as the reader knows it: an issue named "#12" gets the
// repository its update goes to.
json shown_ticket(json ticket, const std::vector<UpdateRow>& rows) {
  if (!ticket.is_object() || !ticket.contains("repo") || !ticket["repo"].is_null()) return ticket;
  for (const auto& u : rows) {
    if (json::parse(u.target, nullptr, false) != ticket) continue;
    json body = json::parse(u.body, nullptr, false);
    if (body.is_object() && body.contains("repo") && body["repo"].is_string()) ticket["repo"] = body["repo"];
    break;
  }
  return ticket;
}

json& find_or_add(json& array, const char* key, const json& value, const json& fresh) {
  for (auto& item : array)
    if (item[key] == value) return item;
  array.push_back(fresh);
  return array.back();
}

// As the rules parser matches a project's repositories (plugins/rules):
// a name one of its trackers has for it (owner/name), a repos entry, or a
// path ending in a configured one (~/src/x for /home/me/src/x).
bool project_has_repo(const Project& p, const std::string& repo) {
  if (repo.empty()) return false;
  for (const auto& [tracker, names] : p.trackers)
    if (std::find(names.begin(), names.end(), repo) != names.end()) return true;
  for (const auto& r : p.repos) {
    if (r == repo) return true;
    std::string tail = r.rfind("~/", 0) == 0 ? r.substr(1) : r;
    if (!tail.empty() && tail[0] == '/' && repo.size() >= tail.size() &&
        repo.compare(repo.size() - tail.size(), tail.size(), tail) == 0)
      return true;
  }
  return false;
}

// The bullet of an answer accepted with Enter: what was accepted (the
// ticket, its title when known, the commits), so it is neither an empty
// line nor taken for a deletion when the copy comes back.
std::string accepted_line(const json& ticket_entry, const json& commits) {
  std::string line = "Accepted";
  if (ticket_entry["text"].is_string()) {
    line += " " + ticket_entry["text"].get<std::string>();
    if (ticket_entry["title"].is_string() && !ticket_entry["title"].get<std::string>().empty())
      line += " · " + ticket_entry["title"].get<std::string>();
  }
  std::string subjects = accepted_text(commits);
  return subjects.empty() ? line : line + ": " + subjects;
}

// The repositories each answer given in [from_ms, to_ms) was asked about:
// its prompt's path and its commits' owner/name, in one query for the range.
std::map<int64_t, std::vector<std::string>> answer_repos(Store& store, int64_t from_ms, int64_t to_ms) {
  // A damaged details value must not fail the summary: json_valid first.
  SQLite::Statement q(store.db(),
                      "SELECT r.id, p.repo, CASE WHEN json_valid(t.details) THEN json_extract(t.details, '$.slug') END "
                      "FROM responses r JOIN prompts p ON p.id = r.prompt_id "
                      "LEFT JOIN triggers t ON t.prompt_id = r.prompt_id "
                      "WHERE r.at_ms >= ? AND r.at_ms < ? AND r.state = 'answered'");
  q.bind(1, static_cast<int64_t>(from_ms));
  q.bind(2, static_cast<int64_t>(to_ms));
  std::map<int64_t, std::vector<std::string>> out;
  while (q.executeStep()) {
    auto& repos = out[q.getColumn(0).getInt64()];
    for (int column : {1, 2}) {
      if (q.getColumn(column).isNull()) continue;
      std::string repo = q.getColumn(column).getString();
      if (!repo.empty() && std::find(repos.begin(), repos.end(), repo) == repos.end()) repos.push_back(repo);
    }
  }
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

json kept_tickets(const json& parsed) {
  json tickets = parsed.is_object() ? parsed.value("tickets", json::array()) : json::array();
  if (!tickets.is_array()) tickets = json::array();
  if (tickets.empty()) tickets.push_back(nullptr);
  if (!parsed.is_object() || !parsed.contains("summary_removed") || !parsed["summary_removed"].is_array())
    return tickets;
  const json& removed = parsed["summary_removed"];
  json kept = json::array();
  for (const auto& t : tickets)
    if (std::find(removed.begin(), removed.end(), t) == removed.end()) kept.push_back(t);
  return kept;
}

std::string AnswerProjects::of(int64_t response_id, const json& parsed) {
  if (parsed.contains("project") && parsed["project"].is_string()) return parsed["project"];
  if (!read_) {
    repos_ = answer_repos(store_, from_ms_, to_ms_);
    read_ = true;
  }
  auto it = repos_.find(response_id);
  if (it == repos_.end()) return "";
  std::string found;
  for (const auto& p : config_.projects) {
    if (std::none_of(it->second.begin(), it->second.end(), [&](const std::string& r) { return project_has_repo(p, r); }))
      continue;
    if (!found.empty()) return "";  // several claim it: as open as the parse left it
    found = p.id;
  }
  return found;
}

LocalDay local_day(const std::string& spec, const std::string& timezone, int64_t now_ms) {
  using namespace std::chrono;
  const TimeZone* zone = configured_zone(timezone);
  date::local_days day;
  auto now_local = zone->to_local(sys_time<milliseconds>{milliseconds(now_ms)});
  date::local_days today = date::floor<date::days>(now_local);
  date::year_month_day this_month{today};
  // Monday of this week (ISO weeks start on Monday).
  date::local_days monday = today - (date::weekday{today} - date::Monday);
  if (spec == "today" || spec.empty()) {
    day = today;
  } else if (spec == "yesterday") {
    day = today - date::days{1};
  } else if (spec == "this-week") {
    day = monday;
  } else if (spec == "last-week") {
    day = monday - date::days{7};
  } else if (spec == "this-month") {
    day = date::local_days{this_month.year() / this_month.month() / 1};
  } else if (spec == "last-month") {
    auto previous = this_month.year() / this_month.month() / 1 - date::months{1};
    day = date::local_days{previous};
  } else if (spec.size() >= 3 && spec.size() <= 6 && spec[0] == '-' && spec.back() == 'd' &&
             spec.find_first_not_of("0123456789", 1) == spec.size() - 1) {
    day = today - date::days{std::stoi(spec.substr(1, spec.size() - 2))};  // -7d: seven days ago
  } else {
    std::istringstream in(spec);
    date::year_month_day ymd{};
    in >> date::parse("%F", ymd);
    if (in.fail() || !ymd.ok() || spec.size() != 10)
      throw UsageError("'" + spec +
                       "' is not a day: use today, yesterday, this-week, last-week, this-month, last-month, -7d or "
                       "YYYY-MM-DD");
    day = date::local_days{ymd};
  }
  // Midnight may not exist (or exist twice) on a DST day: take the earliest.
  auto start = zone->to_sys(date::local_seconds{day}, TimeZone::Choose::earliest);
  auto end = zone->to_sys(date::local_seconds{day + date::days{1}}, TimeZone::Choose::earliest);
  return {date::format("%F", day), duration_cast<milliseconds>(start.time_since_epoch()).count(),
          duration_cast<milliseconds>(end.time_since_epoch()).count()};
}

namespace {

// What the day's summary is built from, read once: the zone, every
// tracker's assigned list (for titles) and which project each answer is in.
struct DayContext {
  Store& store;
  const TimeZone* zone;
  json assigned = json::array();
  AnswerProjects projects;
  int64_t now_ms;
  DeviceLabels devices{store};
};

// What a plugin's trigger said it was ("Sprint planning (10:00–11:00)"),
// the newest that says; "" for commits and plain check-ins.
std::string prompt_title(const DayContext& c, int64_t prompt_id) {
  std::string title;
  for (const auto& t : prompt_triggers(c.store, prompt_id))
    if (t.has_details)
      if (std::string label = trigger_label(trigger_text(t.details), c.zone); !label.empty()) title = label;
  return title;
}

json unanswered_entry(const DayContext& c, const ResponseRow& r, const json& commits) {
  auto p = get_prompt(c.store, r.prompt_id);
  return {{"prompt_id", r.prompt_id},
          {"response_id", r.id},
          {"state", to_text(r.state)},
          {"time", local_clock(r.at_ms, c.zone)},
          {"kind", p ? p->kind : ""},
          {"title", prompt_title(c, r.prompt_id)},
          {"repo", p ? p->repo : ""},
          {"branch", p ? p->branch : ""},
          {"suggestion", p && !p->suggestion.empty() ? json::parse(p->suggestion) : json()},
          {"commits", commits}};
}

// The ticket's worklogs that carry raw minutes (tracker.round; a day's
// worklog of several answers), each once: the minutes logged and as given.
void add_worklogs(const DayContext& c, const std::vector<UpdateRow>& rows, const json& ticket, json& t) {
  for (const auto& u : rows) {
    if (u.kind != "worklog" || json::parse(u.target, nullptr, false) != ticket) continue;
    auto logged = u.aggregate_id ? get_update(c.store, u.aggregate_id) : std::optional<UpdateRow>(u);
    json body = logged ? json::parse(logged->body, nullptr, false) : json();
    if (!body.is_object() || !body["minutes"].is_number_integer() || !body["raw_minutes"].is_number_integer()) continue;
    if (!t.contains("worklogs")) t["worklogs"] = json::array();
    find_or_add(t["worklogs"], "id", logged->id,
                {{"id", logged->id}, {"minutes", body["minutes"]}, {"raw_minutes", body["raw_minutes"]}});
  }
}

// One answer under one of its tickets: the text it posts (or its commits'
// subjects when accepted with Enter) and its updates to that ticket.
void add_answer_to_ticket(const DayContext& c, const ResponseRow& r, const json& parsed, const json& commits,
                          const std::vector<UpdateRow>& rows, const json& ticket, json& project) {
  json minutes = parsed.value("duration_minutes", json(nullptr));
  json& t = find_or_add(project["tickets"], "ticket", ticket,
                        {{"ticket", ticket},
                         {"text", ticket.is_null() ? json(nullptr) : json(ticket_text(shown_ticket(ticket, rows)))},
                         {"title", ticket.is_null() ? json(nullptr) : ticket_title(c.store, ticket, c.assigned, c.now_ms)},
                         {"minutes", 0},
                         {"status", nullptr},
                         {"answers", json::array()}});
  if (minutes.is_number()) t["minutes"] = t["minutes"].get<int64_t>() + minutes.get<int64_t>();
  if (parsed.contains("status") && parsed["status"].is_string()) t["status"] = parsed["status"];
  json updates = json::array();
  for (const auto& u : rows)
    if (json::parse(u.target, nullptr, false) == ticket)
      updates.push_back({{"id", u.id}, {"kind", u.kind}, {"state", to_text(u.state)}, {"plugin", u.target_plugin}});
  add_worklogs(c, rows, ticket, t);
  std::string text = ticket.is_null() ? r.raw_text : update_text(rows, ticket, r.raw_text);
  bool accepted = blank(text);  // Enter on the suggestion: nothing typed, nothing edited since
  t["answers"].push_back({{"response_id", r.id},
                          {"prompt_id", r.prompt_id},
                          {"time", local_clock(r.at_ms, c.zone)},
                          {"text", accepted ? accepted_line(t, commits) : text},
                          {"typed", r.raw_text},
                          {"accepted", accepted},
                          {"minutes", minutes},
                          {"duration_source", parsed.value("duration_source", json(nullptr))},
                          {"status", parsed.value("status", json(nullptr))},
                          {"commits", commits},
                          {"device", c.devices(r.device)},
                          {"updates", updates}});
}

// An answer into its project and tickets; the minutes it adds to the day.
int64_t add_answer(DayContext& c, const ResponseRow& r, const json& commits, json& out) {
  json parsed = json::parse(r.parsed.empty() ? "{}" : r.parsed, nullptr, false);
  if (!parsed.is_object()) parsed = json::object();
  if (parsed.value("break", false)) {  // a time away that was a break: shown, never counted
    json span = nullptr;
    if (auto p = get_prompt(c.store, r.prompt_id))
      if (auto away = away_of(c.store, *p))
        span = local_clock(away->start_ms, c.zone) + "–" + local_clock(away->end_ms, c.zone);
    out["breaks"].push_back({{"response_id", r.id}, {"prompt_id", r.prompt_id}, {"span", span}});
    return 0;
  }
  json tickets = kept_tickets(parsed);
  if (tickets.empty()) {  // deleted in an earlier edit: not counted, not offered again
    out["removed"].push_back({{"response_id", r.id},
                              {"prompt_id", r.prompt_id},
                              {"time", local_clock(r.at_ms, c.zone)},
                              {"typed", r.raw_text}});
    return 0;
  }
  json minutes = parsed.value("duration_minutes", json(nullptr));
  out["answers"] = out["answers"].get<int>() + 1;
  std::string project_name = c.projects.of(r.id, parsed);
  json project_id = project_name.empty() ? json(nullptr) : json(project_name);
  json& project = find_or_add(out["projects"], "project", project_id,
                              {{"project", project_id}, {"minutes", 0}, {"tickets", json::array()}});
  if (minutes.is_number()) project["minutes"] = project["minutes"].get<int64_t>() + minutes.get<int64_t>();
  auto rows = updates_of_response(c.store, r.id);
  for (const auto& ticket : tickets) add_answer_to_ticket(c, r, parsed, commits, rows, ticket, project);
  return minutes.is_number() ? minutes.get<int64_t>() : 0;
}

}  // namespace

std::string day_summary_json(Store& store, const Config& config, const LocalDay& day, int64_t now_ms) {
  DayContext c{store, configured_zone(config.settings.timezone), json::array(),
               AnswerProjects(store, config, day.start_ms, day.end_ms), now_ms};
  std::vector<std::string> trackers;
  for (const auto& [id, p] : config.plugins) trackers.push_back(id);
  for (const auto& list : assigned_lists(store, trackers, now_ms))  // parsed once for all the day's tickets
    for (auto& t : json::parse(list.tickets_json)) c.assigned.push_back(std::move(t));

  json out = {{"date", day.date},         {"timezone", c.zone->name()},  {"total_minutes", 0},
              {"answers", 0},             {"commits", 0},                {"projects", json::array()},
              {"unanswered", json::array()}, {"removed", json::array()}, {"breaks", json::array()}};
  int64_t total = 0;
  for (const auto& r : final_responses(store, day.start_ms, day.end_ms)) {
    json commits = prompt_commits_json(store, r.prompt_id);
    out["commits"] = out["commits"].get<int>() + static_cast<int>(commits.size());
    if (r.state != PromptState::kAnswered) out["unanswered"].push_back(unanswered_entry(c, r, commits));
    else total += add_answer(c, r, commits, out);
  }
  out["total_minutes"] = total;
  return out.dump();
}

namespace {

std::string project_heading(const json& p) {
  std::string name = p["project"].is_string() ? p["project"].get<std::string>() : "No project";
  return name + (p["minutes"].get<int64_t>() ? " — " + minutes_text(p["minutes"]) : "");
}

// A ticket's minutes; where tracker.round changed what its worklogs log,
// those first: "1 h 15 min (rounded from 1 h 7 min)".
std::string ticket_minutes(const json& t) {
  int64_t logged = 0, raw = 0;
  for (const auto& w : t.value("worklogs", json::array())) {
    logged += w["minutes"].get<int64_t>();
    raw += w["raw_minutes"].get<int64_t>();
  }
  if (logged != raw) return minutes_text(logged) + " (rounded from " + minutes_text(raw) + ")";
  return minutes_text(t["minutes"]);
}

std::string ticket_heading(const json& t) {
  std::string h = t["ticket"].is_null() ? "No ticket" : t["text"].get<std::string>();
  if (t["title"].is_string() && !t["title"].get<std::string>().empty()) h += " · " + t["title"].get<std::string>();
  std::vector<std::string> facts;
  if (t["minutes"].get<int64_t>()) facts.push_back(ticket_minutes(t));
  if (t["status"].is_string()) facts.push_back(t["status"]);
  return facts.empty() ? h : h + " — " + join(facts, " · ");
}

std::string commit_line(const json& c) {
  return "`" + c.value("commit", "").substr(0, 7) + "` " + c.value("summary", "");
}

// Minutes the user did not type, said under the answer (an information
// line, as commits are: summary_edit.cc leaves it alone).
std::string minutes_note(const json& answer) {
  if (!answer["minutes"].is_number_integer()) return "";
  std::string source = answer.value("duration_source", json(nullptr)).is_string() ? answer["duration_source"] : "";
  if (source == "proposed") return minutes_text(answer["minutes"]) + " proposed from your activity";
  if (source == "suggested") return minutes_text(answer["minutes"]) + " from its trigger (the meeting, the time away)";
  return "";
}

// An unanswered prompt without a repository: what its trigger said it was.
std::string trigger_title_or_checkin(const json& unanswered) {
  std::string title = unanswered.value("title", "");
  return title.empty() ? "check-in" : title;
}

}  // namespace

// The markers (HTML comments, invisible when rendered) are what
// summary_edit.cc maps an edited copy back with; see docs/summary.md.

std::string summary_markdown(const std::string& summary_json) {
  json s = json::parse(summary_json);
  std::string md = "# Summary of " + s["date"].get<std::string>() + "\n\n";
  md += "**Total:** " + minutes_text(s["total_minutes"]) + " · " + std::to_string(s["answers"].get<int>()) +
        " answer(s) · " + std::to_string(s["commits"].get<int>()) + " commit(s)\n";
  if (s.contains("removed") && !s["removed"].empty())  // said, so the total is not a surprise
    md += "\n" + std::to_string(s["removed"].size()) + " answer(s) deleted in an earlier edit are not counted.\n";
  if (s.contains("breaks") && !s["breaks"].empty()) {
    std::vector<std::string> spans;
    for (const auto& b : s["breaks"]) spans.push_back(b["span"].is_string() ? b["span"].get<std::string>() : "?");
    md += "\nBreaks (not counted): " + join(spans, ", ") + "\n";
  }
  if (s["projects"].empty() && s["unanswered"].empty()) md += "\nNothing was recorded this day.\n";
  for (const auto& p : s["projects"]) {
    md += "\n## " + project_heading(p) + "\n";
    for (const auto& t : p["tickets"]) {
      md += "\n### " + ticket_heading(t) + "\n";
      md += "<!-- devtrack ticket " + t["ticket"].dump() + " -->\n\n";
      for (const auto& a : t["answers"]) {
        // The marker stays on the bullet's line; further lines of a
        // multi-line answer are indented, as the edit mapping reads them.
        auto lines = split(a["text"].get<std::string>(), '\n');
        md += "- " + (lines.empty() ? std::string() : lines[0]) + " <!-- answer " +
              std::to_string(a["response_id"].get<int64_t>()) + " -->\n";
        for (size_t i = 1; i < lines.size(); ++i)
          if (!lines[i].empty()) md += "  " + lines[i] + "\n";
        for (const auto& c : a["commits"]) md += "  - " + commit_line(c) + "\n";
        if (std::string note = minutes_note(a); !note.empty()) md += "  - _" + note + "_\n";
      }
    }
  }
  if (!s["unanswered"].empty()) {
    md += "\n## Unanswered\n\nWrite what you did after \"Answer:\"; leave it empty to keep it unanswered.\n\n";
    for (const auto& u : s["unanswered"]) {
      std::string repo = u.value("repo", "");
      std::string what = !repo.empty() ? repo.substr(repo.rfind('/') + 1) : trigger_title_or_checkin(u);
      if (!u["branch"].get<std::string>().empty()) what += " (" + u["branch"].get<std::string>() + ")";
      md += "- " + u["time"].get<std::string>() + " " + u["state"].get<std::string>() + ": " + what +
            " <!-- prompt " + std::to_string(u["prompt_id"].get<int64_t>()) + " -->\n";
      for (const auto& c : u["commits"]) md += "  - " + commit_line(c) + "\n";
      md += "  Answer:\n";
    }
  }
  return md;
}

std::string summary_html(const std::string& summary_json) {
  json s = json::parse(summary_json);
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Summary of " +
      html_escape(s["date"].get<std::string>()) +
      "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:1em auto;padding:0 1em;"
      "color:#222}h2{border-bottom:1px solid #ddd}code{background:#f3f3f3;padding:0 .2em}"
      ".meta{color:#666}</style></head><body>\n";
  h += "<h1>Summary of " + html_escape(s["date"].get<std::string>()) + "</h1>\n";
  h += "<p class=\"meta\"><strong>Total:</strong> " + html_escape(minutes_text(s["total_minutes"])) + " · " +
       std::to_string(s["answers"].get<int>()) + " answer(s) · " + std::to_string(s["commits"].get<int>()) +
       " commit(s)</p>\n";
  for (const auto& p : s["projects"]) {
    h += "<h2>" + html_escape(project_heading(p)) + "</h2>\n";
    for (const auto& t : p["tickets"]) {
      h += "<h3>" + html_escape(ticket_heading(t)) + "</h3>\n<ul>\n";
      for (const auto& a : t["answers"]) {
        h += "<li>" + html_escape(a["text"].get<std::string>());
        if (!a["commits"].empty()) {
          h += "<ul>";
          for (const auto& c : a["commits"])
            h += "<li><code>" + html_escape(c.value("commit", "").substr(0, 7)) + "</code> " +
                 html_escape(c.value("summary", "")) + "</li>";
          h += "</ul>";
        }
        h += "</li>\n";
      }
      h += "</ul>\n";
    }
  }
  if (!s["unanswered"].empty()) {
    h += "<h2>Unanswered</h2>\n<ul>\n";
    for (const auto& u : s["unanswered"])
      h += "<li>" + html_escape(u["time"].get<std::string>() + " " + u["state"].get<std::string>() + ": " +
                                (u.value("repo", "").empty() ? trigger_title_or_checkin(u) : u.value("repo", ""))) +
           "</li>\n";
    h += "</ul>\n";
  }
  return h + "</body></html>\n";
}

}  // namespace devtrack
