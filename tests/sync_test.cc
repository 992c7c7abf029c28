// Sync across devices end to end (docs/sync.md): two or three DEVTRACK_HOMEs,
// each with its own daemon, worker and git-sync plugin, syncing through a
// bare repository on disk and through `git daemon` on 127.0.0.1. Answers
// on each are in every summary, an edit made on one is seen on the others,
// a device offline for a week catches up, a kill -9 mid-push loses and
// doubles nothing, the remote holds no plaintext, and a tracker gets one
// comment per answer across devices (the GitHub peer).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ipc/ipc.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kConfig = "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\n"
                      "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n  timer: {enabled: false}\n";

// One machine: its own DEVTRACK_HOME (and with it its own socket, daemon and
// worker), driven through the real CLI.
struct Device {
  std::string home, name, clock = "2026-06-01T09:00:00Z";
  Device(const std::string& root, std::string device_name, const std::string& config = kConfig)
      : home(root + "/" + device_name), name(std::move(device_name)) {
    fs::create_directories(home);
    fs::permissions(home, fs::perms::owner_all, fs::perm_options::replace);
    spit(home + "/config.yaml", config);
  }
  ~Device() { cli("stop"); }
  Result cli(const std::string& args, const std::string& input = "") const {
    return run("DEVTRACK_HOME='" + home + "' DEVTRACK_TEST_CLOCK=" + clock + " '" + build_dir() + "/bin/devtrack' " +
                   args,
               "/usr/bin/env", input);
  }
  void must(const std::string& args, const std::string& input = "") const {
    Result r = cli(args, input);
    INFO(name << ": devtrack " << args << "\n" << r.out << r.err);
    REQUIRE(r.status == 0);
  }
  void answer(const std::string& text) const {
    must("ask --no-wait");
    must("checkin --answer '" + text + "'");
  }
  json summary(const std::string& date = "2026-06-01") const {
    return json::parse(cli("summary --date " + date + " --format json").out);
  }
  // Every answer's typed text in the day's summary, with its device.
  std::multiset<std::string> answers(const std::string& date = "2026-06-01") const {
    std::multiset<std::string> out;
    json s = summary(date);
    for (const auto& p : s["projects"])
      for (const auto& t : p["tickets"])
        for (const auto& a : t["answers"]) out.insert(a["typed"].get<std::string>() + " @" + a["device"].get<std::string>());
    return out;
  }
  void sync() const { must("sync-remote now --wait 60"); }
};

// The first device makes the key; the others import it.
void join(const std::vector<Device*>& devices, const std::string& remote) {
  devices[0]->must("sync-remote set '" + remote + "' --device " + devices[0]->name);
  std::string key = devices[0]->cli("sync-remote key export").out;
  for (size_t i = 1; i < devices.size(); ++i) {
    devices[i]->must("sync-remote key import", key);
    devices[i]->must("sync-remote set '" + remote + "' --device " + devices[i]->name);
  }
  for (auto* d : devices) d->must("start");
}

std::string bare_repo(const std::string& path) {
  REQUIRE(git("init -q --bare '" + path + "'").status == 0);
  return path;
}

// Every object of the remote, contents included.
std::string remote_bytes(const std::string& bare) {
  return run("-C '" + bare + "' cat-file --batch-all-objects --batch", "/usr/bin/git").out;
}

int free_port() {
  return std::stoi(run("-c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'",
                       "/usr/bin/python3")
                       .out);
}

// `git daemon` serving `base` on 127.0.0.1 with push enabled, for the life
// of the object (stop() takes it down early: the network is gone).
struct GitDaemon {
  std::string base;
  int port = free_port();
  pid_t pid = 0;
  explicit GitDaemon(std::string dir) : base(std::move(dir)) { start(); }
  ~GitDaemon() { stop(); }
  void start() {
    pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      std::string listen = "--listen=127.0.0.1", p = "--port=" + std::to_string(port), b = "--base-path=" + base;
      execl("/usr/bin/git", "git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr", listen.c_str(),
            p.c_str(), b.c_str(), base.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    REQUIRE(wait_until([&] { return run("ls-remote git://127.0.0.1:" + std::to_string(port) + "/remote.git", "/usr/bin/git").status == 0; }));
  }
  void stop() {
    if (pid <= 0) return;
    kill(-pid, SIGTERM);
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = 0;
  }
  std::string url() const { return "git://127.0.0.1:" + std::to_string(port) + "/remote.git"; }
};

}  // namespace

