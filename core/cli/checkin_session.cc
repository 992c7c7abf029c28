#include "cli/checkin_session.h"

#include <SQLiteCpp/Exception.h>

#include <algorithm>
#include <devtrack/text.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkin/activity_time.h"
#include "checkin/answer.h"
#include "checkin/learning.h"
#include "checkin/prompt_view.h"
#include "cli/answer_prompts.h"
#include "cli/parser_session.h"
#include "git/git_files.h"
#include "ipc/ipc.h"
#include "outbox/outbox.h"
#include "store/assigned.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fault.h"
#include "util/paths.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack::cli {

json suggestion_title(Store& store, const PromptRow& p) {
  if (p.suggestion.empty()) return nullptr;
  json t = json::parse(p.suggestion, nullptr, false);
  if (tracker_of(t).empty()) return nullptr;
  auto cached = store.cache_get(tracker_of(t), p.suggestion, process_clock().now_ms());
  if (!cached) return nullptr;
  json r = json::parse(*cached, nullptr, false);
  return r.is_object() && r.contains("title") ? r["title"] : json(nullptr);
}

Checkin::Checkin() : loaded_(load_config_and_plugins()), store_(paths::database()) {}

Checkin::~Checkin() = default;

json Checkin::suggestion_title(const PromptRow& p) { return devtrack::cli::suggestion_title(store_, p); }

PromptRow Checkin::pick(const po::variables_map& args) {
  if (args.count("id")) {
    auto p = get_prompt(store_, args["id"].as<int64_t>());
    if (!p) throw Error("there is no prompt " + std::to_string(args["id"].as<int64_t>()) + " (devtrack checkin --list)");
    return *p;
  }
  auto waiting = unanswered_prompts(store_, 1);
  if (waiting.empty()) throw Error("nothing to answer: no prompt is waiting (devtrack ask opens one)");
  return waiting[0];
}

json Checkin::view(const PromptRow& p) {
  json commits = json::array();
  for (const auto& c : prompt_commits(store_, p.id)) commits.push_back({{"commit", c.commit}, {"summary", c.summary}});
  return {{"id", p.id},
          {"state", to_text(p.state)},
          {"kind", p.kind},
          {"about", about_lines(store_, config(), p)},  // as it is asked
          {"created", local_iso_time(p.created_ms, config().settings.timezone)},
          {"repo", p.repo.empty() ? json(nullptr) : json(p.repo)},
          {"branch", p.branch.empty() ? json(nullptr) : json(p.branch)},
          {"commits", commits},
          {"suggestion", p.suggestion.empty() ? json(nullptr) : json::parse(p.suggestion)},
          {"suggestion_title", suggestion_title(p)},
          {"due", p.due_ms ? json(local_iso_time(p.due_ms, config().settings.timezone)) : json(nullptr)}};
}

std::string Checkin::context(const RepoContext& where) {
  return config().parser_context(where.repo, where.branch, where.slug);
}

ParserSession& Checkin::parser() {
  if (!parser_) parser_ = std::make_unique<ParserSession>(loaded_.plugins, loaded_.config);
  return *parser_;
}

json Checkin::answer(const PromptRow& p, const std::string& typed, bool use_suggestion, const std::string& project,
            const std::function<std::string(const json& ambiguous)>& choose_project,
            const ChooseRepo& choose_repo, const ChooseTracker& choose_tracker) {
  // Stored as UTF-8 (a stray byte becomes U+FFFD) so that every JSON
  // payload after this can carry it.
  const std::string text = sdk::to_valid_utf8(typed);
  const int64_t answered_ms = process_clock().now_ms();
  int64_t response_id = store_first([&] {
    return record_response(store_, p.id, PromptState::kAnswered, text, answered_ms);
  }, text);
  DEVTRACK_FAULT_POINT("checkin.stored");  // tests: die the moment the answer is stored
  const RepoContext where = repo_context(store_, p);
  json parsed;
  try {
    parsed = json::parse(parser().parse(text, context(where)));
  } catch (const std::exception& e) {
    std::cerr << "devtrack: your answer is stored; it will be understood later (" << e.what() << ")\n";
    notify(p.id);
    return nullptr;
  }
  apply_learning(store_, where.repo, where.branch, parsed, use_suggestion);
  settle_trackers(parsed, where.repo, choose_tracker);
  if (use_suggestion) apply_suggestion(store_, p, parsed);
  settle_duration(store_, config(), p, text, parsed, answered_ms);
  if (!project.empty()) parsed["project"] = project;
  else if (parsed.contains("ambiguous") && choose_project) {
    std::string chosen = choose_project(parsed["ambiguous"]);
    if (!chosen.empty()) parsed["project"] = chosen;
  }
  route(parsed, where.slug, choose_repo);
  try {
    save_parse(p, response_id, text, parsed, where.slug);
  } catch (const std::exception& e) {
    // The answer itself is stored: the daemon parses it again later.
    std::cerr << "devtrack: your answer is stored; it will be understood later (" << e.what() << ")\n";
    notify(p.id);
    return nullptr;
  }
  notify(p.id);
  return parsed;
}

