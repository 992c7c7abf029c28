// devtrack ask: log something now — a manual trigger and its prompt, asked
// at once in this terminal when there is one.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "git/git_files.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/process.h"

namespace devtrack::cli {

namespace {

// The repository `ask` runs in is the answer's context (its branch names
// the ticket, its origin is where a bare #15 goes): kept in the details of
// the manual trigger, where checkin finds it now or later.
void note_repository(int64_t prompt_id) {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  if (ec) return;
  git::Dirs dirs;
  try {
    dirs = git::resolve_dirs(cwd);
  } catch (const Error&) {
    return;  // not in a repository: no context
  }
  Store store(paths::database());
  int64_t trigger = 0;
  for (const auto& t : prompt_triggers(store, prompt_id))
    if (t.kind == "manual") trigger = t.id;  // the newest: this ask's
  if (!trigger) return;
  nlohmann::json in = {{"repo", dirs.top}, {"branch", git::current_branch(dirs.git_dir)}};
  merge_details(store, trigger, nlohmann::json{{"asked_in", in}}.dump());
}

int run(const po::variables_map& args) {
  std::string note = args.count("NOTE") ? args["NOTE"].as<std::string>() : "";
  hand_over_session();  // so a desktop notification can ask
  auto r = nlohmann::json::parse(daemon_call("ask", nlohmann::json{{"note", note}}.dump()));
  int64_t id = r["prompt_id"];
  note_repository(id);
  if (args.count("no-wait") || ::isatty(STDIN_FILENO) != 1) {
    std::cout << "prompt " << id << " is waiting: devtrack checkin --id " << id << "\n";
    return kOk;
  }
  return run_program({paths::helper("devtrack-full"), "checkin", "--id", std::to_string(id)}, nullptr) == 0
             ? kOk
             : kFailure;
}

}  // namespace

extern const Command kAsk = {
    "ask",
    "log what you worked on now: opens a prompt (a manual trigger) and asks it",
    "Needs the daemon. In a terminal it asks at once; otherwise (or with --no-wait)\n"
    "the prompt waits for `devtrack checkin`. Inside a repository, its branch and\n"
    "origin remote are the answer's context: a bare #15 is that repository's issue.",
    [](Spec& s) {
      s.options.add_options()("no-wait", "only open the prompt; answer it later");
      s.positionals.push_back({"NOTE", 1, false});
    },
    run,
};

}  // namespace devtrack::cli
