// devtrack repos add | remove | list: the watch list and the hooks.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "git/git_files.h"
#include "git/hooks.h"
#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

std::string hook_program() { return paths::helper("devtrack-hook"); }

void tell_daemon() {
  try {
    daemon_call("repos.changed");
  } catch (const ipc::NotRunning&) {
    // It reads the list when it starts.
  }
}

int add(const po::variables_map& args) {
  Store store(paths::database());
  int failures = 0;
  for (const auto& path : args["PATH"].as<std::vector<std::string>>()) {
    try {
      git::Dirs dirs = git::resolve_dirs(path);
      auto result = git::install_hook(dirs.hooks_dir, hook_program());
      Repo repo;
      repo.path = dirs.top;
      repo.git_dir = dirs.git_dir;
      repo.hooks_dir = dirs.hooks_dir;
      repo.added_ms = process_clock().now_ms();
      bool existed = find_repo(store, repo.path).has_value();
      save_repo(store, repo);
      // Commits from before the repo was added are not DevTrack's business.
      if (!existed) {
        auto reflog = git::read_head_reflog(dirs.git_dir);
        if (!reflog.empty()) set_last_commit(store, find_repo(store, repo.path)->id, reflog.back().new_id);
      }
      std::cout << (existed ? "already watching " : "watching ") << dirs.top << " (hook " << result.hook_path
                << (result.chained ? ", chaining the existing post-commit hook" : "") << ")\n";
    } catch (const Error& e) {
      std::cerr << "devtrack: error: " << path << ": " << e.what() << "\n";
      ++failures;
    }
  }
  tell_daemon();
  return failures ? kFailure : kOk;
}

int remove(const po::variables_map& args) {
  Store store(paths::database());
  std::string path = args["PATH"].as<std::string>();
  std::error_code ec;
  auto repo = find_repo(store, path);
  if (!repo) repo = find_repo(store, std::filesystem::weakly_canonical(path, ec).string());
  if (!repo) {
    try {
      repo = find_repo(store, git::resolve_dirs(path).top);
    } catch (const Error&) {
    }
  }
  if (!repo) throw Error(path + " is not a watched repository (see devtrack repos list)");
  std::string note = repo->hooks_dir.empty() ? "" : git::remove_hook(repo->hooks_dir, hook_program());
  if (!note.empty()) std::cerr << "devtrack: " << note << "\n";
  remove_repo(store, repo->path);
  tell_daemon();
  std::cout << "stopped watching " << repo->path << "\n";
  return kOk;
}

int list(const po::variables_map& args) {
  Store store(paths::database());
  auto repos = list_repos(store);
  if (args.count("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : repos)
      out.push_back({{"path", r.path},
                     {"git_dir", r.git_dir},
                     {"hook", r.hooks_dir.empty() ? "missing" : git::check_hook(r.hooks_dir, hook_program())},
                     {"hook_path", r.hooks_dir.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.hooks_dir + "/post-commit")},
                     {"last_commit", r.last_commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.last_commit)},
                     {"added", local_iso_time(r.added_ms)}});
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  if (repos.empty()) {
    std::cout << "no repositories watched: devtrack repos add PATH\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows = {{"PATH", "HOOK", "LAST COMMIT"}};
  for (const auto& r : repos)
    rows.push_back({r.path, r.hooks_dir.empty() ? "missing" : git::check_hook(r.hooks_dir, hook_program()),
                    r.last_commit.substr(0, 12)});
  print_table(rows);
  return kOk;
}

}  // namespace

extern const Command kReposAdd = {
    "repos add", "watch repositories: install the post-commit hook and record them",
    "The hook goes where `git rev-parse --git-path hooks` says (core.hooksPath and\n"
    "worktrees work). An existing post-commit hook is kept and chained.",
    [](Spec& s) {
      s.positionals.push_back({"PATH", -1});
      s.completion = "files";
    },
    add,
};

extern const Command kReposRemove = {
    "repos remove", "stop watching a repository and restore its previous hook", "",
    [](Spec& s) {
      s.positionals.push_back({"PATH"});
      s.completion = "files";
    },
    remove,
};

extern const Command kReposList = {
    "repos list", "list the watched repositories and the state of their hooks", "",
    [](Spec& s) { s.options.add_options()("json", "print a JSON array for scripts"); },
    list,
};

}  // namespace devtrack::cli