void Checkin::respond(const PromptRow& p, PromptState state, int64_t due_ms) {
  store_first([&] { return record_response(store_, p.id, state, "", process_clock().now_ms(), due_ms); }, "");
  notify(p.id);
}

void Checkin::correct(const PromptRow& p, const std::string& typed) {
  const std::string text = sdk::to_valid_utf8(typed);
  auto r = latest_response(store_, p.id);
  if (!r || r->state != PromptState::kAnswered) throw Error("prompt " + std::to_string(p.id) + " has no answer to correct");
  store_first([&] {
    correct_response(store_, r->id, text, process_clock().now_ms());
    return r->id;
  }, text);
  const RepoContext where = repo_context(store_, p);
  json parsed = json::parse(parser().parse(text, context(where)));
  apply_learning(store_, where.repo, where.branch, parsed);
  settle_trackers(parsed, where.repo, nullptr);
  apply_suggestion(store_, p, parsed);
  settle_duration(store_, config(), p, text, parsed, r->at_ms);
  route(parsed, where.slug, nullptr);
  // A ticket put right is read as the new one here next time.
  learn_from_edit(store_, where.repo, r->raw_text, json::parse(r->parsed.empty() ? "{}" : r->parsed, nullptr, false),
                  text, parsed, process_clock().now_ms());
  save_parse(p, r->id, text, parsed, where.slug);
  notify(p.id);
  print_recorded(p.id, parsed);
}

void Checkin::route(json& parsed, const std::string& slug, const ChooseRepo& choose) {
  if (!parsed.is_object() || !parsed.contains("tickets") || !parsed["tickets"].is_array()) return;
  const Project* project = nullptr;
  if (parsed.contains("project") && parsed["project"].is_string())
    for (const auto& pr : config().projects)
      if (pr.id == parsed["project"]) project = &pr;
  json kept = json::array(), unrouted = json::array();
  for (auto t : parsed["tickets"]) {
    std::string tracker = tracker_of(t);
    bool known = !slug.empty() || (project && !project->name_in(tracker).empty());
    if (!needs_repo(t) || known || !config().plugin_enabled(tracker)) {
      kept.push_back(t);
      continue;
    }
    std::string repo = choose ? choose(t, route_choices(tracker)) : "";
    if (repo.empty()) {
      if (!choose)
        std::cerr << "devtrack: " << ticket_text(t) << " names no repository, so nothing goes to "
                  << config().tracker_name(tracker) << " for it: write owner/name" << ticket_text(t)
                  << ", or answer with --project ID\n";
      unrouted.push_back(t);
      continue;
    }
    t["repo"] = repo;
    kept.push_back(t);
  }
  if (unrouted.empty() && kept == parsed["tickets"]) return;
  parsed["tickets"] = kept;
  if (!unrouted.empty()) parsed["unrouted"] = unrouted;
}

void Checkin::settle_trackers(json& parsed, const std::string& repo, const ChooseTracker& choose) {
  settle_remembered_choices(store_, repo, parsed);
  for (size_t i = 0; parsed.is_object() && parsed.contains("ambiguous_tickets") && i < parsed["ambiguous_tickets"].size();) {
    const json& entry = parsed["ambiguous_tickets"][i];
    int pick = choose ? choose(entry) : -1;
    if (pick >= 0) {
      take_choice(store_, repo, parsed, i, static_cast<size_t>(pick));  // the entry leaves the list
      continue;
    }
    if (!choose) {
      std::string names;
      for (const auto& t : entry["choices"]) names += (names.empty() ? "" : ", ") + config().tracker_name(tracker_of(t));
      std::cerr << "devtrack: " << entry.value("text", "") << " fits more than one tracker (" << names
                << "), so nothing goes to either: write it as one of them shows it, or answer in the terminal "
                << "to choose (remembered for this repository)\n";
    }
    ++i;
  }
}

std::vector<std::string> Checkin::route_choices(const std::string& tracker) {
  std::vector<std::string> repos;
  auto add = [&](const std::string& slug) {
    if (!slug.empty() && std::find(repos.begin(), repos.end(), slug) == repos.end()) repos.push_back(slug);
  };
  for (const auto& pr : config().projects) add(pr.name_in(tracker));
  for (const auto& r : list_repos(store_)) add(git::remote_slug(r.path));
  return repos;
}

