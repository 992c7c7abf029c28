#include "outbox/outbox.h"

#include <devtrack/tickets.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/work_hours.h"
#include "util/duration.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

std::string tracker_of(const json& t) {
  if (!t.is_object()) return "";
  for (const char* key : {"tracker", "system"})
    if (t.contains(key) && t[key].is_string()) return t[key].get<std::string>();
  return "";
}

namespace {

std::string field_text(const json& t, const std::string& name) {
  if (!t.contains(name)) return "";
  const json& v = t[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

// A ticket without a show template, by the fields trackers use.
std::string ticket_text_by_fields(const json& t) {
  if (auto key = field_text(t, "key"); !key.empty()) return key;
  if (auto number = field_text(t, "number"); !number.empty()) return field_text(t, "repo") + "#" + number;
  for (const auto& [name, value] : t.items())
    if (name != "tracker" && name != "system" && name != "show" && value.is_string() && !value.get<std::string>().empty())
      return tracker_of(t) + ":" + value.get<std::string>();
  return "";
}

// What identifies a ticket for idempotency keys: its fields and system,
// not how it is shown, so a ticket keeps its key across versions.
std::string ticket_identity(json t) {
  t.erase("show");
  t.erase("tracker");
  if (!t.contains("system")) t["system"] = tracker_of(t);
  return t.dump();
}

}  // namespace

std::string ticket_text(const json& t) {
  if (!t.is_object() || tracker_of(t).empty()) return "";
  if (t.contains("show") && t["show"].is_string()) {
    std::string shown =
        sdk::render_ticket_template(t["show"].get<std::string>(), [&](const std::string& f) { return field_text(t, f); });
    if (!shown.empty()) return shown;
  }
  return ticket_text_by_fields(t);
}

bool needs_repo(const json& t) {
  if (!t.is_object() || !field_text(t, "repo").empty()) return false;
  if (t.contains("show") && t["show"].is_string())
    return t["show"].get<std::string>().find("{repo") != std::string::npos;
  return t.contains("repo") || t.contains("number");  // an older row: #12 of the commits' repository
}

std::string accepted_text(const json& commits) {
  std::vector<std::string> parts;
  if (commits.is_array())
    for (const auto& c : commits) {
      if (!c.is_object()) continue;
      std::string id = c.value("commit", "").substr(0, 7), subject = c.value("summary", "");
      std::string part = subject.empty() ? id : id + " " + subject;
      if (!part.empty()) parts.push_back(part);
    }
  return join(parts, "; ");
}

int64_t retry_delay_ms(int attempt, int retry_after_s, double random01) {
  const int64_t base = 30'000, cap = 3'600'000;
  int64_t ceiling = cap;
  if (attempt < 20) ceiling = std::min<int64_t>(cap, base << std::max(0, attempt - 1));
  int64_t delay = static_cast<int64_t>(random01 * static_cast<double>(ceiling));
  return std::max<int64_t>(delay, static_cast<int64_t>(std::max(retry_after_s, 0)) * 1000);
}

namespace {

// The day's row an answer's update is a part of, "" for none: its comment
// with tracker.comments: daily, its worklog in end-of-day mode (the day's
// worklogs on a ticket are posted as one). The store adds the device. A
// comment's key is "<ticket>:<local day>" (as stored since schema 7);
// other kinds append ":<kind>", so a day's comment and worklog never share
// a row (a comment's key ends in the date).
std::string aggregate_key(const Config& config, const std::string& kind, const json& ticket, const std::string& hex,
                          int64_t answered_ms) {
  bool daily = kind == "comment" ? config.tracker.comments == "daily"
                                 : kind == "worklog" && config.tracker.mode == "end-of-day";
  if (!daily) return "";
  std::string name = ticket_text(ticket);
  std::string key = (name.empty() ? hex : name) + ":" + local_date(answered_ms, config.settings.timezone);
  return kind == "comment" ? key : key + ":" + kind;
}

// A worklog body under tracker.round. A part of the day's worklog keeps its
// own minutes and carries the rounding, so that the store rounds the day's
// total once (render_aggregate); a worklog posted alone is rounded here.
// Both keep the minutes as given in "raw_minutes" for the summary.
void round_worklog(const MinuteRounding& round, bool part, json& body) {
  if (round.step <= 0 || !body["minutes"].is_number()) return;
  if (part) {
    body["round"] = rounding_text(round);
    return;
  }
  int64_t raw = body["minutes"].get<int64_t>();
  body["raw_minutes"] = raw;
  body["minutes"] = round_minutes(raw, round);
}

}  // namespace

std::vector<UpdateRow> plan_updates(const Config& config, int64_t response_id, const std::string& parsed_json,
                                    const std::string& context_json, int64_t now_ms) {
  std::vector<UpdateRow> out;
  json parsed = json::parse(parsed_json, nullptr, false);
  json context = json::parse(context_json, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("tickets") || !parsed["tickets"].is_array()) return out;
  if (!context.is_object()) context = json::object();
  std::string text = context.contains("text") && context["text"].is_string() ? context["text"].get<std::string>() : "";
  const bool accepted = text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (accepted) text = accepted_text(context.value("commits", json::array()));
  bool held = config.tracker.mode == "end-of-day";
  const Project* project = nullptr;
  if (parsed.contains("project") && parsed["project"].is_string())
    for (const auto& p : config.projects)
      if (p.id == parsed["project"]) project = &p;
  for (const auto& ticket : parsed["tickets"]) {
    std::string plugin = tracker_of(ticket);
    if (plugin.empty() || !config.plugin_enabled(plugin)) continue;
    // The repository for a ticket that names none: the project's for this
    // tracker, else the commits' remote.
    std::string repo = ticket.contains("repo") && ticket["repo"].is_string() ? ticket["repo"].get<std::string>() : "";
    if (repo.empty() && needs_repo(ticket) && project) repo = project->name_in(plugin);
    if (repo.empty()) repo = context.value("slug", "");
    // A comment always; what else, the tracker's options say: `worklogs`
    // (Jira) logs a given duration, `transitions` (e.g. Jira's {done: Done})
    // moves the ticket for a status it maps.
    std::vector<std::string> kinds = {"comment"};
    json options = json::parse(config.plugin_config_json(plugin), nullptr, false);
    if (!options.is_object()) options = json::object();
    if (parsed["duration_minutes"].is_number() && options.value("worklogs", false)) kinds.push_back("worklog");
    if (parsed.contains("status") && parsed["status"].is_string() && options.contains("transitions") &&
        options["transitions"].is_object() && options["transitions"].contains(parsed["status"].get<std::string>()))
      kinds.push_back("transition");
    for (const auto& kind : kinds) {
      UpdateRow u;
      u.target_plugin = plugin;
      u.target = ticket.dump();
      u.kind = kind;
      u.state = held ? UpdateState::kHeld : UpdateState::kQueued;
      u.next_attempt_ms = now_ms + config.tracker.grace.count() * 1000;
      json body = {{"text", text},
                   {"minutes", parsed.value("duration_minutes", json(nullptr))},
                   {"status", parsed.value("status", json(nullptr))},
                   {"project", parsed.value("project", json(nullptr))},
                   {"repo", repo},
                   {"commits", context.value("commits", json::array())},
                   {"answered_at_ms", context.value("answered_at_ms", now_ms)}};
      if (accepted) body["accepted"] = true;
      // Stable for this answer, ticket and kind: a correction updates the
      // same row, a retry after a crash is recognised by the tracker.
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(ticket_identity(ticket))));
      u.idempotency_key = "devtrack-" + std::to_string(response_id) + "-" + kind + "-" + hex;
      u.aggregate = aggregate_key(config, kind, ticket, hex, context.value("answered_at_ms", now_ms));
      if (kind == "worklog") {
        // When the work began, where the parse knows it (a duration from
        // activity): the tracker's start, else answered_at_ms - minutes.
        if (parsed.contains("started_ms") && parsed["started_ms"].is_number_integer())
          body["started_ms"] = parsed["started_ms"];
        round_worklog(config.tracker.round, !u.aggregate.empty(), body);
      }
      u.body = body.dump();
      out.push_back(std::move(u));
    }
  }
  return out;
}

}  // namespace devtrack
