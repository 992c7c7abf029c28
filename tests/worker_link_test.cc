// The worker link under faults. First the daemon's side (WorkerLink) in
// this process, joined to a real child process that plays a misbehaving
// worker (a Python script speaking the link's JSON lines on fd 3): a reply
// too long for the link, a worker that dies on a job, one that exits
// cleanly on it, one that dies while we write to it. Then the real daemon
// and worker: commits with a 2 MiB or an ISO-8859-1 message, and a tracker
// (the Jira plugin) behind the recording, fault-injecting proxy of
// tests/peers that answers with a huge error body, control characters,
// a Retry-After of decades, or not at all.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/worker_link.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "test_support.h"
#include "util/clock.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A worker that says hello (taking git.read and tracker.deliver), then acts
// out LINK_MODE on each job: "oversized" answers the first job with a 2 MiB
// line and the others normally; "die" exits with status 1; "exit" exits 0;
// "deaf" stops reading after the first byte of a job.
const char* kScript = R"(#!/usr/bin/env python3
import json, os, socket, sys, time
mode = os.environ["LINK_MODE"]
s = socket.socket(fileno=3)
r, w = s.makefile("rb"), s.makefile("wb")
def send(obj):
    w.write((json.dumps(obj) + "\n").encode()); w.flush()
send({"hello": {"pid": os.getpid(), "subscriptions": ["git.read", "tracker.deliver"]}})
if mode == "deaf":  # takes the first byte of a job (so the test knows it is being written), then no more
    r.read(1)
    open(os.environ["LINK_READY"], "w").close()
    time.sleep(3600)
first = True
for line in r:
    job = json.loads(line)
    if mode == "die": sys.exit(1)
    if mode == "exit": sys.exit(0)
    tid = job["payload"]["trigger_id"]
    details = {"summary": "x" * (2 << 20)} if first else {"summary": "fine"}
    first = False
    send({"topic": "trigger.details", "payload": {"trigger_id": tid, "details": details}})
)";

// The link in this process, on a test clock, with the script as its worker.
struct Link {
  TempHome home;
  ManualClock clock{TimePoint(std::chrono::hours(24 * 365 * 56))};
  EventLoop loop{clock};
  Bus bus{loop};
  std::unique_ptr<WorkerLink> link;
  std::vector<Event> events;

  explicit Link(const std::string& mode) {
    std::string script = home.file("worker.py");
    spit(script, kScript);
    ::chmod(script.c_str(), 0755);
    set_env("LINK_MODE", mode);
    set_env("LINK_READY", home.file("ready"));
    for (const char* topic : {"trigger.details", "tracker.result"})
      bus.subscribe(topic, [this](const Event& e) { events.push_back(e); });
    link = std::make_unique<WorkerLink>(loop, bus, script, std::chrono::seconds(60));
  }
  ~Link() { link->stop(); }
  bool pump(const std::function<bool()>& pred) { return loop.run_until(pred, std::chrono::seconds(20)); }
  // The event on `topic` whose payload has `field` == id, or null.
  json event(const std::string& topic, const std::string& field, int64_t id) const {
    for (const auto& e : events) {
      json p = json::parse(e.payload);
      if (e.topic == topic && p.value(field, int64_t{-1}) == id) return p;
    }
    return nullptr;
  }
  // Waits for the worker to exit, then moves the clock past the backoff.
  void restart_after_exit() {
    REQUIRE(pump([&] { return !link->status().running && link->status().last_exit != ""; }));
    clock.advance(std::chrono::seconds(61));
    REQUIRE(pump([&] { return link->status().running || link->status().pending == 0; }));
  }
};

}  // namespace

TEST_CASE("a reply longer than the link's line limit fails the oldest job in flight, the link lives on") {
  Link l("oversized");
  l.link->send("git.read", R"({"trigger_id": 1})");
  l.link->send("git.read", R"({"trigger_id": 2})");
  REQUIRE(l.pump([&] { return !l.event("trigger.details", "trigger_id", 1).is_null(); }));
  json failed = l.event("trigger.details", "trigger_id", 1);
  CHECK(failed["details"]["error"].get<std::string>().find("larger than 1 MiB") != std::string::npos);
  int pid = l.link->status().pid;
  // The next reply is read normally, from the same worker.
  REQUIRE(l.pump([&] { return !l.event("trigger.details", "trigger_id", 2).is_null(); }));
  CHECK(l.event("trigger.details", "trigger_id", 2)["details"]["summary"] == "fine");
  CHECK(l.link->status().pid == pid);
  CHECK(l.link->status().crashes == 0);
}

