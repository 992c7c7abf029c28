// The real daemon, started with `devtrack start`, talked to over its real
// socket, with real git repositories.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The daemon for the current TempHome, watching git commits.
using Daemon = RunningDaemon;

json status() { return json::parse(run("status --json").out); }

std::vector<TriggerRow> commits(const std::string& repo = "") {
  Store store(std::string(std::getenv("DEVTRACK_HOME")) + "/devtrack.db");
  TriggerQuery q;
  q.repo = repo;
  std::vector<TriggerRow> out;
  for (auto& t : list_triggers(store, q))
    if (t.kind == "commit") out.push_back(t);
  return out;
}

size_t count_commit(const std::string& id) {
  size_t n = 0;
  for (const auto& t : commits())
    if (t.commit == id) ++n;
  return n;
}

bool has_details(const std::string& id) {
  for (const auto& t : commits())
    if (t.commit == id && t.details.find("\"summary\"") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("start, status, stop, and one daemon per home") {
  TempHome home;
  CHECK(run("status").status == 1);
  CHECK(json::parse(run("status --json").out)["running"] == false);
  {
    Daemon d;
    json s = status();
    CHECK(s["running"] == true);
    CHECK(s["home"] == home.path());
    CHECK(s["socket"] == ipc::socket_path());
    CHECK(plugin_state(s, "git") == "on demand (worker)");  // the default bundle, with no config file
    CHECK(plugin_state(s, "timer") == "running");

    auto second = run("daemon");
    CHECK(second.status == 1);
    CHECK(second.err.find("another devtrack daemon (pid " + std::to_string(Daemon::pid()) + ") is running") !=
          std::string::npos);
    CHECK(ipc::daemon_running());
    CHECK(run("start").out == "the daemon is already running\n");
    // devtrackctl is the same binary, limited to the control commands.
    auto ctl = run("status --json", build_dir() + "/bin/devtrackctl");
    CHECK(ctl.status == 0);
    CHECK(run("plugins list", build_dir() + "/bin/devtrackctl").status == 2);
  }
  CHECK_FALSE(ipc::daemon_running());
  CHECK(run("stop").out == "the daemon is not running\n");
}

TEST_CASE("the socket is private: directory 0700, socket 0600") {
  TempHome home;
  Daemon d;
  CHECK((fs::status(ipc::socket_dir()).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(ipc::socket_dir().rfind(home.root() + "/run/devtrack-", 0) == 0);
}

TEST_CASE("malformed, oversized, wrong-version and unknown messages get errors, the daemon stays up") {
  TempHome home;
  Daemon d;
  auto error_code = [](const std::string& line) {
    json reply = json::parse(ipc::call_raw(line));
    CHECK(reply["ok"] == false);
    return reply["error"]["code"].get<std::string>();
  };
  CHECK(error_code("this is not json") == "bad_json");
  CHECK(error_code("[1, 2]") == "bad_request");
  CHECK(error_code(R"({"cmd": "ping"})") == "bad_request");
  CHECK(error_code(R"({"v": 2, "cmd": "ping"})") == "unsupported_version");
  CHECK(error_code(R"({"v": 1})") == "bad_request");
  CHECK(error_code(R"({"v": 1, "cmd": "ping", "args": [1]})") == "bad_request");
  CHECK(error_code(R"({"v": 1, "cmd": "launch-missiles"})") == "unknown_command");
  CHECK(error_code(R"({"v": 1, "cmd": "set-interval", "args": {"seconds": "soon"}})") == "bad_request");
  CHECK(error_code(R"({"v": 1, "cmd": "clock.advance", "args": {"ms": 1000}})") == "forbidden");
  CHECK(error_code(R"({"v": 1, "cmd": "hook.commit", "args": {"repo": 42}})") == "failed");
  CHECK(error_code(std::string(ipc::kMaxMessageBytes + 10, 'x')) == "too_large");
  // Binary garbage and a connection closed mid-message.
  CHECK(error_code(std::string("\x01\x02\xff\xfe{", 5)) == "bad_json");
  json ok = json::parse(ipc::call_raw(R"({"v": 1, "id": 7, "cmd": "ping"})"));
  CHECK(ok["ok"] == true);
  CHECK(ok["id"] == 7);
  CHECK(ipc::daemon_running());
}

TEST_CASE("a too-long socket path is a clear error") {
  TempHome home;
  std::string deep = home.root() + "/" + std::string(120, 'r');
  fs::create_directories(deep);
  set_env("XDG_RUNTIME_DIR", deep);
  auto r = run("daemon");
  CHECK(r.status == 1);
  CHECK(r.err.find("longer than the 107 a Unix socket allows: set XDG_RUNTIME_DIR to a shorter directory") !=
        std::string::npos);
}

TEST_CASE("readiness is reported over NOTIFY_SOCKET") {
  TempHome home;
  std::string path = home.root() + "/notify.sock";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  set_env("NOTIFY_SOCKET", path);
  Daemon d;
  ::unsetenv("NOTIFY_SOCKET");
  char buf[256] = {0};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  REQUIRE(n > 0);
  CHECK(std::string(buf).find("READY=1") == 0);
  CHECK(std::string(buf).find("MAINPID=" + std::to_string(Daemon::pid())) != std::string::npos);
}

TEST_CASE("repos add installs the hook, chains an existing one, and remove restores it exactly") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/chain");
  std::string hook = repo + "/.git/hooks/post-commit";
  std::string marker = home.root() + "/chained-ran";
  spit(hook, "#!/bin/sh\necho ran >> '" + marker + "'\nexit 3\n");
  fs::permissions(hook, fs::perms::owner_all);
  std::string original = slurp(hook);

  auto added = run("repos add '" + repo + "'");
  CHECK(added.status == 0);
  CHECK(added.out.find("chaining the existing post-commit hook") != std::string::npos);
  CHECK(fs::is_symlink(hook));
  CHECK(fs::read_symlink(hook) == build_dir() + "/libexec/devtrack/devtrack-hook");
  CHECK(run("repos add '" + repo + "'").out.find("already watching") == 0);  // idempotent
  CHECK(slurp(hook + ".devtrack-chained") == original);

  // The chained hook runs, and its exit status is what git sees.
  auto c = git("-C '" + repo + "' commit -q --allow-empty -m chained");
  CHECK(c.status == 0);  // post-commit cannot fail a commit, but git reports it
  CHECK(slurp(marker) == "ran\n");
  auto direct = run("", hook);
  CHECK(direct.status == 3);

  json list = json::parse(run("repos list --json").out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["path"] == repo);
  CHECK(list[0]["hook"] == "ok");

  CHECK(run("repos remove '" + repo + "'").status == 0);
  CHECK_FALSE(fs::is_symlink(hook));
  CHECK(slurp(hook) == original);
  CHECK((fs::status(hook).permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK_FALSE(fs::exists(hook + ".devtrack-chained"));
  CHECK(json::parse(run("repos list --json").out).empty());

  auto not_repo = run("repos add '" + home.root() + "'");
  CHECK(not_repo.status == 1);
  CHECK(not_repo.err.find("is not a git repository") != std::string::npos);
}

TEST_CASE("core.hooksPath and worktrees get the hook where git looks") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/hp");
  git("-C '" + repo + "' config core.hooksPath .githooks");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  CHECK(fs::is_symlink(repo + "/.githooks/post-commit"));
  CHECK_FALSE(fs::exists(repo + "/.git/hooks/post-commit"));

  std::string main_repo = make_repo(home.root() + "/main");
  std::string tree = home.root() + "/tree";
  REQUIRE(git("-C '" + main_repo + "' worktree add -q -b feature '" + tree + "'").status == 0);
  REQUIRE(run("repos add '" + tree + "'").status == 0);
  Daemon d;
  std::string id = commit(tree, "in the worktree");
  REQUIRE(wait_until([&] { return count_commit(id) == 1; }));
  auto rows = commits(tree);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].branch == "feature");
}

TEST_CASE("commits are stored at once and filled in by the worker, once each, across several repos") {
  TempHome home;
  std::string a = make_repo(home.root() + "/a", "git@github.com:acme/widgets.git");
  std::string b = make_repo(home.root() + "/b", "https://github.com/acme/gadgets.git");
  Daemon d;
  REQUIRE(run("repos add '" + a + "' '" + b + "'").status == 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(commit(a, "a change " + std::to_string(i)));
    ids.push_back(commit(b, "b change " + std::to_string(i)));
  }
  for (const auto& id : ids) {
    INFO(id);
    REQUIRE(wait_until([&] { return has_details(id); }));
    CHECK(count_commit(id) == 1);
  }
  json log = json::parse(run("log --json --repo '" + a + "'").out);
  REQUIRE(log.size() == 3);
  CHECK(log[0]["kind"] == "commit");
  CHECK(log[0]["repo"] == a);
  CHECK(log[0]["branch"] == "main");
  CHECK(log[0]["message"] == "a change 0\n");
  CHECK(log[0]["details"]["slug"] == "acme/widgets");
  CHECK(log[0]["response"].is_null());
  std::string at = log[0]["at"];
  CHECK(at.size() == 25);  // 2026-11-26T07:07:27+00:00: ISO 8601 with offset
  CHECK(json::parse(run("log --json --repo '" + b + "'").out)[2]["details"]["slug"] == "acme/gadgets");
}

TEST_CASE("a commit made through libgit2, with no hook run, is caught once") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/gui");
  Daemon d;
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  auto made = run("'" + repo + "' 'made by a GUI client'", build_dir() + "/tests/git2_commit");
  REQUIRE(made.status == 0);
  std::string id = made.out.substr(0, 40);
  REQUIRE(wait_until([&] { return has_details(id); }));
  CHECK(count_commit(id) == 1);
  for (const auto& t : commits())
    if (t.commit == id) CHECK(t.details.find("\"source\":\"watcher\"") != std::string::npos);
}

TEST_CASE("commits made while the daemon is down are caught once after it starts") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/down");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  spit(home.file("config.yaml"), "plugins:\n  git: {enabled: true}\n");
  std::string hooked = commit(repo, "with the hook, daemon down");
  CHECK_FALSE(fs::is_empty(home.file("spool")));  // the hook spooled it
  auto gui = run("'" + repo + "' 'no hook, daemon down'", build_dir() + "/tests/git2_commit");
  std::string hookless = gui.out.substr(0, 40);
  Daemon d("");
  REQUIRE(wait_until([&] { return has_details(hooked) && has_details(hookless); }));
  CHECK(count_commit(hooked) == 1);
  CHECK(count_commit(hookless) == 1);
  CHECK(fs::is_empty(home.file("spool")));
  run("stop");
  // A restart reads the reflog again and adds nothing.
  Daemon again("");
  std::string after = commit(repo, "after the restart");
  REQUIRE(wait_until([&] { return count_commit(after) == 1; }));
  CHECK(commits().size() == 3);
}

