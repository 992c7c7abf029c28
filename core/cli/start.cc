// devtrack start | stop | restart: the daemon in the background.
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "util/error.h"
#include "util/home_lock.h"
#include "util/paths.h"
#include "util/process.h"

namespace devtrack::cli {

namespace {

constexpr std::chrono::seconds kWait{15};

bool wait_for_exit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (HomeLock::held()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

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
    hand_over_session();  // started elsewhere (systemd): it learns this desktop session
    if (!quiet_if_running) std::cout << "the daemon is already running\n";
    return kOk;
  }
  paths::ensure_private_dir(paths::home());
  std::string log_file = paths::home() + "/daemon.log";
  if (!wait_for_exit(kWait)) throw Error("a daemon for " + paths::home() + " is still shutting down");
  std::string error;
  int pid = spawn_detached({paths::helper("devtrack-full"), "daemon"}, log_file, &error);
  if (pid < 0) throw Error(error);
  // Ready when it answers; failed if it exits first.
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!ipc::daemon_running()) {
    int status = 0;
    bool exited = ::waitpid(pid, &status, WNOHANG) == pid;
    if (exited || std::chrono::steady_clock::now() > deadline)
      throw Error(std::string(exited ? "the daemon exited at start" : "the daemon did not answer within " +
                                                                         std::to_string(kWait.count()) + " s") +
                  "; its log (" + log_file + ") ends with:\n" + log_tail(log_file));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::cout << "daemon started (logs: devtrack logs)\n";
  return kOk;
}

int stop_daemon(bool quiet_if_stopped = false) {
  try {
    daemon_call("stop");
  } catch (const ipc::NotRunning&) {
    if (!quiet_if_stopped) std::cout << "the daemon is not running\n";
    return kOk;
  }
  if (!wait_for_exit(kWait)) throw Error("the daemon did not stop within " + std::to_string(kWait.count()) + " s");
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
      stop_daemon(true);
      return start_daemon(true);
    },
};

}  // namespace devtrack::cli
