// devtrack heartbeat: an editor saying "this file is being edited". Called
// by the editor snippets (plugins/editor/extras) in the background, at most
// once per file per 2 minutes; kept cheap (no config, no plugins loaded).
// With the daemon down the heartbeat is spooled and read when it starts.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "ipc/ipc.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  if (!args.count("file")) throw UsageError("heartbeat needs --file PATH");
  std::error_code ec;
  std::string file = std::filesystem::absolute(args["file"].as<std::string>(), ec).lexically_normal().string();
  if (ec || file.empty()) throw UsageError("--file needs a path");
  json beat = {{"file", file},
               {"editor", args["editor"].as<std::string>()},
               {"write", args.count("write") > 0},
               {"at_ms", process_clock().now_ms()}};
  try {
    ipc::call("editor.heartbeat", beat.dump(), std::chrono::seconds(2));
  } catch (const ipc::NotRunning&) {
    // Kept for the daemon's start, like the hook's commits.
    std::string dir = paths::home() + "/spool";
    paths::ensure_private_dir(dir);
    paths::write_file_atomic(dir + "/" + std::to_string(beat["at_ms"].get<int64_t>()) + "-" +
                                 std::to_string(::getpid()) + "-heartbeat.json",
                             json{{"cmd", "editor.heartbeat"}, {"args", beat}}.dump());
  }
  return kOk;
}

}  // namespace

extern const Command kHeartbeat = {
    "heartbeat", "tell DevTrack a file is being edited (for editor plugins)",
    "Editors call it in the background (see docs/editors.md); the editor trigger turns long editing without\n"
    "a commit into a check-in. Spooled when the daemon is not running.",
    [](Spec& s) {
      s.options.add_options()("file", po::value<std::string>()->value_name("PATH"), "the file edited")(
          "editor", po::value<std::string>()->default_value("unknown")->value_name("NAME"), "vim, nvim, vscode...")(
          "write", "the file was saved");
    },
    run,
    Loads::kNoCode,
};

}  // namespace devtrack::cli