TEST_CASE("kill -9 of the daemon between commits loses nothing") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/k9");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  Daemon d;
  std::string first = commit(repo, "before the kill");
  REQUIRE(wait_until([&] { return count_commit(first) == 1; }));
  ::kill(Daemon::pid(), SIGKILL);
  REQUIRE(wait_until([] { return !ipc::daemon_running(); }));
  std::string second = commit(repo, "while it is dead");
  std::string third = commit(repo, "also while dead");
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_until([&] { return has_details(second) && has_details(third) && has_details(first); }));
  CHECK(count_commit(first) == 1);
  CHECK(count_commit(second) == 1);
  CHECK(count_commit(third) == 1);
}

TEST_CASE("a worker that crashes is restarted with backoff and nothing queued is lost") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("crashy"));
  std::string repo = make_repo(home.root() + "/crash");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  Daemon d("plugins:\n  git: {enabled: true}\n  crashy: {enabled: true}\nworker: {idle_timeout: 2s}\n");
  std::string id = commit(repo, "this one crashes the worker");
  REQUIRE(wait_until([&] { return has_details(id); }));
  json s = status();
  CHECK(s["worker"]["crashes"] == 1);
  auto logs = run("logs --source worker").out;
  CHECK(logs.find("crashed (signal 6)") != std::string::npos);
  // After its idle time the worker is gone, and comes back on demand.
  REQUIRE(wait_until([] { return status()["worker"]["running"] == false; }));
  CHECK(status()["worker"]["last_exit"] == "idle");
  std::string next = commit(repo, "after the idle exit");
  REQUIRE(wait_until([&] { return has_details(next); }));
  CHECK(count_commit(id) == 1);
}

