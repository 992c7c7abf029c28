// devtrack start | stop | restart: the daemon in the background.
#include <iostream>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/process.h"

namespace devtrack::cli {

namespace {

constexpr std::chrono::seconds kWait{15};

std::string log_tail(const std::string& path) {
  std::string text;
  try {
    text = paths::read_file(path);
  } catch (const Error&) {
    return "";
  }
  size_t start = text.size() > 2000 ? text.rfind('\n', text.size() - 2000) : 0;
  return text.substr(start == std::string::npos ? 0 : start);
}

int start_daemon(bool quiet_if_running) {
  if (ipc::daemon_running()) {
    if (!quiet_if_running) std::cout << "the daemon is already running\n";
    return kOk;
  }
  paths::ensure_private_dir(paths::home());
  std::string log_file = paths::home() + "/daemon.log";
  std::string error;
  if (spawn_detached({paths::executable_dir() + "/devtrack", "daemon"}, log_file, &error) < 0) throw Error(error);
  if (!wait_for_daemon(true, kWait))
    throw Error("the daemon did not start within " + std::to_string(kWait.count()) + " s; its log (" + log_file +
                ") ends with:\n" + log_tail(log_file));
  std::cout << "daemon started (logs: devtrack logs)\n";
  return kOk;
}

int stop_daemon() {
  try {
    daemon_call("stop");
  } catch (const ipc::NotRunning&) {
    std::cout << "the daemon is not running\n";
    return kOk;
  }
  if (!wait_for_daemon(false, kWait)) throw Error("the daemon did not stop within " + std::to_string(kWait.count()) + " s");
  std::cout << "daemon stopped\n";
  return kOk;
}

}  // namespace

extern const Command kStart = {
    "start", "start the daemon in the background", "Its output goes to $DEVTRACK_HOME/daemon.log.",
    [](Spec&) {}, [](const po::variables_map&) { return start_daemon(false); },
};

extern const Command kStop = {
    "stop", "stop the daemon", "", [](Spec&) {}, [](const po::variables_map&) { return stop_daemon(); },
};

extern const Command kRestart = {
    "restart", "stop and start the daemon", "", [](Spec&) {},
    [](const po::variables_map&) {
      stop_daemon();
      return start_daemon(true);
    },
};

}  // namespace devtrack::cli
