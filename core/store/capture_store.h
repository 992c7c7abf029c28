// Queries on what capture records: the watched repositories and the
// triggers (commits, devtrack ask, and the plugins' own kinds). Shared by
// the daemon (which writes) and the CLI (`repos`, `log`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devtrack {

class Store;

struct Repo {
  int64_t id = 0;
  std::string path;  // the working tree root
  std::string git_dir;
  std::string hooks_dir;
  std::string last_commit;
  int64_t added_ms = 0;
};

std::vector<Repo> list_repos(Store& store);
std::optional<Repo> find_repo(Store& store, const std::string& path);
// Inserts or updates the row for repo.path; returns its id.
int64_t save_repo(Store& store, const Repo& repo);
bool remove_repo(Store& store, const std::string& path);
void set_last_commit(Store& store, int64_t repo_id, const std::string& commit);

struct TriggerRow {
  int64_t id = 0;
  std::string kind;  // commit (the host), manual (devtrack ask), or a plugin's own: timer, editor...
  int64_t at_ms = 0;
  std::string repo, branch, commit;
  std::string details;  // JSON object text, "" if none yet
  bool has_details = false;
};

// True if (repo, commit) is recorded already (a cheap read, no write).
bool commit_known(Store& store, const std::string& repo, const std::string& commit);
// Records a commit trigger once: a second report of the same (repo, commit)
// — hook, spool, watcher or catch-up — returns 0 and changes nothing.
int64_t record_commit(Store& store, const TriggerRow& trigger);
// The same, and the repo's last commit moved to it, in one transaction (one
// synced write per commit rather than two).
int64_t record_repo_commit(Store& store, const TriggerRow& trigger, int64_t repo_id);
// Records a timer / editor / manual trigger; returns its id.
int64_t record_trigger(Store& store, const TriggerRow& trigger);
// Merges a JSON object into the trigger's details.
void merge_details(Store& store, int64_t trigger_id, const std::string& details_json);

struct TriggerQuery {
  int64_t since_ms = 0;
  std::string repo;  // "" = all
  int limit = 100;   // newest first in the query, returned oldest first
};
std::vector<TriggerRow> list_triggers(Store& store, const TriggerQuery& query);
// The triggers a prompt asks about, oldest first.
std::vector<TriggerRow> prompt_triggers(Store& store, int64_t prompt_id);

// A prompt's commit with what the worker read of it ("" until it has).
struct PromptCommit {
  std::string commit;
  std::string summary;  // the message's first line
  std::string slug;     // owner/name of the origin remote
};
// The commits a prompt asks about, oldest first.
std::vector<PromptCommit> prompt_commits(Store& store, int64_t prompt_id);
// The subject (first line) the worker read of `commit`, "" until it has.
std::string commit_summary(Store& store, const std::string& commit);
// True while a commit trigger of `commit` waits for the worker to read it
// (neither its message nor a read error is in).
bool commit_details_pending(Store& store, const std::string& commit);
// Commit triggers whose details the worker has not filled in yet.
std::vector<TriggerRow> triggers_without_details(Store& store, int limit);
// Commit triggers since `since_ms` that no prompt asks about: stored just
// before the daemon died, before its trigger.commit event was handled.
// Oldest first.
std::vector<TriggerRow> triggers_without_prompt(Store& store, int64_t since_ms, int limit);

}  // namespace devtrack
