// The git trigger plugin. The daemon notices commits itself (the hook, the
// reflog watcher, the catch-up at start) and records them at once; this
// plugin, in the worker, fills in what needs libgit2: the message, the
// remote's owner/name, the files changed and the line counts.
//
// Bus: takes "git.read" {trigger_id, repo, git_dir, commit}; publishes
// "trigger.details" {trigger_id, details: {...}}.
#include <devtrack/sdk.hpp>
#include <git2.h>

#include <nlohmann/json.hpp>

#include "git/slug.h"  // shared with the host, header-only

using nlohmann::json;

namespace {

const dt_option kOptions[] = {
    {"max_files", DT_OPT_INT, "200", "At most this many changed file paths are kept per commit."},
    {nullptr, 0, nullptr, nullptr},
};

std::string last_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  ~Owned() {
    if (p) Free(p);
  }
};

class GitPlugin : public devtrack::sdk::Trigger {
 public:
  GitPlugin(const dt_host* host, std::string_view config_json) : Trigger(host) {
    json config = json::parse(config_json, nullptr, false);
    if (config.is_object()) max_files_ = config.value("max_files", 200);
    git_libgit2_init();
    this->host().subscribe("git.read", [this](std::string_view, std::string_view payload) { on_read(payload); });
  }
  ~GitPlugin() override { git_libgit2_shutdown(); }

  void start() override {}
  void stop() override {}

 private:
  void on_read(std::string_view payload) {
    json request = json::parse(payload, nullptr, false);
    if (!request.is_object() || !request.contains("trigger_id")) return;
    json details;
    try {
      details = read_commit(request.value("git_dir", request.value("repo", "")), request.value("commit", ""));
    } catch (const std::exception& e) {
      details = {{"error", e.what()}};
      host().warn("cannot read commit " + request.value("commit", "") + ": " + e.what());
    }
    host().publish("trigger.details", json{{"trigger_id", request["trigger_id"]}, {"details", details}}.dump());
  }

  json read_commit(const std::string& git_dir, const std::string& id) {
    Owned<git_repository, git_repository_free> repo;
    if (git_repository_open(&repo.p, git_dir.c_str()) != 0) throw std::runtime_error(last_error());
    git_oid oid;
    if (git_oid_fromstr(&oid, id.c_str()) != 0) throw std::runtime_error("not a commit id: " + id);
    Owned<git_commit, git_commit_free> commit;
    if (git_commit_lookup(&commit.p, repo.p, &oid) != 0) throw std::runtime_error(last_error());

    json d;
    const char* message = git_commit_message(commit.p);
    const char* summary = git_commit_summary(commit.p);
    d["message"] = message ? message : "";
    d["summary"] = summary ? summary : "";
    const git_signature* author = git_commit_author(commit.p);
    d["author"] = author && author->name ? author->name : "";
    unsigned parents = git_commit_parentcount(commit.p);
    d["parents"] = parents;
    d["merge"] = parents > 1;
    d["remote"] = nullptr;
    d["slug"] = nullptr;
    Owned<git_remote, git_remote_free> remote;
    if (git_remote_lookup(&remote.p, repo.p, "origin") == 0 && git_remote_url(remote.p)) {
      d["remote"] = git_remote_url(remote.p);
      std::string slug = devtrack::git::slug_of_url(git_remote_url(remote.p));
      if (!slug.empty()) d["slug"] = slug;
    }
    add_diff(repo.p, commit.p, d);
    return d;
  }

  // Files changed and line counts against the first parent (or nothing).
  void add_diff(git_repository* repo, git_commit* commit, json& d) {
    Owned<git_tree, git_tree_free> tree, parent_tree;
    if (git_commit_tree(&tree.p, commit) != 0) throw std::runtime_error(last_error());
    if (git_commit_parentcount(commit) > 0) {
      Owned<git_commit, git_commit_free> parent;
      if (git_commit_parent(&parent.p, commit, 0) == 0) git_commit_tree(&parent_tree.p, parent.p);
    }
    Owned<git_diff, git_diff_free> diff;
    if (git_diff_tree_to_tree(&diff.p, repo, parent_tree.p, tree.p, nullptr) != 0)
      throw std::runtime_error(last_error());
    Owned<git_diff_stats, git_diff_stats_free> stats;
    if (git_diff_get_stats(&stats.p, diff.p) != 0) throw std::runtime_error(last_error());
    d["files_changed"] = git_diff_stats_files_changed(stats.p);
    d["insertions"] = git_diff_stats_insertions(stats.p);
    d["deletions"] = git_diff_stats_deletions(stats.p);
    json files = json::array();
    size_t n = git_diff_num_deltas(diff.p);
    for (size_t i = 0; i < n && static_cast<int>(i) < max_files_; ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.p, i);
      files.push_back(delta->new_file.path ? delta->new_file.path : delta->old_file.path);
    }
    d["files"] = files;
  }

  int max_files_ = 200;
};

}  // namespace

DEVTRACK_PLUGIN(GitPlugin, "git", "Git", "0.1.0", DT_RUNS_IN_WORKER,
                "Commits in watched repositories become check-in triggers; reads message, remote and changes "
                "with libgit2.",
                kOptions)