TEST_CASE("a third-party trigger with a kind of its own opens a prompt that asks what its payload says") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("cpp"));
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
  Daemon d("settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\nplugins:\n  sdk-trigger: {enabled: true}\n");
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  REQUIRE(wait_until([] { return plugin_state(status(), "sdk-trigger") == "running"; }));
  ipc::call("clock.advance", R"({"ms": 61000})");
  json pending;
  REQUIRE(wait_until([&] {
    pending = json::parse(run("checkin --list --json").out);
    return !pending.empty();
  }));
  CHECK(pending[0]["kind"] == "focus");
  CHECK(pending[0]["about"][0] == "What came out of 'Focus block' (07:36\u201308:01)?");
  json logged = json::parse(run("log --json").out);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0]["kind"] == "focus");
  CHECK(logged[0]["title"] == "Focus block (07:36\u201308:01)");
  // An answer without a duration takes the one the trigger suggested.
  REQUIRE(run("checkin --answer 'reviewed the parser'").status == 0);
  REQUIRE(wait_until([] { return !json::parse(run("log --json").out)[0]["response"].is_null(); }));
  json response = json::parse(run("log --json").out)[0]["response"];
  INFO(response.dump());
  CHECK(response["duration_minutes"] == 25);
}

TEST_CASE("a daemon quiet for 30 s gives back what its start-up left resident") {
  TempHome home;
  set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
  Daemon d;
  ::unsetenv("DEVTRACK_TEST_CLOCK");
  int64_t busy = status()["memory_kb"].get<int64_t>();
  REQUIRE(busy > 0);
  ipc::call("clock.advance", R"({"ms": 31000})");
  // The status call itself touches some pages again: far fewer than start-up.
  CHECK(wait_until([&] { return status()["memory_kb"].get<int64_t>() + 1024 < busy; }));
  CHECK(status()["running"] == true);
}

