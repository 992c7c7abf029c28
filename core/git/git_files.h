// Reading what git writes to disk — HEAD, refs and reflogs — without
// libgit2 (which `devtrack` must not link) and without running git on hot
// paths. Plain text formats, documented in git's gitrepository-layout(5).
#pragma once

#include <cstdint>
#include <functional>
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

// Its newest entries, oldest first, back at least to the first entry for
// which far_enough() holds (or all of them): a reflog grows by a line a
// commit for as long as the repository lives, and the daemon reads it at
// every commit, so it reads the file's tail first.
std::vector<ReflogEntry> read_head_reflog_back_to(const std::string& git_dir,
                                                  const std::function<bool(const ReflogEntry&)>& far_enough);

// True for reflog actions that made a new commit: commit, amend, merge,
// cherry-pick, revert, and the picks of a rebase.
bool makes_commit(const std::string& action);

// One variable of a git config file: section and key lower-cased, the
// subsection as written ([remote "origin"] url = ... -> remote, origin, url).
struct ConfigEntry {
  std::string section, subsection, key, value;
};
// The variables of one config file, in order (quotes, escapes, comments and
// continued lines as git reads them; include/includeIf are not followed).
// Missing file: empty.
std::vector<ConfigEntry> read_config_file(const std::string& path);

// The config file of the repository at (or above) `repo_path`: .git/config,
// or the shared one of a linked worktree. "" when there is none.
std::string config_file_of(const std::string& repo_path);

// remote.<remote>.url from the repository's config, rewritten by any
// url.<base>.insteadOf of it or of the user's and system's config ("" if
// the remote does not exist). Reads files only: no git process.
std::string remote_url(const std::string& repo_path, const std::string& remote);

// "owner/name" of the repository's origin remote ("" if none): git@host:o/n.git,
// https://host/o/n, ssh://git@host:22/o/n.git. Reads the config files.
std::string remote_slug(const std::string& repo_path);

// The branch HEAD points at ("main"), or "" when detached.
std::string current_branch(const std::string& git_dir);

}  // namespace devtrack::git
