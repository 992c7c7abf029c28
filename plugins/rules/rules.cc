// The rules parser plugin: devtrack.parser.v1 over parse.h. Thread-safe
// (no state), so the host may call it from any thread.
#include <devtrack/sdk.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "parse.h"

using nlohmann::json;

namespace {

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const json& v = j[key];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& x : v)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

rules::Context context_from(std::string_view text) {
  rules::Context c;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  auto str = [&](const json& o, const char* k) { return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : ""; };
  c.repo = str(j, "repo");
  c.slug = str(j, "slug");
  c.branch = str(j, "branch");
  if (j.contains("projects") && j["projects"].is_array())
    for (const auto& p : j["projects"]) {
      if (!p.is_object()) continue;
      rules::Project project;
      project.id = str(p, "id");
      project.name = str(p, "name");
      project.aliases = strings(p, "aliases");
      project.repos = strings(p, "repos");
      project.github = str(p, "github");
      project.jira = strings(p, "jira");
      project.trello = str(p, "trello");
      if (!project.id.empty()) c.projects.push_back(std::move(project));
    }
  return c;
}

json ticket_json(const rules::Ticket& t) {
  if (t.system == "github")
    return {{"system", "github"}, {"repo", t.repo.empty() ? json(nullptr) : json(t.repo)}, {"number", t.number}};
  if (t.system == "jira") return {{"system", "jira"}, {"key", t.key}};
  return {{"system", "trello"}, {"card", t.card}};
}

const dt_option kOptions[] = {{nullptr, 0, nullptr, nullptr}};

class Rules : public devtrack::sdk::Parser {
 public:
  Rules(const dt_host* host, std::string_view) : Parser(host) {}

  std::string parse(std::string_view text, std::string_view context) override {
    rules::Result r = rules::parse(text, context_from(context));
    json tickets = json::array(), suggested = json::array();
    for (const auto& t : r.tickets) tickets.push_back(ticket_json(t));
    for (const auto& t : r.branch_tickets) suggested.push_back(ticket_json(t));
    json out = {{"tickets", tickets},
                {"project", r.project.empty() ? json(nullptr) : json(r.project)},
                {"duration_minutes", r.duration_minutes ? json(*r.duration_minutes) : json(nullptr)},
                {"status", r.status.empty() ? json(nullptr) : json(r.status)},
                {"confidence", std::round(r.confidence * 100) / 100},
                {"suggested", suggested}};
    if (!r.ambiguous.empty()) out["ambiguous"] = r.ambiguous;
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }
};

}  // namespace

DEVTRACK_PLUGIN(Rules, "rules", "Rules parser", "0.1.0", DT_RUNS_IN_DAEMON,
                "Understands answers: tickets (#123, owner/repo#123, PRX-123, URLs), durations, status, project.",
                kOptions)