TEST_CASE("pause and interval survive a restart, and work with the daemon down") {
  TempHome home;
  {
    Daemon d("plugins:\n  timer: {enabled: true}\n");
    CHECK(run("pause --for 2h").status == 0);
    CHECK(run("set-interval 90m").status == 0);
    CHECK(status()["paused"] == true);
    CHECK(status()["interval_s"] == 5400);
    CHECK(run("set-interval 10s").status == 2);
  }
  {
    Daemon d("");
    CHECK(status()["paused"] == true);
    CHECK(status()["interval_s"] == 5400);
    CHECK(run("resume").status == 0);
    CHECK(status()["paused"] == false);
  }
  auto offline = run("pause");
  CHECK(offline.out.find("the daemon is not running: it applies this when it starts") != std::string::npos);
  Daemon d("");
  CHECK(status()["paused"] == true);
  CHECK(status()["paused_until"].is_null());
}

TEST_CASE("reload applies enable and disable, a broken config is refused and the old one kept") {
  TempHome home;
  Daemon d("plugins:\n  timer: {enabled: false}\n");
  CHECK(plugin_state(status(), "timer") == "");
  CHECK(plugin_state(status(), "rules") == "running");  // the rest of the bundle is on
  REQUIRE(run("plugins enable timer").status == 0);
  auto r = run("reload");
  CHECK(r.status == 0);
  CHECK(r.out.find("timer") != std::string::npos);
  CHECK(plugin_state(status(), "timer") == "running");
  spit(home.file("config.yaml"), "settings:\n  prompt_interval: never\n");
  auto bad = run("reload");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("the config has errors") != std::string::npos);
  CHECK(plugin_state(status(), "timer") == "running");
}

TEST_CASE("doctor checks the daemon, the hooks and the registry, with fixes") {
  TempHome home;
  spit(home.file("config.yaml"), "plugins: {github: {enabled: false}}\n");  // no token here: its own test
  std::string repo = make_repo(home.root() + "/doc");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  auto down = run("doctor");
  CHECK(down.status == 1);
  CHECK(down.out.find("FAIL  daemon: not running  → fix: devtrack start") != std::string::npos);
  CHECK(down.out.find("ok    hook " + repo + ": ok") != std::string::npos);
  Daemon d("");
  fs::remove(repo + "/.git/hooks/post-commit");
  auto broken = run("doctor --json");
  json j = json::parse(broken.out);
  CHECK(j["ok"] == false);
  bool found = false;
  for (const auto& c : j["checks"])
    if (c["check"] == "hook " + repo) {
      found = true;
      CHECK(c["detail"] == "missing");
      CHECK(c["fix"] == "devtrack repos add " + repo);
    }
  CHECK(found);
  run("repos add '" + repo + "'");
  CHECK(run("doctor").status == 0);
}

TEST_CASE("doctor includes the running plugins' own checks") {
  TempHome home;
  Daemon d("settings: {timezone: Europe/Berlin}\nplugins:\n  timer: {enabled: true}\n");
  json j = json::parse(run("doctor --json").out);
  bool found = false;
  for (const auto& c : j["checks"])
    if (c["check"] == "timer: schedule") {
      found = true;
      CHECK(c["ok"] == true);
      CHECK(c["detail"].get<std::string>().find("next prompt at 20") == 0);
      CHECK((c["detail"].get<std::string>().find("CET") != std::string::npos ||
             c["detail"].get<std::string>().find("CEST") != std::string::npos));
    }
  CHECK(found);
  run("pause");
  json checks = json::parse(run("doctor --json").out)["checks"];  // a copy: the parse result is a temporary
  for (const auto& c : checks)
    if (c["check"] == "timer: schedule") CHECK(c["detail"] == "paused until `devtrack resume`");
}

TEST_CASE("commits inside a submodule are captured with the submodule's branch") {
  TempHome home;
  std::string lib = make_repo(home.root() + "/lib");
  std::string app = make_repo(home.root() + "/app");
  REQUIRE(git("-C '" + app + "' -c protocol.file.allow=always submodule add -q '" + lib + "' vendor/lib").status == 0);
  std::string sub = app + "/vendor/lib";
  REQUIRE(fs::is_regular_file(sub + "/.git"));  // a gitdir: file, as submodules have
  REQUIRE(run("repos add '" + sub + "'").status == 0);
  CHECK(fs::is_symlink(app + "/.git/modules/vendor/lib/hooks/post-commit"));
  Daemon d;
  std::string id = commit(sub, "fix inside the submodule");
  REQUIRE(wait_until([&] { return has_details(id); }));
  CHECK(count_commit(id) == 1);
  auto rows = commits(sub);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].branch == "main");
}
