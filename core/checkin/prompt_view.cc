#include "checkin/prompt_view.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "checkin/activity_time.h"
#include "checkin/trigger_text.h"
#include "config/config.h"
#include "config/work_hours.h"
#include "util/time_zone.h"
#include "git/git_files.h"
#include "outbox/outbox.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "util/clock.h"
#include "util/duration.h"

using nlohmann::json;

namespace devtrack {

RepoContext repo_context(Store& store, const PromptRow& p) {
  RepoContext r{p.repo, p.branch, ""};
  if (r.repo.empty()) {
    for (const auto& t : prompt_triggers(store, p.id)) {  // oldest first: the latest ask wins
      if (t.kind != "manual" || !t.has_details) continue;
      json d = json::parse(t.details, nullptr, false);
      if (!d.is_object() || !d.contains("asked_in") || !d["asked_in"].is_object()) continue;
      const json& in = d["asked_in"];
      if (!in.contains("repo") || !in["repo"].is_string()) continue;
      r.repo = in["repo"];
      r.branch = in.contains("branch") && in["branch"].is_string() ? in["branch"].get<std::string>() : "";
    }
    if (r.repo.empty()) return r;
  } else {
    for (const auto& c : prompt_commits(store, p.id))
      if (!c.slug.empty()) r.slug = c.slug;
  }
  if (r.slug.empty()) r.slug = git::remote_slug(r.repo);  // the worker has not read the commit yet
  return r;
}

namespace {

// What the plugin's trigger asks (the newest that says), else the default.
std::string prompt_question(Store& store, const Config& config, const PromptRow& p) {
  const TimeZone* zone = configured_zone(config.settings.timezone);
  std::string question;
  for (const auto& t : prompt_triggers(store, p.id))  // oldest first
    if (t.has_details)
      if (std::string q = trigger_question(trigger_text(t.details), zone); !q.empty())
        question = q;
  return question.empty() ? "Log what you worked on." : question;
}

// Minutes a trigger of the prompt suggests (a meeting's, a time away's), 0 for none.
int suggested_minutes(Store& store, const PromptRow& p) {
  int minutes = 0;
  for (const auto& t : prompt_triggers(store, p.id))
    if (t.has_details)
      if (int m = trigger_text(t.details).suggested_minutes) minutes = m;
  return minutes;
}

// The duration an answer without one gets: the trigger's, else one
// proposed from activity (checkin/activity_time.h).
std::string duration_line(Store& store, const Config& config, const PromptRow& p) {
  if (int m = suggested_minutes(store, p)) return "Logged as " + minutes_text(m) + " unless your answer gives a duration";
  return proposal_line(store, config, p, process_clock().now_ms());
}

}  // namespace

std::vector<std::string> about_lines(Store& store, const Config& config, const PromptRow& p) {
  std::vector<std::string> lines;
  auto name_of = [](const std::string& repo, const std::string& branch) {
    return std::filesystem::path(repo).filename().string() + (branch.empty() ? "" : " (" + branch + ")");
  };
  if (!p.repo.empty()) {
    auto commits = prompt_commits(store, p.id);
    lines.push_back(name_of(p.repo, p.branch) + ": " + std::to_string(commits.size()) + " commit(s)");
    for (const auto& cm : commits)
      lines.push_back("  " + cm.commit.substr(0, 8) + " " + (cm.summary.empty() ? "(reading the commit…)" : cm.summary));
    if (std::string d = duration_line(store, config, p); !d.empty()) lines.push_back(d);
    return lines;
  }
  lines.push_back(prompt_question(store, config, p));
  if (RepoContext r = repo_context(store, p); !r.repo.empty())
    lines.push_back("In " + name_of(r.repo, r.branch) + (r.slug.empty() ? ", no remote" : " · " + r.slug));
  std::string projects;
  for (const auto& pr : config.projects) projects += (projects.empty() ? "" : ", ") + pr.id;
  if (!projects.empty()) lines.push_back("Projects: " + projects);
  std::string recent;
  std::set<std::string> shown;  // one ticket stored twice (other fields) is one ticket to a person
  for (const auto& t : json::parse(known_tickets(store, 5)))
    if (shown.insert(ticket_text(t)).second) recent += (recent.empty() ? "" : ", ") + ticket_text(t);
  if (!recent.empty()) lines.push_back("Recent tickets: " + recent);
  if (std::string d = duration_line(store, config, p); !d.empty()) lines.push_back(d);
  return lines;
}

}  // namespace devtrack
