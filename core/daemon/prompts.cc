#include "daemon/prompts.h"

#include <nlohmann/json.hpp>

#include "checkin/activity_time.h"
#include "checkin/answer.h"
#include "checkin/learning.h"
#include "checkin/prompt_view.h"
#include "checkin/trigger_text.h"
#include "config/config.h"
#include "config/work_hours.h"
#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/router.h"
#include "log/log.h"
#include "outbox/outbox.h"
#include "store/assigned.h"
#include "store/capture_store.h"
#include "store/daemon_state.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "util/json_text.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack {

Prompts::Prompts(EventLoop& loop, Bus& bus, Store& store, const Config& config, ParseFn parse, WorkerJobs* worker)
    : loop_(loop), bus_(bus), store_(store), config_(config), parse_(std::move(parse)), worker_(worker) {
  bus_.subscribe("tracker.resolved", [this](const Event& e) { on_resolved(e.payload); }, "prompts");
  bus_.subscribe("tracker.assigned.done", [this](const Event& e) { on_assigned(e.payload); }, "prompts");
  // Every kind a plugin publishes (trigger.timer, trigger.calendar...)
  // opens a prompt. trigger.details is not a trigger: the worker's reading
  // of a commit. Commits are the host's own capture, never a plugin's.
  bus_.subscribe("trigger.*", [this](const Event& e) {
    std::string kind = e.topic.substr(std::string_view("trigger.").size());
    if (kind == "details") return on_details(e.payload);
    if (kind == "commit" && !e.origin.empty()) {
      log::warn("prompts", "ignoring trigger.commit from {}: commits are captured by the host", e.origin);
      return;
    }
    on_trigger(kind, e.payload, e.origin.empty());
  }, "prompts");
}

void Prompts::start() {
  update_pending_marker(store_, paths::home());
  for (PromptState state : {PromptState::kPending, PromptState::kDeferred})
    for (const auto& p : prompts_in_state(store_, state)) schedule(p);
  for (const auto& r : unparsed_answers(store_)) parse_answer(r.id, r.prompt_id, r.raw_text);
  open_prompts_for_orphaned_triggers();
}

// A commit stored just before the daemon died (or while a handler failed)
// has its row but no prompt: its trigger.commit lived only on the bus.
void Prompts::open_prompts_for_orphaned_triggers() {
  constexpr int64_t kWeekMs = 7LL * 86'400'000;
  for (const auto& t : triggers_without_prompt(store_, loop_.clock().now_ms() - kWeekMs, 1000)) {
    log::info("prompts", "commit {} was stored without a prompt (the daemon stopped): asking now",
              t.commit.substr(0, 12));
    json event = {{"trigger_id", t.id}, {"repo", t.repo}, {"branch", t.branch}, {"commit", t.commit},
                  {"at_ms", t.at_ms}};
    on_trigger("commit", dump_text(event));
  }
}

std::string Prompts::context_for(const std::string& repo, const std::string& branch, const std::string& slug) {
  return config_.parser_context(repo, branch, slug);
}

// A plugin's trigger that suggests no project or ticket: its title and
// hint go through the parsers as an answer would, so a meeting called
// "Widgets sync" suggests the widgets project. Filled into the payload,
// which is stored as the trigger's details.
void Prompts::suggest_from_text(json& t) {
  TriggerText said = trigger_text(dump_text(t));
  if (!parse_ || (said.title.empty() && said.hint.empty())) return;
  if (!said.suggested_project.empty() && !said.suggested_ticket.empty()) return;
  json r = json::parse(parse_(said.title + "\n" + said.hint, context_for("", "", "")), nullptr, false);
  if (!r.is_object()) return;
  bool project = said.suggested_project.empty() && r.contains("project") && r["project"].is_string();
  bool ticket = said.suggested_ticket.empty() && r.contains("tickets") && r["tickets"].is_array() &&
                !r["tickets"].empty() && r["tickets"][0].is_object();
  if (!project && !ticket) return;
  if (!t.contains("suggested") || !t["suggested"].is_object()) t["suggested"] = json::object();
  if (project) t["suggested"]["project"] = r["project"];
  if (ticket) t["suggested"]["ticket"] = r["tickets"][0];
}

