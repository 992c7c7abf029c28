// Shared by the tests: an isolated DevTrack home per test, and running the
// real devtrack binary.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace devtrack::test {

// A fresh temporary directory set as DEVTRACK_HOME (and HOME, and an empty
// DEVTRACK_PLUGIN_PATH) for the life of the object; removed afterwards.
class TempHome {
 public:
  TempHome();
  ~TempHome();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // The directory above the DevTrack home, for repositories and scratch.
  std::string root() const;

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

void set_env(const std::string& name, const std::string& value);

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};
// Runs the built devtrack (or another program when `program` is given)
// with the arguments, through /bin/sh, capturing stdout and stderr.
Result run(const std::string& args, const std::string& program = "", const std::string& input = "");

std::string plugin_dir(const std::string& name);  // build/tests/plugins/<name>

// git, run for real (the TempHome isolates its configuration).
Result git(const std::string& args);
// git init + an initial empty commit (+ an origin remote if given).
std::string make_repo(const std::string& path, const std::string& remote = "");
// An empty commit; returns its id.
std::string commit(const std::string& repo, const std::string& message);
std::string head(const std::string& repo);

// The real daemon for the current TempHome, started with `devtrack start`
// (after writing `config` to config.yaml unless it is empty) and stopped at
// the end of the scope. REQUIREs that it started.
class RunningDaemon {
 public:
  explicit RunningDaemon(const std::string& config = "plugins:\n  git: {enabled: true}\n");
  ~RunningDaemon();
  static int pid();  // from `devtrack status --json`
  static nlohmann::json status();
};
// The runtime state of plugin `id` in a `status --json` answer ("" = not running).
std::string plugin_state(const nlohmann::json& status, const std::string& id);

// Polls pred every 20 ms for at most `seconds` (a bound, not a timing).
bool wait_until(const std::function<bool()>& pred, int seconds = 20);
// Waits for `pred` while moving the daemon's test clock (DEVTRACK_TEST_CLOCK)
// on by an hour every 0.7 s, so any retry backoff passes; a busy machine
// may need more than one step.
bool wait_advancing(const std::function<bool()>& pred, int seconds = 30);
std::string source_dir();
std::string build_dir();
std::string slurp(const std::string& path);
// Every byte of every file under dir (to look for a secret in clear).
std::string everything_under(const std::string& dir);
void spit(const std::string& path, const std::string& text);

// `devtrack updates list --json`; whether every row of it is sent (false
// while there is none).
nlohmann::json updates_list();
bool all_updates_sent();

// A plain HTTP server on 127.0.0.1 serving the files of `dir` (python3's
// http.server, started by the test), stopped at the end of the scope.
class FileServer {
 public:
  explicit FileServer(const std::string& dir);
  ~FileServer();
  std::string url(const std::string& file) const;  // http://127.0.0.1:PORT/file

 private:
  int pid_ = 0;
  int port_ = 0;
};

// A recording, fault-injecting proxy of tests/peers, started by the
// github_peer fixture; `state` is its folder under build/tests/peers-state
// ("" for GitHub's, "jira", "trello"). FAILs when the peers are not running.
struct PeerProxy {
  std::string state;
  std::string file(const std::string& name) const;  // first line of a state file
  std::string url() const;                          // http://127.0.0.1:PORT of the proxy
  // The control API: POST /faults, /offline, /reset; GET /comments.
  nlohmann::json control(const std::string& method, const std::string& path, const std::string& body = "") const;
  // Every request the proxy logged, oldest first.
  nlohmann::json requests() const;
};

}  // namespace devtrack::test
