#include "test_support.h"

#include "ipc/ipc.h"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace devtrack::test {

void set_env(const std::string& name, const std::string& value) { ::setenv(name.c_str(), value.c_str(), 1); }

TempHome::TempHome() {
  std::string tmpl = (fs::temp_directory_path() / "devtrack-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  for (const char* name : {"DEVTRACK_HOME", "HOME", "DEVTRACK_PLUGIN_PATH", "XDG_RUNTIME_DIR", "GIT_CONFIG_NOSYSTEM",
                           "GIT_CONFIG_GLOBAL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                           "GIT_COMMITTER_EMAIL", "DEVTRACK_TEST_CLOCK", "NOTIFY_SOCKET", "DEVTRACK_NO_INLINE"}) {
    const char* v = std::getenv(name);
    saved_.emplace_back(name, v ? v : std::string("\x01"));
  }
  set_env("DEVTRACK_HOME", path_ + "/home");
  set_env("HOME", path_);
  set_env("DEVTRACK_PLUGIN_PATH", "");
  set_env("XDG_RUNTIME_DIR", path_ + "/run");
  // Nothing of the machine's git set-up leaks in.
  set_env("GIT_CONFIG_NOSYSTEM", "1");
  set_env("GIT_CONFIG_GLOBAL", path_ + "/gitconfig");
  spit(path_ + "/gitconfig", "[init]\n\tdefaultBranch = main\n");
  set_env("GIT_AUTHOR_NAME", "Test Author");
  set_env("GIT_AUTHOR_EMAIL", "author@example.com");
  set_env("GIT_COMMITTER_NAME", "Test Author");
  set_env("GIT_COMMITTER_EMAIL", "author@example.com");
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  ::unsetenv("NOTIFY_SOCKET");
  // Commits made by tests never ask in the developer's terminal.
  set_env("DEVTRACK_NO_INLINE", "1");
  fs::create_directories(path_ + "/home");
  fs::create_directories(path_ + "/run");
  path_ += "/home";
}

TempHome::~TempHome() {
  for (const auto& [name, value] : saved_) {
    if (value == "\x01") ::unsetenv(name.c_str());
    else set_env(name, value);
  }
  std::error_code ec;
  fs::remove_all(fs::path(path_).parent_path(), ec);
}

Result run(const std::string& args, const std::string& program, const std::string& input) {
  std::string out_file = fs::temp_directory_path() / ("devtrack-test-out-" + std::to_string(::getpid()));
  std::string err_file = out_file + ".err";
  std::string bin = program.empty() ? build_dir() + "/bin/devtrack" : program;
  std::string in_file = input.empty() ? "/dev/null" : out_file + ".in";
  if (!input.empty()) spit(in_file, input);
  std::string cmd = "'" + bin + "' " + args + " >'" + out_file + "' 2>'" + err_file + "' <'" + in_file + "'";
  int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  fs::remove(out_file);
  fs::remove(err_file);
  if (!input.empty()) fs::remove(in_file);
  return r;
}

std::string TempHome::root() const { return fs::path(path_).parent_path().string(); }

Result git(const std::string& args) { return run(args, "/usr/bin/git"); }

std::string make_repo(const std::string& path, const std::string& remote) {
  fs::create_directories(path);
  git("init -q '" + path + "'");
  if (!remote.empty()) git("-C '" + path + "' remote add origin " + remote);
  git("-C '" + path + "' commit -q --allow-empty -m initial");
  return path;
}

std::string commit(const std::string& repo, const std::string& message) {
  auto r = git("-C '" + repo + "' commit -q --allow-empty -m '" + message + "'");
  if (r.status != 0) throw std::runtime_error("git commit failed: " + r.err);
  return head(repo);
}

std::string head(const std::string& repo) {
  auto out = git("-C '" + repo + "' rev-parse HEAD").out;
  return out.substr(0, out.find('\n'));
}