TEST_CASE("a job in flight at three worker deaths is given up: its update fails with a clear reason") {
  Link l("die");
  l.link->send("tracker.deliver", R"({"update_id": 7})");
  for (int exits = 1; exits <= 3; ++exits) l.restart_after_exit();
  REQUIRE(l.pump([&] { return !l.event("tracker.result", "update_id", 7).is_null(); }));
  json r = l.event("tracker.result", "update_id", 7);
  CHECK(r["status"] == "permanent");
  CHECK(r["message"].get<std::string>().find("the worker died 3 times") != std::string::npos);
  CHECK(l.link->status().pending == 0);
  CHECK(l.link->status().crashes == 3);
}

TEST_CASE("a clean exit that leaves jobs is followed by a backoff, not an immediate restart") {
  Link l("exit");
  l.link->send("git.read", R"({"trigger_id": 3})");
  REQUIRE(l.pump([&] { return l.link->status().last_exit == "idle"; }));
  // The restart waits for the clock: a worker that exits on a job at once
  // is not restarted in a tight loop.
  CHECK_FALSE(l.link->status().running);
  CHECK(l.link->status().pending == 1);
  l.clock.advance(std::chrono::seconds(1));
  REQUIRE(l.pump([&] { return l.link->status().running; }));
  // Exits count like deaths: the third gives the commit an error, no details.
  l.restart_after_exit();
  l.restart_after_exit();
  REQUIRE(l.pump([&] { return !l.event("trigger.details", "trigger_id", 3).is_null(); }));
  CHECK(l.event("trigger.details", "trigger_id", 3)["details"].contains("error"));
}

TEST_CASE("the worker dies while the daemon writes a large job to it: no SIGPIPE, the link notices") {
  Link l("deaf");
  l.link->send("git.read", json{{"trigger_id", 4}, {"pad", std::string(8 << 20, 'p')}}.dump());
  // The worker has the first byte; the other 8 MiB cannot all fit in the
  // socket's buffer: the daemon's write is still going on.
  REQUIRE(l.pump([&] { return fs::exists(l.home.file("ready")); }));
  int pid = l.link->status().pid;
  REQUIRE(pid > 0);
  ::kill(pid, SIGKILL);
  REQUIRE(l.pump([&] { return l.link->status().last_exit == "crashed (signal 9)"; }));
  CHECK(l.link->status().pending == 1);  // kept for the next worker
}

// ---- The real daemon and worker ----

