// devtrack ask: log something now — a manual trigger and its prompt, asked
// at once in this terminal when there is one.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "util/paths.h"
#include "util/process.h"

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  std::string note = args.count("NOTE") ? args["NOTE"].as<std::string>() : "";
  hand_over_session();  // so a desktop notification can ask
  auto r = nlohmann::json::parse(daemon_call("ask", nlohmann::json{{"note", note}}.dump()));
  int64_t id = r["prompt_id"];
  if (args.count("no-wait") || ::isatty(STDIN_FILENO) != 1) {
    std::cout << "prompt " << id << " is waiting: devtrack checkin --id " << id << "\n";
    return kOk;
  }
  return run_program({paths::executable_dir() + "/devtrack", "checkin", "--id", std::to_string(id)}, nullptr) == 0
             ? kOk
             : kFailure;
}

}  // namespace

extern const Command kAsk = {
    "ask",
    "log what you worked on now: opens a prompt (a manual trigger) and asks it",
    "Needs the daemon. In a terminal it asks at once; otherwise (or with --no-wait)\n"
    "the prompt waits for `devtrack checkin`.",
    [](Spec& s) {
      s.options.add_options()("no-wait", "only open the prompt; answer it later");
      s.positionals.push_back({"NOTE", 1, false});
    },
    run,
};

}  // namespace devtrack::cli
