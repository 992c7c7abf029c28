#include "git/hooks.h"

#include <unistd.h>

#include <filesystem>

#include "util/error.h"

namespace fs = std::filesystem;

namespace devtrack::git {

namespace {

constexpr const char* kChainedSuffix = ".devtrack-chained";

// Ours: a symlink whose target is a devtrack-hook program.
bool is_ours(const fs::path& hook) {
  std::error_code ec;
  if (!fs::is_symlink(hook, ec)) return false;
  return fs::read_symlink(hook, ec).filename() == "devtrack-hook";
}

}  // namespace

HookResult install_hook(const std::string& hooks_dir, const std::string& hook_program) {
  HookResult r;
  fs::path hook = fs::path(hooks_dir) / "post-commit";
  fs::path chained = hook.string() + kChainedSuffix;
  r.hook_path = hook.string();
  std::error_code ec;
  fs::create_directories(hooks_dir, ec);
  if (ec) throw Error("cannot create the hooks directory " + hooks_dir + ": " + ec.message());
  if (is_ours(hook)) {
    r.already = true;
    r.chained = fs::exists(chained, ec);
    if (fs::read_symlink(hook, ec) != hook_program) {  // another installation's: repoint it
      fs::remove(hook, ec);
      fs::create_symlink(hook_program, hook, ec);
      if (ec) throw Error("cannot update " + hook.string() + ": " + ec.message());
    }
    return r;
  }
  if (fs::exists(fs::symlink_status(hook, ec))) {
    if (fs::exists(fs::symlink_status(chained, ec)))
      throw Error(hook.string() + " and " + chained.string() + " both exist: move one of them away first");
    fs::rename(hook, chained, ec);
    if (ec) throw Error("cannot move the existing hook " + hook.string() + " aside: " + ec.message());
    r.chained = true;
  }
  fs::create_symlink(hook_program, hook, ec);
  if (ec) {
    if (r.chained) fs::rename(chained, hook, ec);
    throw Error("cannot install the hook " + hook.string() + ": " + ec.message());
  }
  return r;
}

std::string remove_hook(const std::string& hooks_dir, const std::string&) {
  fs::path hook = fs::path(hooks_dir) / "post-commit";
  fs::path chained = hook.string() + kChainedSuffix;
  std::error_code ec;
  if (!is_ours(hook)) {
    if (fs::exists(fs::symlink_status(hook, ec)))
      return hook.string() + " is not DevTrack's hook any more: left as it is";
    if (fs::exists(fs::symlink_status(chained, ec))) fs::rename(chained, hook, ec);
    return "";
  }
  fs::remove(hook, ec);
  if (ec) throw Error("cannot remove " + hook.string() + ": " + ec.message());
  if (fs::exists(fs::symlink_status(chained, ec))) {
    fs::rename(chained, hook, ec);
    if (ec) throw Error("cannot restore " + hook.string() + " from " + chained.string() + ": " + ec.message());
  }
  return "";
}

std::string check_hook(const std::string& hooks_dir, const std::string& hook_program) {
  fs::path hook = fs::path(hooks_dir) / "post-commit";
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(hook, ec))) return "missing";
  if (!is_ours(hook)) return "replaced by another hook";
  auto target = fs::read_symlink(hook, ec);
  if (target != hook_program) return "points at " + target.string() + ", not this installation";
  if (::access(hook_program.c_str(), X_OK) != 0) return "the hook program " + hook_program + " is not executable";
  return "ok";
}

}  // namespace devtrack::git