// A trigger joins the open prompt of its repository, or opens one. The
// host's triggers (a commit, `devtrack ask`) are stored already and name
// their row; a plugin's is stored here first, its payload as the details.
void Prompts::on_trigger(const std::string& kind, const std::string& payload, bool from_host) {
  json t = json::parse(payload, nullptr, false);
  if (!t.is_object()) {
    log::warn("prompts", "ignoring a trigger.{} that is not a JSON object", kind);
    return;
  }
  auto integer = [&](const char* name, int64_t fallback) {
    return t.contains(name) && t[name].is_number_integer() ? t[name].get<int64_t>() : fallback;
  };
  int64_t trigger_id = from_host ? integer("trigger_id", 0) : 0;
  if (!from_host) suggest_from_text(t);
  if (!trigger_id && kind != "commit") {
    TriggerRow row;
    row.kind = kind;
    row.at_ms = integer("at_ms", loop_.clock().now_ms());
    if (row.at_ms <= 0) row.at_ms = loop_.clock().now_ms();
    row.details = dump_text(t);
    trigger_id = record_trigger(store_, row);
    log::info("capture", "{} trigger {}", kind, trigger_id);
  }
  auto text = [&](const char* name) {
    return kind == "commit" && t.contains(name) && t[name].is_string() ? t[name].get<std::string>() : "";
  };
  std::string repo = text("repo"), branch = text("branch");
  auto open = open_prompt(store_, repo);
  if (open) {
    if (trigger_id) attach_trigger(store_, trigger_id, open->id);
    bus_.publish("prompt.updated", json{{"prompt_id", open->id}, {"trigger_id", trigger_id}}.dump());
    return;
  }
  PromptRow p;
  p.kind = kind;
  p.repo = repo;
  p.branch = branch;
  p.created_ms = loop_.clock().now_ms();
  // Suggestion: the ticket last used here (same branch first), else the
  // branch name's; the commit message's once the worker has read it.
  if (std::string ticket = trigger_text(dump_text(t)).suggested_ticket; !ticket.empty()) {
    p.suggestion = ticket;  // the plugin's (a meeting's ticket)
  } else if (!repo.empty()) {
    json recent = json::parse(recent_tickets(store_, repo, branch), nullptr, false);
    if (recent.is_array() && !recent.empty()) {
      p.suggestion = recent[0].dump();
    } else if (parse_) {
      json r = json::parse(parse_("", context_for(repo, branch, "")), nullptr, false);
      if (r.is_object() && r.contains("suggested") && !r["suggested"].empty()) p.suggestion = r["suggested"][0].dump();
    }
  }
  p.id = create_prompt(store_, p, trigger_id);
  p.state = PromptState::kPending;
  log::info("prompts", "prompt {} opened ({}{})", p.id, kind, repo.empty() ? "" : " in " + repo);
  schedule(p);
  request(p.id);
}

void Prompts::on_details(const std::string& payload) {
  json d = json::parse(payload, nullptr, false);
  if (!d.is_object() || !d.contains("details") || !d["details"].is_object()) return;
  auto p = prompt_of_trigger(store_, d.value("trigger_id", int64_t{0}));
  if (!p || p->state != PromptState::kPending) return;
  const json& details = d["details"];
  // The worker sends "slug": null for a repository without a usable remote.
  std::string slug = details.contains("slug") && details["slug"].is_string() ? details["slug"].get<std::string>() : "";
  // No suggestion yet: the commit message may name the ticket.
  std::string suggestion = p->suggestion;
  if (suggestion.empty() && parse_ && details.contains("message") && details["message"].is_string()) {
    json r = json::parse(parse_(details["message"].get<std::string>(), context_for(p->repo, p->branch, slug)),
                         nullptr, false);
    if (r.is_object() && r.contains("tickets") && !r["tickets"].empty()) {
      suggestion = r["tickets"][0].dump();
      set_suggestion(store_, p->id, suggestion);
      bus_.publish("prompt.updated", json{{"prompt_id", p->id}}.dump());
    }
  }
  // Now that the remote is known, look the ticket up (for its title).
  if (!suggestion.empty()) resolve_suggestion(p->id, suggestion, slug);
  // The commit's subject is known now: surfaces showing the prompt redraw it.
  if (suggestion == p->suggestion) bus_.publish("prompt.updated", json{{"prompt_id", p->id}}.dump());
}

