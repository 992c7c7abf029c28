// The prompt flow in the daemon: triggers become prompts (a commit on a
// repository whose prompt is still open joins it), each with a suggested
// ticket (history, branch name, commit message); pending prompts expire
// after prompt.timeout, deferred ones come back when due. Answers are
// written by the client that took them (store first); the daemon hears
// about them through `prompt.changed` and publishes prompt.answer.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace devtrack::ipc {
class Router;
}  // namespace devtrack::ipc

namespace devtrack {

class Bus;
class EventLoop;
class Store;
class WorkerJobs;
struct Config;
struct PromptRow;

class Prompts {
 public:
  // Parses text with the running parser plugin: result JSON, or "".
  using ParseFn = std::function<std::string(const std::string& text, const std::string& context_json)>;

  Prompts(EventLoop& loop, Bus& bus, Store& store, const Config& config, ParseFn parse, WorkerJobs* worker = nullptr);

  // [loop] Expires overdue prompts, schedules timeouts and returns, parses
  // answers stored while the daemon was down.
  void start();
  // [loop] A client changed this prompt (answered, skipped, deferred...).
  void changed(int64_t prompt_id);
  // [loop] `devtrack ask`: a manual trigger and its prompt; returns the prompt id.
  int64_t ask(const std::string& note);
  // [loop] Its IPC verbs: ask, tickets.refresh.
  void register_verbs(ipc::Router& router);
  // [loop] The enabled tracker plugins (set at start and on reload).
  void set_trackers(std::vector<std::string> trackers) { trackers_ = std::move(trackers); }
  // [loop] Has the worker fetch the trackers' lists of tickets assigned to
  // the user, unless fetched (or tried) within the hour and not `force`d.
  // Returns whether a fetch was started.
  bool refresh_assigned(bool force);

 private:
  void on_trigger(const std::string& kind, const std::string& payload, bool from_host = true);
  void on_details(const std::string& payload);
  void suggest_from_text(nlohmann::json& trigger);
  void open_prompts_for_orphaned_triggers();
  void schedule(const PromptRow& prompt);
  void request(int64_t prompt_id);
  void parse_answer(int64_t response_id, int64_t prompt_id, const std::string& text);
  // Asks the ticket's tracker for its title (cached a day for offline use).
  void resolve_suggestion(int64_t prompt_id, const std::string& ticket_json, const std::string& repo);
  // Asks the trackers about an answer's tickets they have not confirmed
  // yet: one that does not exist is learned (checkin/learning.h).
  void check_answer_tickets(int64_t prompt_id, const nlohmann::json& parsed, const std::string& slug);
  void on_resolved(const std::string& payload);
  void on_assigned(const std::string& payload);
  std::string context_for(const std::string& repo, const std::string& branch, const std::string& slug);

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  ParseFn parse_;
  WorkerJobs* worker_;
  std::map<int64_t, uint64_t> timers_;  // prompt id -> its expiry or return timer
  std::vector<std::string> trackers_;
};

}  // namespace devtrack
