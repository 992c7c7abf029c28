// Reading what git writes to disk — HEAD, refs and reflogs — without
// libgit2 (which `devtrack` must not link) and without running git on hot
// paths. Plain text formats, documented in git's gitrepository-layout(5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devtrack::git {

// A working tree's git directories, as `git rev-parse` reports them.
struct Dirs {
  std::string top;         // the working tree root
  std::string git_dir;     // .git, or .git/worktrees/<name> for a worktree
  std::string common_dir;  // where refs and objects live
  std::string hooks_dir;   // honours core.hooksPath
};

// Runs `git rev-parse` in `path`. Throws Error("... is not a git
// repository") for anything else.
Dirs resolve_dirs(const std::string& path);

struct ReflogEntry {
  std::string old_id;
  std::string new_id;
  int64_t at_ms = 0;
  std::string action;  // "commit", "commit (amend)", "rebase (pick)", ...
};

// The reflog of HEAD (git_dir/logs/HEAD), oldest first. Missing file: empty.
std::vector<ReflogEntry> read_head_reflog(const std::string& git_dir);

// True for reflog actions that made a new commit: commit, amend, merge,
// cherry-pick, revert, and the picks of a rebase.
bool makes_commit(const std::string& action);

// "owner/name" of the repository's origin remote ("" if none): git@host:o/n.git,
// https://host/o/n, ssh://git@host:22/o/n.git. Runs `git remote get-url`.
std::string remote_slug(const std::string& repo_path);

// The branch HEAD points at ("main"), or "" when detached.
std::string current_branch(const std::string& git_dir);

}  // namespace devtrack::git