// Pending: expires after prompt.timeout. Deferred: comes back when due.
void Prompts::schedule(const PromptRow& p) {
  if (auto it = timers_.find(p.id); it != timers_.end()) {
    loop_.cancel(it->second);
    timers_.erase(it);
  }
  int64_t id = p.id;
  if (p.state == PromptState::kPending) {
    int64_t due = p.created_ms + config_.prompt.timeout.count() * 1000;
    timers_[id] = loop_.call_at(from_ms(due), [this, id] {
      timers_.erase(id);
      auto now = get_prompt(store_, id);
      if (!now || now->state != PromptState::kPending) return;
      record_response(store_, id, PromptState::kExpired, "", loop_.clock().now_ms());
      log::info("prompts", "prompt {} expired unanswered (devtrack checkin still takes it)", id);
      update_pending_marker(store_, paths::home());
      bus_.publish("prompt.expired", json{{"prompt_id", id}}.dump());
    });
  } else if (p.state == PromptState::kDeferred) {
    timers_[id] = loop_.call_at(from_ms(p.due_ms), [this, id] {
      timers_.erase(id);
      auto now = get_prompt(store_, id);
      if (!now || now->state != PromptState::kDeferred) return;
      int64_t t = loop_.clock().now_ms();
      set_prompt_state(store_, id, PromptState::kPending, t);
      PromptRow again = *now;
      again.state = PromptState::kPending;
      again.created_ms = t;  // a fresh timeout from now
      log::info("prompts", "deferred prompt {} is back", id);
      schedule(again);
      request(id);
    });
  }
}

void Prompts::request(int64_t prompt_id) {
  update_pending_marker(store_, paths::home());
  if (!in_work_hours(config_, loop_.clock().now_ms())) return;  // asked when checkin runs
  if (paused(store_, loop_.clock().now_ms())) return;  // the prompt waits quietly
  bus_.publish("prompt.request", json{{"prompt_id", prompt_id}}.dump());
  refresh_assigned(false);  // for the next prompts' hints, in the background
}

void Prompts::register_verbs(ipc::Router& router) {
  router.add("ask", [this](const json& args) {
    std::string note = args.contains("note") && args["note"].is_string() ? args["note"].get<std::string>() : "";
    return json{{"prompt_id", ask(note)}};
  });
  router.add("tickets.refresh", [this](const json&) {
    bool fetching = refresh_assigned(true);
    return json{{"fetching", fetching}, {"seq", store_.kv_get_int("daemon", "assigned_seq").value_or(0)}};
  });
}

bool Prompts::refresh_assigned(bool force) {
  if (!worker_ || trackers_.empty()) return false;
  int64_t now = loop_.clock().now_ms();
  auto last = store_.kv_get_int("daemon", "assigned_tried_ms");
  if (!force && last && now - *last < kAssignedFreshMs) return false;
  store_.kv_set("daemon", "assigned_tried_ms", std::to_string(now));
  int64_t seq = store_.kv_get_int("daemon", "assigned_seq").value_or(0) + 1;
  store_.kv_set("daemon", "assigned_seq", std::to_string(seq));
  worker_->send("tracker.assigned", json{{"seq", seq}}.dump());
  log::info("prompts", "fetching the tickets assigned to you from {} tracker(s)", trackers_.size());
  return true;
}

void Prompts::changed(int64_t prompt_id) {
  update_pending_marker(store_, paths::home());
  auto p = get_prompt(store_, prompt_id);
  if (!p) return;
  schedule(*p);
  if (p->state == PromptState::kAnswered) {
    auto r = latest_response(store_, prompt_id);
    if (r && r->parsed.empty()) parse_answer(r->id, prompt_id, r->raw_text);
    // An answer `devtrack checkin` parsed: its tickets are checked here.
    else if (r) check_answer_tickets(prompt_id, json::parse(r->parsed, nullptr, false), repo_context(store_, *p).slug);
    json event = {{"prompt_id", prompt_id}, {"response_id", r ? r->id : 0}};
    bus_.publish("prompt.answer", event.dump());
    if (r) {
      auto again = latest_response(store_, prompt_id);
      event["parsed"] = json::parse(again && !again->parsed.empty() ? again->parsed : "null", nullptr, false);
      bus_.publish("activity.recorded", event.dump());
    }
  } else if (p->state == PromptState::kSkipped) {
    bus_.publish("prompt.skip", json{{"prompt_id", prompt_id}}.dump());
  } else if (p->state == PromptState::kDeferred) {
    bus_.publish("prompt.defer", json{{"prompt_id", prompt_id}, {"due_ms", p->due_ms}}.dump());
  }
}