TEST_CASE("two devices through a bare repository: both answers in each summary, no plaintext on the remote") {
  TempHome t;
  std::string remote = bare_repo(t.root() + "/remote.git");
  Device laptop(t.root(), "laptop"), desk(t.root(), "desk");
  join({&laptop, &desk}, remote);
  laptop.answer("fixed the login redirect, 30m");
  desk.answer("reviewed the export design, 45m");
  laptop.sync();
  desk.sync();
  laptop.sync();
  std::multiset<std::string> both = {"fixed the login redirect, 30m @laptop", "reviewed the export design, 45m @desk"};
  CHECK(laptop.answers() == both);
  CHECK(desk.answers() == both);
  json report = json::parse(desk.cli("report --from 2026-06-01 --by device --format json").out);
  INFO(report.dump(2));
  REQUIRE(report["rows"].size() == 2);
  CHECK(report["total_minutes"] == 75);
  // The remote: ciphertext under names that say nothing.
  std::string bytes = remote_bytes(remote);
  REQUIRE(!bytes.empty());
  for (const char* plain : {"login", "redirect", "export design", "laptop", "desk", "30m"})
    CHECK(bytes.find(plain) == std::string::npos);
  std::string tree = run("-C '" + remote + "' ls-tree -r --name-only devtrack-sync", "/usr/bin/git").out;
  INFO(tree);
  CHECK(tree.find_first_not_of("0123456789abcdef/\n") == std::string::npos);
  json status = json::parse(laptop.cli("sync-remote status --json").out);
  CHECK(status["last_error"].is_null());
  CHECK(status["last_ok_ms"].is_number());
}

TEST_CASE("an edit on one device is seen on the others, three devices through git daemon") {
  TempHome t;
  bare_repo(t.root() + "/git/remote.git");
  GitDaemon server(t.root() + "/git");
  Device laptop(t.root(), "laptop"), desk(t.root(), "desk"), devbox(t.root(), "devbox");
  join({&laptop, &desk, &devbox}, server.url());
  laptop.answer("started the billing export, 20m");
  laptop.sync();
  desk.sync();
  json s = desk.summary();
  int64_t prompt = s["projects"][0]["tickets"][0]["answers"][0]["prompt_id"];
  desk.must("checkin --edit " + std::to_string(prompt) + " --answer 'finished the billing export, 50m'");
  desk.sync();
  laptop.sync();
  devbox.sync();
  std::multiset<std::string> edited = {"finished the billing export, 50m @laptop"};
  CHECK(laptop.answers() == edited);
  CHECK(devbox.answers() == edited);
  CHECK(desk.answers() == edited);
}

TEST_CASE("a device offline for a week catches up: nothing lost, nothing doubled") {
  TempHome t;
  bare_repo(t.root() + "/git/remote.git");
  GitDaemon server(t.root() + "/git");
  Device laptop(t.root(), "laptop"), desk(t.root(), "desk");
  join({&laptop, &desk}, server.url());
  desk.answer("planned the week, 15m");
  desk.sync();
  server.stop();  // the network is gone
  for (const char* day : {"2026-06-02", "2026-06-04", "2026-06-08"}) {
    desk.clock = std::string(day) + "T10:00:00Z";
    desk.answer(std::string("offline work on ") + day + ", 1h");
  }
  Result failed = desk.cli("sync-remote now --wait 60");
  CHECK(failed.status == 1);
  CHECK(failed.out.find("last error:") != std::string::npos);
  server.start();
  desk.sync();
  laptop.sync();
  CHECK(laptop.answers() == std::multiset<std::string>{"planned the week, 15m @desk"});
  for (const char* day : {"2026-06-02", "2026-06-04", "2026-06-08"})
    CHECK(laptop.answers(day) == std::multiset<std::string>{std::string("offline work on ") + day + ", 1h @desk"});
  desk.sync();  // again: nothing new either way
  laptop.sync();
  CHECK(laptop.answers("2026-06-08").size() == 1);
}

