// Commit capture in the daemon. Every path that can tell us about a commit
// — the hook over IPC, the hook's spool files, the file watcher on a repo's
// reflog, and the catch-up read at start — ends in record(): a `triggers`
// row first (deduplicated by repo + commit id), then `trigger.commit` on the
// bus, then a request for the details to the worker's git plugin.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "event/file_watcher.h"
#include "git/git_files.h"

namespace devtrack::ipc {
class Router;
}  // namespace devtrack::ipc

namespace devtrack {

class Bus;
class EventLoop;
class Store;
class WorkerJobs;
struct Repo;

class Capture {
 public:
  Capture(EventLoop& loop, Bus& bus, Store& store, WorkerJobs& worker);

  // [loop] Ingests the spool, reads each repo's reflog since the last
  // commit seen, and starts watching every repo.
  void start();

  // [loop] A commit reported by the hook (IPC args or a spool file's).
  // Returns the trigger id, 0 for a duplicate; throws Error for bad input.
  int64_t on_hook(const std::string& args_json, const std::string& source);

  // [loop] Re-reads the repo list (after `repos add/remove`).
  // [loop] Its IPC verbs: hook.commit, repos.changed.
  void register_verbs(ipc::Router& router);
  void refresh_repos();

  // [loop] Asks the worker again for details still missing (after it
  // restarted, or at start).
  void request_missing_details();

  size_t watched() const { return watches_.size(); }

 private:
  void catch_up(const Repo& repo, const std::string& source);
  void catch_up_entries(const Repo& repo, const std::vector<git::ReflogEntry>& entries, const std::string& source,
                        const std::string& until);
  // What identifies a reflog's state without reading it: a changed file
  // has a new size or mtime (git appends, or rewrites it whole).
  struct ReflogStamp {
    int64_t inode = 0, size = -1, mtime_ns = 0;
    bool known() const { return size >= 0; }
    bool operator==(const ReflogStamp&) const = default;
  };
  static ReflogStamp reflog_stamp(const Repo& repo);
  std::vector<git::ReflogEntry> new_reflog_entries(const Repo& repo);
  void catch_up_soon(const std::string& path);
  void on_hook_logged(const std::string& args_json);
  void catch_up_or_retry(const std::string& path, const std::string& source);
  void send_read_request(int64_t trigger_id, const std::string& repo, const std::string& git_dir,
                         const std::string& commit);
  int64_t record(const Repo& repo, const std::string& commit, const std::string& branch, int64_t at_ms,
                 const std::string& action, const std::string& source);
  void ingest_spool();
  void on_details(const std::string& payload);

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  WorkerJobs& worker_;
  FileWatcher watcher_;
  std::map<std::string, FileWatcher::WatchId> watches_;  // repo path -> watch
  bool spool_retry_ = false;
  std::set<std::string> pending_catch_ups_;  // repos whose reflog changed, read soon
  std::map<std::string, ReflogStamp> reflog_seen_;  // repo path -> its reflog when all of it was stored
  static constexpr std::chrono::seconds kRetryDelay{5};
  static constexpr std::chrono::milliseconds kWatcherDelay{250};
  static constexpr std::chrono::milliseconds kGitWaitCap{2000};
};

}  // namespace devtrack
