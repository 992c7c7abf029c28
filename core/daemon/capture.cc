#include "daemon/capture.h"

#include <devtrack/text.hpp>
#include <sys/stat.h>

#include <climits>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "event/loop.h"
#include "event/process_exit.h"
#include "git/git_files.h"
#include "ipc/router.h"
#include "log/log.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "util/error.h"
#include "util/json_text.h"
#include "util/paths.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace devtrack {

namespace {

// The git process the hook named, where it sent a valid one; 0: now.
int git_pid(const json& args) {
  auto it = args.find("git_pid");
  if (it == args.end() || !it->is_number_integer()) return 0;
  int64_t pid = it->get<int64_t>();
  return pid > 1 && pid <= INT32_MAX ? static_cast<int>(pid) : 0;
}

}  // namespace

Capture::Capture(EventLoop& loop, Bus& bus, Store& store, WorkerJobs& worker)
    : loop_(loop), bus_(bus), store_(store), worker_(worker), watcher_(loop) {
  bus_.subscribe("trigger.details", [this](const Event& e) { on_details(e.payload); }, "capture");
}

void Capture::start() {
  ingest_spool();
  refresh_repos();
  for (const auto& repo : list_repos(store_)) catch_up_or_retry(repo.path, "catch-up");
  request_missing_details();
}

void Capture::register_verbs(ipc::Router& router) {
  router.add("hook.commit", [this](const nlohmann::json& args) {
    int git = git_pid(args);
    if (git == 0) return nlohmann::json{{"trigger_id", on_hook(args.dump(), "hook")}};
    // Stored once git has ended (or kGitWaitCap passed): a daemon killed
    // in between loses nothing, the reflog read at its start finds it.
    when_process_ends(loop_, git, kGitWaitCap, [this, text = args.dump()] { on_hook_logged(text); });
    return nlohmann::json{{"trigger_id", nullptr}, {"after_git", true}};
  });
  router.add("repos.changed", [this](const nlohmann::json&) {
    refresh_repos();
    start();
    return nlohmann::json{{"watched", watched()}};
  });
}

void Capture::refresh_repos() {
  auto repos = list_repos(store_);
  std::set<std::string> current;
  for (const auto& repo : repos) {
    current.insert(repo.path);
    if (watches_.count(repo.path) || repo.git_dir.empty()) continue;
    // HEAD's reflog lives in <git_dir>/logs; git rewrites it by appending.
    std::string logs = repo.git_dir + "/logs";
    std::error_code ec;
    fs::create_directories(logs, ec);
    std::string path = repo.path;
    auto id = watcher_.watch(logs, [this, path](const std::string& name) {
      if (name == "HEAD") catch_up_soon(path);
    });
    if (id) watches_[repo.path] = id;
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (current.count(it->first)) {
      ++it;
    } else {
      watcher_.unwatch(it->second);
      it = watches_.erase(it);
    }
  }
}

// The reflog changes while git is still at work: its hook has not even run.
// The hook's message names git's process, so the commit waits for git's
// end; a commit without a hook (an IDE's libgit2) waits kWatcherDelay,
// time for git to end and for its hook to speak first.
void Capture::catch_up_soon(const std::string& path) {
  if (!pending_catch_ups_.insert(path).second) return;
  after_real_delay(loop_, kWatcherDelay, [this, path] {
    pending_catch_ups_.erase(path);
    catch_up_or_retry(path, "watcher");
  });
}

void Capture::on_hook_logged(const std::string& args_json) {
  try {
    on_hook(args_json, "hook");
  } catch (const std::exception& e) {
    // The reflog still has the commit: the next catch-up stores it.
    log::warn("capture", "cannot record a commit the hook reported: {}", e.what());
  }
}

// The reflog keeps every commit until we have stored it, so a failed
// catch-up (a busy or full database) loses nothing: it is tried again.
void Capture::catch_up_or_retry(const std::string& path, const std::string& source) {
  try {
    if (auto r = find_repo(store_, path)) catch_up(*r, source);
  } catch (const std::exception& e) {
    log::warn("capture", "cannot record the new commits of {} yet: {}; trying again in {} s", sdk::to_valid_utf8(path),
              e.what(), kRetryDelay.count());
    loop_.call_at(loop_.clock().now() + kRetryDelay, [this, path, source] { catch_up_or_retry(path, source); });
  }
}

