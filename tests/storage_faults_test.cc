// Injected storage faults against the real binaries: the SQLite fault VFS
// and the fault points of core/util/fault.h, switched on through
// DEVTRACK_FAULTS in the environment of the one process under test (never
// this test process's own). A control file turns a daemon's fault on and
// off while it runs. No root, no tmpfs: the disk is "full" because the VFS
// says so. Plus a real busy database: a write transaction of this process
// held past the busy timeout.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

// The recording tracker (id "github") with an hour of grace: answers queue
// updates, nothing is sent while a test runs.
const char* kConfig =
    "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
    "tracker: {grace: 1h}\n"
    "plugins: {git: {enabled: true}, rules: {enabled: true}, github: {enabled: true, mode: ok}}\n";

const char* kAnswer = "fixed the login redirect, 30m";

// Runs devtrack with DEVTRACK_FAULTS set for that process (and its children).
Result run_faulty(const std::string& spec, const std::string& args) {
  return run("DEVTRACK_FAULTS='" + spec + "' '" + build_dir() + "/bin/devtrack' " + args, "/usr/bin/env");
}

struct Faulty {
  TempHome home;
  std::string repo;
  std::string control;  // while this file exists, the daemon's fault is on
  int pid = 0;

  // Starts the daemon with `spec` (may name `control`); its fault is off
  // until fault_on().
  explicit Faulty(const std::string& spec_for = "") {
    set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("recording"));
    control = home.root() + "/fault-on";
    spit(home.file("config.yaml"), kConfig);
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    auto r = run_faulty(spec_for.empty() ? "" : spec_for + "?" + control, "start");
    INFO(r.err);
    REQUIRE(r.status == 0);
    pid = status()["pid"].get<int>();
  }
  ~Faulty() { run("stop"); }

  void fault_on() { spit(control, ""); }
  void fault_off() { std::remove(control.c_str()); }

  static json status() {
    auto r = run("status --json");
    json s = json::parse(r.out, nullptr, false);
    return s.is_object() ? s : json::object();
  }
  // The same daemon still answers: not dead, not restarted.
  bool alive() const {
    json s = status();
    return s.value("running", false) && s.value("pid", 0) == pid;
  }
  // The process is still there (it may be too busy to answer).
  bool running() const { return ::kill(pid, 0) == 0; }
  // The end of the daemon's stderr, for the failure messages.
  std::string log_tail() const {
    std::string log = slurp(home.file("daemon.log"));
    return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
  }

  json waiting() { return json::parse(run("checkin --list --json").out); }
  json updates() { return json::parse(run("updates list --json").out); }
  std::string commit_and_wait(const std::string& message) {
    std::string id = commit(repo, message);
    REQUIRE(wait_until([&] { return !waiting().empty(); }));
    return id;
  }
  bool captured(const std::string& commit_id) {
    Store store(home.file("devtrack.db"));
    for (const auto& t : list_triggers(store, TriggerQuery{}))
      if (t.commit == commit_id) return true;
    return false;
  }
  std::optional<ResponseRow> response(int64_t prompt_id) {
    Store store(home.file("devtrack.db"));
    return latest_response(store, prompt_id);
  }
  bool logged(const std::string& text) {
    Store store(home.file("devtrack.db"));
    LogQuery q;
    q.limit = 1000;
    for (const auto& l : store.read_logs(q))
      if (l.message.find(text) != std::string::npos) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("a malformed DEVTRACK_FAULTS rule stops the process with a message") {
  TempHome home;
  auto r = run_faulty("sqlite.scribble:devtrack.db=full", "checkin --list");
  CHECK(r.status != 0);
  CHECK(r.err.find("bad DEVTRACK_FAULTS rule 'sqlite.scribble:devtrack.db=full'") != std::string::npos);
}

// Each fault is its own test case: a busy one waits out busy timeouts.
static void answer_refused_then_stored(const std::string& spec) {
  INFO(spec);
  Faulty f;
  f.commit_and_wait("fix the login redirect");
  json before = f.waiting();

  auto r = run_faulty(spec, std::string("checkin --answer '") + kAnswer + "'");
  INFO(r.out + r.err);
  CHECK(r.status != 0);
  CHECK(r.err.find("cannot store the answer") != std::string::npos);
  CHECK(r.err.find(std::string("your answer was: ") + kAnswer) != std::string::npos);
  // Nothing of it was written: no response, no updates, the prompt waits
  // as it did.
  int64_t prompt = before[0]["id"];
  CHECK_FALSE(f.response(prompt));
  CHECK(f.updates().empty());
  json now = f.waiting();
  REQUIRE(now.size() == 1);
  CHECK(now[0]["id"] == prompt);
  CHECK(now[0]["state"] == before[0]["state"]);
  INFO(f.log_tail());
  CHECK(f.alive());

  REQUIRE(run(std::string("checkin --answer '") + kAnswer + "'").status == 0);
  CHECK(f.response(prompt)->raw_text == kAnswer);
  CHECK(f.updates().size() == 1);
  CHECK(f.alive());
}

TEST_CASE("an answer that cannot be stored on a full disk is refused with its text, and goes in once there is room") {
  answer_refused_then_stored("sqlite.io:devtrack.db=full");
}

TEST_CASE("an answer that cannot be stored for an I/O error is refused with its text, and goes in afterwards") {
  answer_refused_then_stored("sqlite.io:devtrack.db=ioerr");
}

TEST_CASE("an answer that cannot be stored while the database stays busy is refused with its text, and goes in afterwards") {
  answer_refused_then_stored("sqlite.lock:devtrack.db=busy");
}

TEST_CASE("a write failing after the answer is stored keeps the answer, says so, and its parse and updates follow later") {
  Faulty f;
  f.commit_and_wait("fix the login redirect");
  int64_t prompt = f.waiting()[0]["id"];
  // The CLI's first commit is the answer; its second (the parse and the
  // updates, one transaction) fails.
  auto r = run_faulty("sqlite.sync:devtrack.db=ioerr@2+", std::string("checkin --answer '") + kAnswer + "'");
  INFO(r.out + r.err);
  auto stored = f.response(prompt);
  REQUIRE(stored);
  CHECK(stored->raw_text == kAnswer);
  // All or nothing: no parse without its updates, no updates without it.
  CHECK(stored->parsed.empty() == f.updates().empty());
  // The user is not told the answer was lost when it was kept.
  CHECK(r.err.find("cannot store the answer") == std::string::npos);
  if (r.status != 0) CHECK(r.err.find("stored") != std::string::npos);
  // The daemon parses it (a later change of the prompt is enough).
  ipc::call("prompt.changed", json{{"prompt_id", prompt}}.dump());
  CHECK(wait_until([&] { return f.updates().size() == 1 && !f.response(prompt)->parsed.empty(); }));
  INFO(f.log_tail());
  CHECK(f.alive());
}

// `answers_meanwhile`: status must answer while the fault is on (a busy
// database is allowed to hold the daemon for its busy timeouts).
static void daemon_survives_failed_writes(const std::string& spec, bool answers_meanwhile) {
  INFO(spec);
  Faulty f(spec);
  f.fault_on();
  // The hook's trigger, the reflog watcher's catch-up, the prompt it opens,
  // a manual prompt and the log lines all fail to be written.
  std::string during = commit(f.repo, "committed while the disk is full");
  auto ask = run("ask");
  INFO("ask: " + ask.out + ask.err);
  CHECK((ask.status != 0 && !ask.err.empty()));  // the user is told
  CHECK_FALSE(f.captured(during));                 // the fault did bite
  INFO(f.log_tail());
  REQUIRE(f.running());
  if (answers_meanwhile) REQUIRE(f.alive());

  f.fault_off();
  REQUIRE(wait_until([&] { return f.alive(); }, 60));
  std::string after = f.commit_and_wait("committed after the fault");
  CHECK(f.captured(after));
  CHECK(f.captured(during));  // caught up from the reflog
  REQUIRE(run(std::string("checkin --answer '") + kAnswer + "'").status == 0);
  CHECK(wait_until([&] { return f.updates().size() == 1; }));
  // The log sink writes again.
  CHECK(wait_until([&] { return f.logged("commit " + after.substr(0, 12)); }));
  CHECK(f.alive());
}

TEST_CASE("the daemon's writes fail on a full disk: it stays up and carries on once there is room") {
  daemon_survives_failed_writes("sqlite.io:devtrack.db=full", true);
}

TEST_CASE("the daemon's writes fail with I/O errors: it stays up and carries on once they stop") {
  daemon_survives_failed_writes("sqlite.io:devtrack.db=ioerr", true);
}

TEST_CASE("the daemon's writes stay busy past the busy timeout: it stays up and carries on once they are not") {
  daemon_survives_failed_writes("sqlite.lock:devtrack.db=busy", false);
}

TEST_CASE("the daemon's parse of an answer, and the updates it queues, fail: kept, and written once the fault is gone") {
  Faulty f("sqlite.io:devtrack.db=full");
  f.commit_and_wait("fix the login redirect");
  int64_t prompt = f.waiting()[0]["id"];
  // The CLI stores the answer and dies before parsing it: the daemon must.
  auto r = run_faulty("checkin.stored=kill", std::string("checkin --answer '") + kAnswer + "'");
  REQUIRE(r.status == 128 + 9);
  f.fault_on();
  try {
    ipc::call("prompt.changed", json{{"prompt_id", prompt}}.dump());
  } catch (const std::exception&) {
    // An error reply is fine; dying is not.
  }
  // Not parsed (prompt.changed parses at once when it can), nothing queued.
  CHECK(f.response(prompt)->parsed.empty());
  CHECK(f.updates().empty());
  CHECK(f.response(prompt)->raw_text == kAnswer);
  INFO(f.log_tail());
  REQUIRE(f.alive());

  f.fault_off();
  ipc::call("prompt.changed", json{{"prompt_id", prompt}}.dump());
  CHECK(wait_until([&] { return f.updates().size() == 1 && !f.response(prompt)->parsed.empty(); }));
  CHECK(f.alive());
}

TEST_CASE("another process holds a write transaction past the busy timeout: the daemon stays up and catches up once released") {
  Faulty f;
  f.commit_and_wait("fix the login redirect");
  int64_t prompt = f.waiting()[0]["id"];
  std::string during;
  {
    SQLite::Database holder(f.home.file("devtrack.db"), SQLite::OPEN_READWRITE);
    holder.setBusyTimeout(10000);  // the daemon may be writing: wait our turn
    holder.exec("BEGIN IMMEDIATE");
    during = commit(f.repo, "committed while the database is busy");
    // The CLI waits out its busy timeout (10 s): the lock is held longer.
    auto r = run(std::string("checkin --answer '") + kAnswer + "'");
    INFO(r.out + r.err);
    CHECK(r.status != 0);
    CHECK(r.err.find(std::string("your answer was: ") + kAnswer) != std::string::npos);
    INFO(f.log_tail());
    REQUIRE(f.running());
    holder.exec("ROLLBACK");
  }
  REQUIRE(wait_until([&] { return f.alive(); }, 60));
  CHECK_FALSE(f.response(prompt));
  // Released: a later commit is captured, and the one made while busy too.
  std::string after = commit(f.repo, "committed after the release");
  CHECK(wait_until([&] { return f.captured(after) && f.captured(during); }));
  REQUIRE(run(std::string("checkin --answer '") + kAnswer + "'").status == 0);
  CHECK(f.response(prompt)->raw_text == kAnswer);
  INFO(f.log_tail());
  CHECK(f.alive());
}

TEST_CASE("status answers while another process holds a write transaction on the database") {
  Faulty f;
  f.commit_and_wait("fix the login redirect");
  SQLite::Database holder(f.home.file("devtrack.db"), SQLite::OPEN_READWRITE);
  holder.setBusyTimeout(10000);  // the daemon may be writing: wait our turn
  holder.exec("BEGIN IMMEDIATE");
  commit(f.repo, "committed while the database is busy");  // the daemon has writes to wait for
  // Status only reads, which WAL allows beside a writer: neither the CLI
  // nor the daemon should need the write lock for it.
  auto r = run("status --json");
  INFO(r.out + r.err);
  INFO(f.log_tail());
  CHECK(r.status == 0);
  CHECK(wait_until([&] { return f.alive(); }, 30));
  holder.exec("ROLLBACK");
}
