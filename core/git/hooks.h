// Installing DevTrack's post-commit hook into a repository, chaining any hook
// that was there, and removing it so that exactly what was there before
// comes back.
#pragma once

#include <string>

namespace devtrack::git {

// The hook file is a symlink to the installed `devtrack-hook` program. An
// existing post-commit hook is renamed to post-commit.devtrack-chained and
// run by ours (its exit status is kept). Idempotent.
struct HookResult {
  std::string hook_path;
  bool chained = false;         // an existing hook is chained
  bool already = false;         // ours was already there
};
HookResult install_hook(const std::string& hooks_dir, const std::string& hook_program);

// Removes our hook and puts a chained one back. Returns a message for the
// user if the hook there is not ours (and leaves it alone).
std::string remove_hook(const std::string& hooks_dir, const std::string& hook_program);

// "ok", or what is wrong with the hook in this directory ("missing", "points
// at /old/path", "replaced by another hook").
std::string check_hook(const std::string& hooks_dir, const std::string& hook_program);

}  // namespace devtrack::git