void Prompts::parse_answer(int64_t response_id, int64_t prompt_id, const std::string& text) {
  if (!parse_) return;
  auto p = get_prompt(store_, prompt_id);
  if (!p) return;
  // The prompt's repository (its commits', or where `devtrack ask` ran)
  // routes a bare #12 and names the project, as in `devtrack checkin`.
  RepoContext where = repo_context(store_, *p);
  json r = json::parse(parse_(text, context_for(where.repo, where.branch, where.slug)), nullptr, false);
  if (!r.is_object()) return;
  apply_learning(store_, where.repo, where.branch, r);
  // A reference several trackers fit takes the choice made before in this
  // repository; without one it stays text (only a terminal can ask).
  settle_remembered_choices(store_, where.repo, r);
  apply_suggestion(store_, *p, r);
  auto answered = latest_response(store_, prompt_id);
  settle_duration(store_, config_, *p, text, r, answered ? answered->at_ms : loop_.clock().now_ms());
  save_parse(store_, config_, response_id, r, AnswerContext{text, prompt_commits(store_, prompt_id), where.slug},
             loop_.clock().now_ms());
  check_answer_tickets(prompt_id, r, where.slug);
}

// One job per answer, keyed by its prompt as a suggestion's is: the worker
// answers each ticket on its own ("tracker.resolved" with "answer").
void Prompts::check_answer_tickets(int64_t prompt_id, const json& parsed, const std::string& slug) {
  if (!worker_ || !parsed.contains("tickets") || !parsed["tickets"].is_array()) return;
  json tickets = json::array();
  for (const auto& t : parsed["tickets"]) {
    std::string plugin = tracker_of(t);
    if (plugin.empty() || !config_.plugin_enabled(plugin)) continue;
    if (store_.cache_get(plugin, t.dump(), loop_.clock().now_ms()) || known_not_found(store_, t)) continue;
    tickets.push_back({{"plugin", plugin}, {"ticket", t}});
  }
  if (tickets.empty()) return;
  worker_->send("tracker.resolve",
                json{{"prompt_id", prompt_id}, {"tickets", tickets}, {"repo", slug}, {"answer", true}}.dump());
}

void Prompts::resolve_suggestion(int64_t prompt_id, const std::string& ticket_json, const std::string& repo) {
  json ticket = json::parse(ticket_json, nullptr, false);
  std::string plugin = tracker_of(ticket);
  if (!worker_ || plugin.empty() || !config_.plugin_enabled(plugin)) return;
  if (store_.cache_get(plugin, ticket_json, loop_.clock().now_ms())) return;  // known and fresh
  worker_->send("tracker.resolve",
                json{{"prompt_id", prompt_id}, {"plugin", plugin}, {"ticket", ticket}, {"repo", repo}}.dump());
}

void Prompts::on_resolved(const std::string& payload) {
  json r = json::parse(payload, nullptr, false);
  if (!r.is_object() || !r.contains("prompt_id")) return;
  if (worker_) worker_->done("tracker.resolve", r["prompt_id"]);
  std::string plugin = r.value("plugin", "");
  if (r.value("status", "") == "not_found" && r.contains("ticket")) {
    learn_not_found(store_, r["ticket"], config_.tracker_name(plugin) + " says " + ticket_text(r["ticket"]) +
                                            " does not exist", loop_.clock().now_ms());
    log::info("prompts", "{} does not exist in {}: not proposed again", ticket_text(r["ticket"]), plugin);
    return;
  }
  if (r.value("status", "") != "ok" || !r.contains("result") || !r["result"].is_object()) return;
  const int64_t day = 86'400'000;
  store_.cache_put(plugin, r["ticket"].dump(), r["result"].dump(), loop_.clock().now_ms() + day);
  if (!r.value("answer", false)) bus_.publish("prompt.updated", json{{"prompt_id", r["prompt_id"]}}.dump());
}

// Remembers how the last fetch went, for `devtrack tickets --refresh`.
void Prompts::on_assigned(const std::string& payload) {
  if (worker_) worker_->done("tracker.assigned", 0);
  json r = json::parse(payload, nullptr, false);
  if (!r.is_object()) return;
  store_.kv_set("daemon", "assigned_last", r.dump());
}

int64_t Prompts::ask(const std::string& note) {
  TriggerRow t;
  t.kind = "manual";
  t.at_ms = loop_.clock().now_ms();
  // The note is what the prompt asks about and the log calls it.
  json details = {{"note", note}};
  if (!note.empty()) details["title"] = note;
  t.details = dump_text(details);
  int64_t trigger_id = record_trigger(store_, t);
  auto open = open_prompt(store_, "");
  if (open) {
    attach_trigger(store_, trigger_id, open->id);
    return open->id;
  }
  on_trigger("manual", json{{"trigger_id", trigger_id}}.dump());
  auto created = open_prompt(store_, "");
  return created ? created->id : 0;
}

}  // namespace devtrack