namespace {

json status() { return json::parse(run("status --json").out); }

json details_of(const std::string& commit) {
  Store store(std::string(std::getenv("DEVTRACK_HOME")) + "/devtrack.db");
  for (const auto& t : list_triggers(store, TriggerQuery{}))
    if (t.commit == commit && t.has_details) {
      json d = json::parse(t.details, nullptr, false);
      if (d.contains("summary") || d.contains("error")) return d;
    }
  return nullptr;
}

// A commit whose message is exactly the bytes of `message` (git commit -F).
std::string commit_bytes(const std::string& repo, const std::string& message, const std::string& git_options = "") {
  std::string file = repo + "/../message.txt";
  spit(file, message);
  REQUIRE(git(git_options + " -C '" + repo + "' commit -q --allow-empty --cleanup=verbatim -F '" + file + "'").status == 0);
  return head(repo);
}

// A commit object written byte for byte (git commit would re-encode a
// message that is not UTF-8 as Latin-1): no encoding header, `message` as
// is. HEAD moves with a reflog entry, which the daemon's watcher sees.
std::string commit_raw(const std::string& repo, const std::string& message) {
  std::string tree = git("-C '" + repo + "' write-tree").out.substr(0, 40);
  std::string object = "tree " + tree + "\nparent " + head(repo) +
                       "\nauthor A U Thor <author@example.com> 1780000000 +0000"
                       "\ncommitter A U Thor <author@example.com> 1780000000 +0000\n\n" + message;
  std::string file = repo + "/../object.txt";
  spit(file, object);
  std::string id = git("-C '" + repo + "' hash-object -t commit -w '" + file + "'").out.substr(0, 40);
  REQUIRE(git("-C '" + repo + "' update-ref -m 'commit: raw bytes' HEAD " + id).status == 0);
  return id;
}

struct WatchedRepo {
  TempHome home;
  std::string repo;
  WatchedRepo() {
    repo = make_repo(home.root() + "/app", "git@github.com:acme/app.git");
    spit(home.file("config.yaml"), "plugins:\n  git: {enabled: true}\n");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~WatchedRepo() { run("stop"); }
};

}  // namespace

TEST_CASE("a commit with a 2 MiB message gets its details, bounded, and the worker does not crash") {
  WatchedRepo r;
  std::string id = commit_bytes(r.repo, "a huge commit\n\n" + std::string(2 << 20, 'm') + "\n");
  std::string long_subject = commit_bytes(r.repo, std::string(100'000, 's') + "\n");
  REQUIRE(wait_until([&] { return !details_of(id).is_null() && !details_of(long_subject).is_null(); }));
  json d = details_of(id);
  CHECK(d["summary"] == "a huge commit");
  CHECK(d["message"].get<std::string>().size() <= 64 * 1024);
  CHECK(d["message"].get<std::string>().rfind("a huge commit\n\nmmm", 0) == 0);
  CHECK(details_of(long_subject)["summary"].get<std::string>().size() <= 1024);
  CHECK(status()["worker"]["crashes"] == 0);
}

TEST_CASE("ISO-8859-1 commit messages, declared or not, get valid UTF-8 details") {
  WatchedRepo r;
  std::string declared = commit_bytes(r.repo, "Caf\xe9 cr\xe8me\n", "-c i18n.commitEncoding=ISO-8859-1");
  std::string undeclared = commit_raw(r.repo, "na\xefve\n");
  REQUIRE(wait_until([&] { return !details_of(declared).is_null() && !details_of(undeclared).is_null(); }));
  CHECK(details_of(declared)["summary"] == "Caf\xc3\xa9 cr\xc3\xa8me");  // converted from the declared encoding
  CHECK(details_of(undeclared)["summary"] == "na\xef\xbf\xbdve");         // U+FFFD for the stray byte
  CHECK(status()["worker"]["crashes"] == 0);
}

namespace {

// The fault proxy of tests/peers, started by this test alone in front of
// nothing: every request it gets is answered by an injected fault (or
// hangs), so no mock is needed behind it.
struct Proxy {
  PeerProxy peer{"worker-link"};
  pid_t pid = 0;
  Proxy() {
    std::string state = build_dir() + "/tests/peers-state/worker-link";
    fs::remove_all(state);
    fs::create_directories(state);
    std::string script = source_dir() + "/tests/peers/fault-proxy.js", log = state + "/log";
    std::fflush(nullptr);  // or the child flushes our buffered output a second time
    pid = ::fork();
    if (pid == 0) {  // its own session, output to a file (PEERS.md)
      ::setsid();
      std::freopen(log.c_str(), "w", stdout);
      std::freopen(log.c_str(), "a", stderr);
      ::execlp("node", "node", script.c_str(), "http://127.0.0.1:9", state.c_str(), nullptr);
      ::_exit(127);
    }
    REQUIRE(wait_until([&] { return fs::exists(state + "/control.port"); }));
  }
  ~Proxy() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  void faults(const json& list) { peer.control("POST", "/faults", list.dump()); }
  size_t requests() { return peer.requests().size(); }
};

// The Jira plugin pointed at the proxy, with one answer queued for it.
struct Jira {
  TempHome home;
  explicit Jira(const std::string& base_url, const std::string& extra = "") {
    set_env("JIRA_TOKEN", "jira-api-token-0123456789");
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\"}\n" + extra +
             "projects:\n  - id: billing\n    jira: [BILL]\n"
             "plugins:\n  rules: {enabled: true}\n  github: {enabled: false}\n"
             "  jira: {enabled: true, base_url: \"" + base_url + "\", email: me@example.com, token: env:JIRA_TOKEN}\n");
    REQUIRE(run("start").status == 0);
    REQUIRE(run("ask --no-wait").status == 0);
    REQUIRE(run("checkin --answer 'BILL-7 invoice rounding'").status == 0);
  }
  ~Jira() {
    run("stop");
    ::unsetenv("JIRA_TOKEN");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
  }
  json update() {
    json all = json::parse(run("updates list --json").out);
    return all.empty() ? json(nullptr) : all[0];
  }
  std::string last_error() {
    json u = update();
    return u.is_object() && u["last_error"].is_string() ? u["last_error"].get<std::string>() : "";
  }
};

}  // namespace

TEST_CASE("a tracker error with a 2 MiB body: retried with a bounded last_error, no worker crash") {
  Proxy p;
  p.faults(json::array({{{"path", ".*"}, {"times", 1000}, {"status", 500}, {"message_bytes", 2 << 20}}}));
  Jira j(p.peer.url());
  bool retried = wait_advancing([&] { return j.last_error().rfind("500 ", 0) == 0; }, 60);
  INFO(j.update().dump().substr(0, 600) << "\n" << run("logs").out.substr(0, 6000));
  REQUIRE(retried);
  CHECK(j.last_error().size() <= 4096);
  CHECK(j.last_error().rfind("500 EEEE", 0) == 0);
  CHECK(j.update()["attempts"] >= 1);
  CHECK(status()["worker"]["crashes"] == 0);
}

TEST_CASE("control characters in a server's error never reach last_error") {
  Proxy p;
  p.faults(json::array({{{"path", ".*"}, {"times", 1000}, {"status", 400},
                         {"body", json{{"errorMessages", {"no\x1b]0;owned\x07 such\r\nissue \xc2\x9b" "2J"}}}.dump()}}}));
  Jira j(p.peer.url());
  REQUIRE(wait_advancing([&] { return j.update()["state"] == "failed"; }, 60));
  std::string e = j.last_error();
  INFO(e);
  CHECK(e.find_first_of("\x1b\x07\r\n") == std::string::npos);
  CHECK(e.find("\xc2\x9b") == std::string::npos);
  CHECK(e.find("owned") != std::string::npos);  // the text stays, only the controls go
}

TEST_CASE("a Retry-After of decades is capped at an hour") {
  Proxy p;
  p.faults(json::array({{{"method", "POST"}, {"path", "/comment$"}, {"times", 1}, {"status", 503},
                         {"headers", {{"retry-after", "999999999"}}}}}));
  Jira j(p.peer.url());
  int64_t start = parse_utc_time("2026-06-01T08:00:00Z").value().time_since_epoch() / std::chrono::milliseconds(1);
  REQUIRE(wait_advancing([&] { return j.update()["attempts"] >= 1 && !j.last_error().empty(); }, 60));
  Store store(j.home.file("devtrack.db"));
  auto u = get_update(store, j.update()["id"].get<int64_t>());
  REQUIRE(u);
  // Sent within the few hours wait_advancing moved the clock, then an hour at most.
  CHECK(u->next_attempt_ms - start < 24 * 3600 * 1000LL);
}

TEST_CASE("plain HTTP to a host named 127.something is not loopback: refused, the token stays home") {
  Jira j("http://127.example.com:9");
  bool failed = wait_advancing([&] { return j.update()["state"] == "failed"; }, 60);
  INFO(j.update().dump() << "\n" << run("logs").out);
  REQUIRE(failed);
  CHECK(j.last_error().find("plain HTTP to 127.example.com is refused") != std::string::npos);
}

TEST_CASE("an update in flight while the worker crashes three times fails instead of coming back forever") {
  Proxy p;
  p.faults(json::array({{{"path", ".*"}, {"times", 1000}, {"action", "black_hole"}}}));
  Jira j(p.peer.url(), "network: {timeout: 60s}\n");
  // Kill the worker whenever a request hangs in it, until the update gives
  // up: the list of assigned issues may be in flight too, so the update's
  // three deaths can take a kill or two more.
  int kills = 0;
  for (size_t seen = 0, round = 0; round < 10 && j.update()["state"] != "failed"; ++round) {
    REQUIRE(wait_advancing([&] { return p.requests() > seen || j.update()["state"] == "failed"; }));
    seen = p.requests();
    int pid = status()["worker"]["pid"];
    if (j.update()["state"] == "failed" || pid <= 0) continue;
    ::kill(pid, SIGSEGV);  // a crash; SIGKILL is from outside and does not count
    ++kills;
    REQUIRE(wait_until([&] { return status()["worker"]["crashes"] == kills; }));
  }
  REQUIRE(wait_advancing([&] { return j.update()["state"] == "failed"; }));
  INFO(j.update().dump());
  CHECK(kills >= 3);
  CHECK(j.last_error().find("the worker died 3 times") != std::string::npos);
}
