// The rules parser plugin: devtrack.parser.v1 over parse.h. Thread-safe
// (no state), so the host may call it from any thread.
#include <devtrack/sdk.hpp>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "parse.h"
#include "scan.h"
#include "ticket_syntax.h"

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

// A tracker's declared syntax (its descriptor's "tickets"), compiled into
// forms. The host checked it; a template that still does not split is
// skipped.
rules::TrackerSyntax compile_syntax(const std::string& id, bool enabled, const json& d) {
  rules::TrackerSyntax t;
  t.id = id;
  t.enabled = enabled;
  t.show = d.contains("show") && d["show"].is_string() ? d["show"].get<std::string>() : "";
  auto compile = [&](const json& tmpl, std::vector<std::string> hosts, std::vector<rules::Form>& into) {
    rules::Form f;
    std::string error;
    if (!tmpl.is_string() || !devtrack::sdk::split_ticket_template(tmpl.get<std::string>(), &f.pieces, &error)) return;
    for (const auto& p : f.pieces) {
      if (!p.placeholder) f.literal_chars += static_cast<int>(p.text.size());
      bool known = false;
      for (const auto& [name, type] : t.fields) known = known || name == p.text;
      if (p.placeholder && !known) t.fields.emplace_back(p.text, p.type);
    }
    f.hosts = std::move(hosts);
    into.push_back(std::move(f));
  };
  for (const char* key : {"text", "branch"})
    if (d.contains(key) && d[key].is_array())
      for (const auto& tmpl : d[key]) compile(tmpl, {}, std::string(key) == "text" ? t.text : t.branch);
  if (d.contains("urls") && d["urls"].is_array())
    for (const auto& u : d["urls"]) {
      if (!u.is_object() || !u.contains("path")) continue;
      std::vector<std::string> hosts = strings(u, "host");
      for (auto& h : hosts) h = rules::to_lower(h);
      compile(u["path"], hosts, t.urls);
    }
  return t;
}

// A 1.0 host sends no "trackers": it had the three bundled ones (compiled
// once; never changed after).
const std::vector<rules::TrackerSyntax>& bundled_trackers() {
  static const std::vector<rules::TrackerSyntax> bundled = [] {
    std::vector<rules::TrackerSyntax> out;
    for (auto [id, text] : {std::pair{"github", devtrack::trackers::kGitHubTickets},
                            std::pair{"jira", devtrack::trackers::kJiraTickets},
                            std::pair{"trello", devtrack::trackers::kTrelloTickets}})
      out.push_back(compile_syntax(id, true, json::parse(text)));
    return out;
  }();
  return bundled;
}

std::string str(const json& o, const char* k) {
  return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : "";
}

// projects[].trackers ({"github": ["acme/x"], "jira": ["BILL"]}); a 1.0
// host's github / jira / trello keys read as the same.
rules::Project project_from(const json& p) {
  rules::Project project;
  project.id = str(p, "id");
  project.name = str(p, "name");
  project.aliases = strings(p, "aliases");
  project.repos = strings(p, "repos");
  if (p.contains("trackers") && p["trackers"].is_object())
    for (const auto& [tracker, names] : p["trackers"].items())
      project.trackers.emplace_back(tracker, strings(p["trackers"], tracker.c_str()));
  for (const char* legacy : {"github", "jira", "trello"}) {
    auto names = strings(p, legacy);
    names.erase(std::remove(names.begin(), names.end(), ""), names.end());
    bool mapped = false;
    for (const auto& [tracker, _] : project.trackers) mapped = mapped || tracker == legacy;
    if (!names.empty() && !mapped) project.trackers.emplace_back(legacy, names);
  }
  return project;
}

// Whether `prefix` is also what people call the project in prose: its id,
// an alias or a word of its name.
bool is_everyday_name(const rules::Project& p, const std::string& prefix) {
  std::vector<std::string> names = p.aliases;
  names.push_back(p.id);
  for (const auto& w : rules::words_of(p.name)) names.push_back(w.text);
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return rules::to_upper(n) == prefix; });
}

rules::Context compile_context(std::string_view text) {
  rules::Context c;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) j = json::object();
  c.repo = str(j, "repo");
  c.slug = str(j, "slug");
  c.branch = str(j, "branch");
  if (j.contains("projects") && j["projects"].is_array())
    for (const auto& p : j["projects"])
      if (p.is_object() && !str(p, "id").empty()) c.projects.push_back(project_from(p));
  if (j.contains("trackers") && j["trackers"].is_array()) {
    for (const auto& t : j["trackers"]) {
      if (!t.is_object() || str(t, "id").empty() || !t.contains("tickets")) continue;
      json d = t["tickets"].is_string() ? json::parse(t["tickets"].get<std::string>(), nullptr, false) : t["tickets"];
      if (d.is_object()) c.trackers.push_back(compile_syntax(str(t, "id"), t.value("enabled", true), d));
    }
  } else {
    c.trackers = bundled_trackers();
  }
  // A key prefix a project names for a tracker is that tracker's.
  for (auto& tracker : c.trackers)
    for (const auto& p : c.projects)
      for (const auto& [id, names] : p.trackers)
        if (id == tracker.id)
          for (const auto& n : names) {
            std::string prefix = rules::to_upper(n);
            tracker.prefixes.push_back(prefix);
            if (is_everyday_name(p, prefix)) tracker.word_prefixes.push_back(prefix);
          }
  return c;
}

// The context compiled: the host sends the same one for every answer
// about one repository (and `devtrack parse --jsonl` for every line), and
// compiling it costs as much as parsing the answer, so each thread keeps
// the last one. Thread-local: the host may call from any thread.
const rules::Context& context_from(std::string_view text) {
  thread_local std::string last_text;
  thread_local rules::Context last = compile_context("{}");
  if (text != last_text) {
    last = compile_context(text);
    last_text = std::string(text);
  }
  return last;
}

// {"tracker", "system" (the same id, for 1.0 readers), "show", and every
// field of the tracker: numbers as numbers, null where the text has none}.
json ticket_json(const rules::Ticket& t) {
  json j = {{"tracker", t.tracker}, {"system", t.tracker}, {"show", t.show}};
  for (const auto& f : t.fields) {
    if (f.value.empty()) j[f.name] = nullptr;
    else if (f.type == "number") j[f.name] = std::stol(f.value);
    else j[f.name] = f.value;
  }
  return j;
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
    json ambiguous = json::array();
    for (const auto& a : r.ambiguous_tickets) {
      json choices = json::array();
      for (const auto& t : a.choices) choices.push_back(ticket_json(t));
      ambiguous.push_back({{"text", a.text}, {"choices", choices}});
    }
    json out = {{"tickets", tickets},
                {"project", r.project.empty() ? json(nullptr) : json(r.project)},
                {"duration_minutes", r.duration_minutes ? json(*r.duration_minutes) : json(nullptr)},
                {"status", r.status.empty() ? json(nullptr) : json(r.status)},
                {"confidence", std::round(r.confidence * 100) / 100},
                {"suggested", suggested}};
    if (!r.ambiguous.empty()) out["ambiguous"] = r.ambiguous;
    if (!ambiguous.empty()) out["ambiguous_tickets"] = ambiguous;
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }
};

}  // namespace

DEVTRACK_PLUGIN(Rules, "rules", "Rules parser", "0.1.0", DT_RUNS_IN_DAEMON,
                "Understands answers: any tracker's tickets (#123, owner/repo#123, PRX-123, URLs), durations, status, project.",
                kOptions)