TEST_CASE("kill -9 of the daemon and worker mid-push: the segment arrives once, nothing is lost") {
  TempHome t;
  std::string remote = bare_repo(t.root() + "/git/remote.git");
  GitDaemon server(t.root() + "/git");
  Device laptop(t.root(), "laptop"), desk(t.root(), "desk");
  join({&laptop, &desk}, server.url());
  laptop.sync();  // the branch exists
  // The server takes its time over the next push: long enough to kill the
  // pushing side while the pack is at the server.
  std::string marker = t.root() + "/pushing";
  spit(remote + "/hooks/pre-receive", "#!/bin/sh\ntouch '" + marker + "'\nsleep 3\n");
  fs::permissions(remote + "/hooks/pre-receive", fs::perms::owner_all);
  laptop.answer("fixed the flaky test, 25m");
  Result started = laptop.cli("sync-remote now --wait 0");
  REQUIRE(wait_until([&] { return fs::exists(marker); }));
  json status = json::parse(laptop.cli("status --json").out);
  kill(status["pid"].get<int>(), SIGKILL);
  if (status["worker"]["pid"].is_number()) kill(status["worker"]["pid"].get<int>(), SIGKILL);
  std::this_thread::sleep_for(std::chrono::seconds(4));  // the server finishes (or not) on its own
  fs::remove(remote + "/hooks/pre-receive");
  laptop.must("start");
  laptop.sync();
  desk.sync();
  CHECK(desk.answers() == std::multiset<std::string>{"fixed the flaky test, 25m @laptop"});
  CHECK(fs::is_empty(laptop.home + "/sync/out"));
  laptop.sync();
  desk.sync();
  CHECK(desk.answers().size() == 1);
}

TEST_CASE("one tracker comment per answer across devices: only the capturing device posts, and amends an edit") {
  TempHome t;
  const PeerProxy github{""};
  github.control("POST", "/reset");
  set_env("GH_TOKEN", "ghp_TestTokenValue0123456789abcdef");
  std::string config = std::string(kConfig).replace(std::string(kConfig).find("github: {enabled: false}"), 24,
                                                   "github: {enabled: true, base_url: \"" + github.url() + "\"}");
  std::string remote = bare_repo(t.root() + "/remote.git");
  Device laptop(t.root(), "laptop", config), desk(t.root(), "desk", config);
  join({&laptop, &desk}, remote);
  auto comments_posted = [&] {
    int n = 0;
    for (const auto& r : github.requests())
      if (r["method"] == "POST" && r["path"] == "/repos/acme/widgets/issues/12/comments" && r.value("status", 0) == 201)
        ++n;
    return n;
  };
  auto all_sent = [](const Device& d) {
    json rows = json::parse(d.cli("updates list --json").out);
    for (const auto& u : rows)
      if (u["state"] != "sent") return false;
    return !rows.empty();
  };
  laptop.answer("acme/widgets#12 fixed the login redirect, 20m");
  laptop.must("sync");  // the outbox: due now, not after tracker.grace
  REQUIRE(wait_until([&] { return all_sent(laptop); }));
  laptop.sync();
  desk.sync();
  CHECK(json::parse(desk.cli("updates list --json").out).empty());  // the desk never posts the laptop's answer
  json s = desk.summary();
  int64_t prompt = s["projects"][0]["tickets"][0]["answers"][0]["prompt_id"];
  desk.must("checkin --edit " + std::to_string(prompt) + " --answer 'acme/widgets#12 fixed the login redirect and its test, 35m'");
  CHECK(json::parse(desk.cli("updates list --json").out).empty());
  desk.sync();
  laptop.sync();
  laptop.must("sync");
  auto amended = [&] {
    for (const auto& r : github.requests())
      if (r["method"] == "PATCH" && r["body"].get<std::string>().find("and its test") != std::string::npos) return true;
    return false;
  };
  REQUIRE(wait_until(amended));
  CHECK(comments_posted() == 1);
  ::unsetenv("GH_TOKEN");
}