void Capture::catch_up(const Repo& repo, const std::string& source) {
  // The hook's commit is recorded by the time the watcher looks: a reflog
  // that has not changed since holds nothing new, and is not read again.
  ReflogStamp stamp = reflog_stamp(repo);
  auto seen = reflog_seen_.find(repo.path);
  if (stamp.known() && seen != reflog_seen_.end() && seen->second == stamp) return;
  catch_up_entries(repo, new_reflog_entries(repo), source, "");
  reflog_seen_[repo.path] = stamp;
}

std::vector<git::ReflogEntry> Capture::new_reflog_entries(const Repo& repo) {
  return git::read_head_reflog_back_to(repo.git_dir, [&](const git::ReflogEntry& e) {
    return e.new_id == repo.last_commit || e.at_ms < repo.added_ms - 1000;
  });
}

Capture::ReflogStamp Capture::reflog_stamp(const Repo& repo) {
  struct stat st;
  if (::stat((repo.git_dir + "/logs/HEAD").c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_ino), static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// Commits in the reflog newer than the last one we saw (and never older than
// when the repo was added), up to `until` where one is named: the hook
// records its own commit with its own time and branch.
void Capture::catch_up_entries(const Repo& repo, const std::vector<git::ReflogEntry>& entries,
                               const std::string& source, const std::string& until) {
  size_t start = entries.size();
  while (start > 0) {
    const auto& e = entries[start - 1];
    if (e.new_id == repo.last_commit || e.at_ms < repo.added_ms - 1000) break;
    --start;
  }
  std::string branch = git::current_branch(repo.git_dir);
  for (size_t i = start; i < entries.size(); ++i) {
    if (!until.empty() && entries[i].new_id == until) break;
    if (!git::makes_commit(entries[i].action) || commit_known(store_, repo.path, entries[i].new_id)) continue;
    record(repo, entries[i].new_id, branch, entries[i].at_ms, entries[i].action, source);
  }
}

int64_t Capture::on_hook(const std::string& args_json, const std::string& source) {
  json args = json::parse(args_json, nullptr, false);
  if (!args.is_object() || !args.contains("repo") || !args["repo"].is_string())
    throw Error("hook.commit needs {\"repo\": path}");
  std::string path = args["repo"].get<std::string>();
  auto repo = find_repo(store_, path);
  if (!repo) {
    std::error_code ec;
    std::string canonical = fs::weakly_canonical(path, ec).string();
    repo = find_repo(store_, canonical);
  }
  if (!repo) {
    // The hook sends UTF-8: a path with other bytes arrives with U+FFFD in
    // their place, so match it against the watched paths made valid alike.
    for (auto& r : list_repos(store_))
      if (!sdk::is_valid_utf8(r.path) && sdk::to_valid_utf8(r.path) == path) repo = std::move(r);
  }
  if (!repo) {
    log::debug("capture", "ignoring a commit in {}: not a watched repository", path);
    return 0;
  }
  std::string commit = args.value("commit", "");
  if (commit.size() != 40 || commit.find_first_not_of("0123456789abcdef") != std::string::npos) {
    // The hook could not read HEAD: the reflog knows.
    catch_up(*repo, source);
    return 0;
  }
  // Usually the reflog watcher saw it first: then there is nothing to do.
  if (commit_known(store_, repo->path, commit)) return 0;
  // Commits before it that nothing stored yet (a full disk, a busy
  // database) go first: recording this one moves the repo's last commit
  // past them, and the reflog's next reading would start after it.
  ReflogStamp stamp = reflog_stamp(*repo);
  auto entries = new_reflog_entries(*repo);
  catch_up_entries(*repo, entries, source, commit);
  // The reflog says what kind of commit it was (amend, rebase...).
  std::string action = "commit";
  for (auto it = entries.rbegin(); it != entries.rend() && it != entries.rbegin() + 20; ++it)
    if (it->new_id == commit) {
      action = it->action;
      break;
    }
  int64_t at = args.value("at_ms", loop_.clock().now_ms());
  int64_t id = record(*repo, commit, args.value("branch", ""), at, action, source);
  // Everything the reflog held when read is stored now (this commit last).
  if (!entries.empty() && entries.back().new_id == commit) reflog_seen_[repo->path] = stamp;
  return id;
}

int64_t Capture::record(const Repo& repo, const std::string& commit, const std::string& branch, int64_t at_ms,
                        const std::string& action, const std::string& source) {
  json details = {{"action", action},
                  {"amend", action.find("amend") != std::string::npos},
                  {"rebase", action.rfind("rebase", 0) == 0},
                  {"merge", action.find("merge") != std::string::npos},
                  {"source", source}};
  TriggerRow t;
  t.kind = "commit";
  t.at_ms = at_ms;
  t.repo = repo.path;
  t.branch = branch;
  t.commit = commit;
  t.details = details.dump();
  int64_t id = record_repo_commit(store_, t, repo.id);
  if (id == 0) return 0;  // already known
  log::info("capture", "commit {} in {} ({}, via {})", commit.substr(0, 12), sdk::to_valid_utf8(repo.path), action,
            source);
  // Paths and branch names are bytes; the bus carries UTF-8 (dump_text
  // replaces what is not).
  json event = {{"trigger_id", id}, {"repo", repo.path}, {"branch", branch}, {"commit", commit}, {"at_ms", at_ms}};
  bus_.publish("trigger.commit", dump_text(event));
  send_read_request(id, repo.path, repo.git_dir, commit);
  return id;
}

// Asks the worker to read a commit. A git_dir that is not UTF-8 also goes
// as hex bytes (git_dir_hex), so the worker opens the real directory.
void Capture::send_read_request(int64_t trigger_id, const std::string& repo, const std::string& git_dir,
                                const std::string& commit) {
  json request = {{"trigger_id", trigger_id}, {"repo", repo}, {"git_dir", git_dir}, {"commit", commit}};
  if (!sdk::is_valid_utf8(git_dir)) {
    static const char* hex = "0123456789abcdef";
    std::string h;
    for (unsigned char c : git_dir) h += {hex[c >> 4], hex[c & 15]};
    request["git_dir_hex"] = h;
  }
  worker_.send("git.read", dump_text(request));
}

// A spool file goes only once what it says is stored. One that cannot be
// read is renamed *.bad (kept for the user, never retried); one whose
// storing failed (a busy or full database) stays and is tried again.
void Capture::ingest_spool() {
  std::string dir = paths::home() + "/spool";
  std::error_code ec;
  std::vector<fs::path> files;
  auto stale = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") files.push_back(it->path());
    // A writer that died between open and rename leaves a .tmp behind.
    std::error_code tec;
    if (it->path().extension() == ".tmp" && fs::last_write_time(it->path(), tec) < stale && !tec)
      fs::remove(it->path(), tec);
  }
  std::sort(files.begin(), files.end());  // names start with the time
  for (const auto& file : files) {
    json message;
    try {
      message = json::parse(paths::read_file(file.string()));
      if (!message.is_object() || !message.contains("args") || !message["args"].is_object())
        throw Error("no \"args\" object");
    } catch (const std::exception& e) {
      log::warn("capture", "the spool file {} cannot be read ({}); kept as .bad", file.string(), e.what());
      fs::rename(file, fs::path(file).replace_extension(".bad"), ec);
      continue;
    }
    try {
      std::string cmd = message.contains("cmd") && message["cmd"].is_string() ? message["cmd"].get<std::string>()
                                                                              : "hook.commit";
      if (cmd == "editor.heartbeat")
        bus_.publish("editor.heartbeat", message["args"].dump());  // `devtrack heartbeat` while we were down
      else
        on_hook(message["args"].dump(), "spool");
    } catch (const Error& e) {
      log::warn("capture", "the spool file {} is not a usable message ({}); kept as .bad", file.string(), e.what());
      fs::rename(file, fs::path(file).replace_extension(".bad"), ec);
      continue;
    } catch (const std::exception& e) {
      log::warn("capture", "cannot store the spooled commits yet: {}; trying again in {} s", e.what(),
                kRetryDelay.count());
      if (!spool_retry_) {
        spool_retry_ = true;
        loop_.call_at(loop_.clock().now() + kRetryDelay, [this] {
          spool_retry_ = false;
          ingest_spool();
        });
      }
      return;
    }
    fs::remove(file, ec);  // stored: the row is committed before the file goes
  }
}

void Capture::request_missing_details() {
  for (const auto& t : triggers_without_details(store_, 200)) {
    auto repo = find_repo(store_, t.repo);
    if (repo) send_read_request(t.id, t.repo, repo->git_dir, t.commit);
  }
}

void Capture::on_details(const std::string& payload) {
  json p = json::parse(payload, nullptr, false);
  if (!p.is_object() || !p.contains("trigger_id") || !p["trigger_id"].is_number_integer() ||
      !p.contains("details") || !p["details"].is_object()) {
    log::warn("capture", "ignoring a malformed trigger.details event");
    return;
  }
  merge_details(store_, p["trigger_id"].get<int64_t>(), p["details"].dump());
  worker_.done("git.read", p["trigger_id"].get<int64_t>());
}

}  // namespace devtrack