void Checkin::save_parse(const PromptRow& p, int64_t response_id, const std::string& text, const json& parsed,
                         const std::string& slug) {
  AnswerContext answered{text, prompt_commits(store_, p.id), slug};
  devtrack::save_parse(store_, config(), response_id, parsed, answered, process_clock().now_ms());
}

std::vector<std::string> Checkin::completions() {
  std::vector<std::string> words;
  for (const auto& p : config().projects) {
    words.push_back(p.id);
    for (const auto& a : p.aliases) words.push_back(a);
  }
  json tickets = json::parse(known_tickets(store_));
  for (const auto& a : assigned()) tickets.push_back(a["ticket"]);
  for (const auto& t : tickets)
    if (auto s = ticket_text(t); !s.empty() && std::find(words.begin(), words.end(), s) == words.end())
      words.push_back(s);
  return words;
}

json Checkin::assigned() {
  json out = json::array();
  for (const auto& list : assigned_lists(store_, enabled_trackers(loaded_), process_clock().now_ms()))
    for (const auto& t : json::parse(list.tickets_json)) out.push_back(t);
  return out;
}

namespace {

// "KIP-848 left out", "BILL-12 read as BILL-21": one "learned" entry.
std::string learned_change(const json& l) {
  std::string action = l.value("action", "");
  std::string ticket = ticket_text(l["ticket"]);
  if (action == "replaced" && l.contains("instead") && l["instead"].is_object())
    return ticket + " read as " + ticket_text(l["instead"]);
  if (action == "taken") return ticket + " taken from this branch's earlier answers";
  return ticket + " left out";
}

}  // namespace

void Checkin::print_recorded(int64_t id, const json& parsed) {
  std::cout << "recorded prompt " << id;
  if (parsed.is_object()) {
    std::string tickets;
    for (const auto& t : parsed["tickets"]) tickets += (tickets.empty() ? "" : ", ") + ticket_text(t);
    if (!tickets.empty()) std::cout << " · " << tickets << (parsed.value("from_suggestion", false) ? " (suggested)" : "");
    if (parsed["project"].is_string()) std::cout << " · project " << parsed["project"].get<std::string>();
    if (parsed.value("break", false)) std::cout << " · a break: nothing logged";
    if (parsed["duration_minutes"].is_number())
      std::cout << " · " << parsed["duration_minutes"] << " min"
                << (parsed.value("duration_source", "") == "proposed" ? " (from your activity)" : "");
    if (parsed["status"].is_string()) std::cout << " · " << status_text(parsed["status"].get<std::string>());
    std::string unrouted;
    for (const auto& t : parsed.value("unrouted", json::array())) unrouted += (unrouted.empty() ? "" : ", ") + ticket_text(t);
    if (!unrouted.empty()) std::cout << " · text only for " << unrouted << " (no repository)";
    std::string open;
    for (const auto& e : parsed.value("ambiguous_tickets", json::array())) open += (open.empty() ? "" : ", ") + e.value("text", "");
    if (!open.empty()) std::cout << " · text only for " << open << " (more than one tracker fits)";
    // What learning changed about a ticket is said, with how to undo it.
    for (const auto& l : parsed.value("learned", json::array()))
      if (l.is_object() && l.contains("ticket") && l["ticket"].is_object())
        std::cout << "\n  " << learned_change(l) << ": " << l.value("why", "")
                  << " (devtrack learned list; devtrack checkin --edit " << id << " to correct)";
  }
  std::cout << "\n";
}

int64_t Checkin::store_first(const std::function<int64_t()>& write, const std::string& text) {
  try {
    return write();
  } catch (const SQLite::Exception& e) {
    throw Error("cannot store the answer in " + paths::database() + ": " + e.what() +
                (text.empty() ? std::string() : "\nyour answer was: " + text));
  }
}

void Checkin::notify(int64_t prompt_id) {
  update_pending_marker(store_, paths::home());
  try {
    daemon_call("prompt.changed", json{{"prompt_id", prompt_id}}.dump());
  } catch (const ipc::NotRunning&) {
    // The daemon reads the store when it starts.
  } catch (const std::exception& e) {
    std::cerr << "devtrack: the answer is stored, but the daemon was not told: " << e.what() << "\n";
  }
}

void answer_prompts(const std::vector<std::pair<int64_t, std::string>>& answers) {
  if (answers.empty()) return;
  Checkin c;
  for (const auto& [id, text] : answers) {
    auto p = get_prompt(c.store(), id);
    if (!p) throw Error("there is no prompt " + std::to_string(id));
    c.answer(*p, text, true, "", nullptr);
  }
}

}  // namespace devtrack::cli