TEST_CASE("the daemons sync on their own: after an answer (sync.interval) and every sync.poll") {
  TempHome t;
  std::string remote = bare_repo(t.root() + "/remote.git");
  std::string config = std::string(kConfig) + "sync: {interval: 2m, poll: 10m}\n";
  Device laptop(t.root(), "laptop", config), desk(t.root(), "desk", config);
  join({&laptop, &desk}, remote);
  // Each daemon's clock is the test's: it moves only when told to.
  auto advance = [&](const Device& d, int64_t ms) {
    std::string saved = std::getenv("DEVTRACK_HOME");
    set_env("DEVTRACK_HOME", d.home);
    ipc::call("clock.advance", json{{"ms", ms}}.dump());
    set_env("DEVTRACK_HOME", saved);
  };
  auto synced_once = [](const Device& d) {
    json s = json::parse(d.cli("sync-remote status --json").out);
    return s["last_ok_ms"].is_number();
  };
  advance(laptop, 5'000);  // the round at start
  advance(desk, 5'000);
  REQUIRE(wait_until([&] { return synced_once(laptop) && synced_once(desk); }));
  laptop.answer("paired on the importer, 40m");
  advance(laptop, 2 * 60'000);  // sync.interval after the last round
  auto pushed = [&] { return run("-C '" + remote + "' ls-tree -r --name-only devtrack-sync", "/usr/bin/git").out; };
  std::string before = pushed();
  REQUIRE(wait_until([&] { return pushed() != before && !pushed().empty(); }));
  CHECK(desk.answers().empty());
  advance(desk, 10 * 60'000);  // sync.poll
  REQUIRE(wait_until([&] { return desk.answers().size() == 1; }));
  CHECK(*desk.answers().begin() == "paired on the importer, 40m @laptop");
}

TEST_CASE("two devices pushing at the same moment to a repository on disk: neither push is lost") {
  TempHome t;
  std::string remote = bare_repo(t.root() + "/remote.git");
  Device laptop(t.root(), "laptop"), desk(t.root(), "desk");
  join({&laptop, &desk}, remote);
  for (int round = 0; round < 5; ++round) {
    laptop.answer("laptop round " + std::to_string(round) + ", 5m");
    desk.answer("desk round " + std::to_string(round) + ", 5m");
    // Both at once: each fetches the same head and pushes on top of it.
    std::thread a([&] { laptop.cli("sync-remote now --wait 60"); });
    desk.cli("sync-remote now --wait 60");
    a.join();
  }
  laptop.sync();
  desk.sync();
  laptop.sync();
  CHECK(laptop.answers().size() == 10);
  CHECK(desk.answers() == laptop.answers());
  CHECK(fs::is_empty(laptop.home + "/sync/out"));
  CHECK(fs::is_empty(desk.home + "/sync/out"));
}

TEST_CASE("sync-remote refuses what it cannot use, and says how to fix it") {
  TempHome t;
  Device laptop(t.root(), "laptop");
  Result password = laptop.cli("sync-remote set 'https://me:ghp_secret123@github.com/me/data.git'");
  CHECK(password.status == 2);
  CHECK(password.err.find("the URL holds a password") != std::string::npos);
  CHECK(laptop.cli("sync-remote status --json").out.find("\"configured\": false") != std::string::npos);
  Result key = laptop.cli("sync-remote key import", "not a key\n");
  CHECK(key.status == 1);
  CHECK(key.err.find("that is not a sync key") != std::string::npos);
  CHECK(laptop.cli("sync-remote key export").err.find("there is no sync key here") != std::string::npos);
  laptop.must("sync-remote set '" + bare_repo(t.root() + "/remote.git") + "' --device laptop");
  Result offline = laptop.cli("sync-remote now");
  CHECK(offline.status == 1);
  CHECK(offline.err.find("the daemon is not running") != std::string::npos);
  std::string everything = everything_under(laptop.home);
  CHECK(everything.find("dtsync1:") == std::string::npos);  // the key is kept encrypted
}