bool wait_until(const std::function<bool()>& pred, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool wait_advancing(const std::function<bool()>& pred, int seconds) {
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  return wait_until([&] {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() - last > std::chrono::milliseconds(700)) {
      ipc::call("clock.advance", "{\"ms\": 3700000}");
      last = std::chrono::steady_clock::now();
    }
    return false;
  }, seconds);
}

std::string plugin_dir(const std::string& name) { return build_dir() + "/tests/plugins/" + name; }
std::string source_dir() { return DEVTRACK_SOURCE_DIR; }
std::string build_dir() { return DEVTRACK_BUILD_DIR; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string everything_under(const std::string& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir))
    if (f.is_regular_file()) all += slurp(f.path().string());
  return all;
}

nlohmann::json updates_list() { return nlohmann::json::parse(run("updates list --json").out); }

bool all_updates_sent() {
  nlohmann::json u = updates_list();
  for (const auto& x : u)
    if (x["state"] != "sent") return false;
  return !u.empty();
}

FileServer::FileServer(const std::string& dir) {
  std::string log = dir + "/.server.log";
  std::string cmd = "python3 -u -m http.server 0 --bind 127.0.0.1 --directory '" + dir + "' >'" + log +
                    "' 2>&1 </dev/null & echo $!";
  FILE* sh = ::popen(cmd.c_str(), "r");
  REQUIRE(sh);
  char line[32] = {0};
  if (!std::fgets(line, sizeof line, sh)) line[0] = 0;
  ::pclose(sh);
  pid_ = std::atoi(line);
  REQUIRE(pid_ > 0);
  // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
  REQUIRE(wait_until([&] {
    std::string text = fs::exists(log) ? slurp(log) : "";
    size_t at = text.find(" port ");
    if (at == std::string::npos) return false;
    port_ = std::atoi(text.c_str() + at + 6);
    return port_ > 0;
  }));
}

FileServer::~FileServer() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

std::string FileServer::url(const std::string& file) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + file;
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string PeerProxy::file(const std::string& name) const {
  std::string path = build_dir() + "/tests/peers-state/" + (state.empty() ? "" : state + "/") + name;
  if (!std::filesystem::exists(path)) FAIL("the test peers are not running (" + path + "): see tests/peers/github-peer.sh");
  std::string v = slurp(path);
  return v.substr(0, v.find('\n'));
}

std::string PeerProxy::url() const { return "http://127.0.0.1:" + file("proxy.port"); }

nlohmann::json PeerProxy::control(const std::string& method, const std::string& path, const std::string& body) const {
  std::string cmd = "-s -X " + method + " http://127.0.0.1:" + file("control.port") + path;
  if (!body.empty()) cmd += " -d '" + body + "'";
  std::string out = run(cmd, "/usr/bin/curl").out;
  return nlohmann::json::parse(out.empty() ? "{}" : out, nullptr, false);
}

nlohmann::json PeerProxy::requests() const {
  std::string out = run("-s http://127.0.0.1:" + file("control.port") + "/requests", "/usr/bin/curl").out;
  nlohmann::json list = nlohmann::json::array();
  std::istringstream lines(out);
  for (std::string l; std::getline(lines, l);)
    if (!l.empty()) list.push_back(nlohmann::json::parse(l));
  return list;
}

}  // namespace devtrack::test

namespace devtrack::test {

RunningDaemon::RunningDaemon(const std::string& config) {
  if (!config.empty()) spit(std::string(std::getenv("DEVTRACK_HOME")) + "/config.yaml", config);
  auto r = run("start");
  INFO(r.err);
  REQUIRE(r.status == 0);
}

RunningDaemon::~RunningDaemon() {
  if (ipc::daemon_running()) run("stop");
}

nlohmann::json RunningDaemon::status() { return nlohmann::json::parse(run("status --json").out); }

std::string plugin_state(const nlohmann::json& status, const std::string& id) {
  for (const auto& p : status.value("plugins", nlohmann::json::array()))
    if (p.value("id", "") == id) return p.value("state", "");
  return "";
}

int RunningDaemon::pid() { return status()["pid"].get<int>(); }

}  // namespace devtrack::test
