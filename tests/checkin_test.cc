// Check-in, end to end: a real daemon, real git, the real tty plugin in a
// real pseudo-terminal (tmux send-keys / capture-pane), as a person would.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "git/git_files.h"
#include "ipc/ipc.h"
#include "store/assigned.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "test_support.h"
#include "util/clock.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kConfig =
    "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
    "prompt: {inline_timeout: 2s}\n"
    "projects:\n"
    "  - id: widgets\n    repos: [acme/widgets]\n    github: acme/widgets\n"
    "  - id: billing\n    aliases: [invoices]\n    jira: [BILL]\n"
    "  - id: payments\n    aliases: [invoices]\n    jira: [PAY]\n"
    "plugins: {git: {enabled: true}, timer: {enabled: true}, rules: {enabled: true}, tty: {enabled: true}}\n";

struct Setup {
  TempHome home;
  std::string repo;
  explicit Setup(const std::string& clock = "") {
    if (!clock.empty()) set_env("DEVTRACK_TEST_CLOCK", clock);
    spit(home.file("config.yaml"), kConfig);
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    test::git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    // With a test clock the CLI keeps it too: it times defers from the
    // same (unmoved) start as the daemon.
    REQUIRE(run("start").status == 0);
  }
  ~Setup() { run("stop"); }

  json waiting() { return json::parse(run("checkin --list --json").out); }
  json last_response() {
    json log = json::parse(run("log --json").out);
    return log.back()["response"];
  }
  // A commit from outside a terminal, and its prompt.
  void commit_and_wait(const std::string& message, size_t prompts = 1) {
    commit(repo, message);
    REQUIRE(wait_until([&] { return waiting().size() == prompts; }));
  }
};

// tmux with the test's environment, in a real pseudo-terminal.
class Tmux {
 public:
  explicit Tmux(const std::string& root) : socket_(root + "/tmux.sock") {
    REQUIRE(run("-S '" + socket_ + "' new-session -d -x 120 -y 40 -s t 'bash --norc --noprofile'", "/usr/bin/tmux")
                .status == 0);
  }
  ~Tmux() { run("-S '" + socket_ + "' kill-server", "/usr/bin/tmux"); }
  void type(const std::string& keys) { run("-S '" + socket_ + "' send-keys -t t " + keys, "/usr/bin/tmux"); }
  void line(const std::string& text) { type("-l '" + text + "'"), type("Enter"); }
  std::string screen() { return run("-S '" + socket_ + "' capture-pane -p -t t", "/usr/bin/tmux").out; }
  bool shows(const std::string& text, int seconds = 15) {
    return wait_until([&] { return screen().find(text) != std::string::npos; }, seconds);
  }

 private:
  std::string socket_;
};

std::string env_line(const TempHome& home) {
  std::string vars;
  for (const char* v : {"HOME", "DEVTRACK_HOME", "XDG_RUNTIME_DIR", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
                        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"})
    vars += std::string("export ") + v + "='" + std::getenv(v) + "'; ";
  (void)home;
  return vars + "export PATH='" + build_dir() + "/bin':$PATH; unset CI DEVTRACK_NO_INLINE; cd '" + home.root() +
         "/widgets'";
}

bool have_tmux() { return access("/usr/bin/tmux", X_OK) == 0; }

}  // namespace

TEST_CASE("a commit opens a prompt with the branch's ticket, --answer stores, parses and fills the log") {
  Setup s;
  s.commit_and_wait("fix the login redirect");
  json p = s.waiting()[0];
  CHECK(p["repo"] == s.repo);
  CHECK(p["branch"] == "fix/12-login");
  CHECK(p["suggestion"]["number"] == 12);
  REQUIRE(wait_until([&] { return s.waiting()[0]["commits"][0]["summary"] == "fix the login redirect"; }));
  // A second commit on the repo joins the open prompt.
  commit(s.repo, "and the logout one");
  REQUIRE(wait_until([&] { return s.waiting()[0]["commits"].size() == 2; }));
  CHECK(s.waiting().size() == 1);

  auto r = run("checkin --answer 'fixed the login redirect, 30m, done'");
  CHECK(r.status == 0);
  CHECK(r.out == "recorded prompt 1 · #12 (suggested) · project widgets · 30 min · done\n");
  CHECK(s.waiting().empty());
  json resp = s.last_response();
  CHECK(resp["state"] == "answered");
  CHECK(resp["text"] == "fixed the login redirect, 30m, done");
  CHECK(resp["tickets"][0]["number"] == 12);
  CHECK(resp["project"] == "widgets");
  CHECK(resp["duration_minutes"] == 30);
  CHECK(resp["status"] == "done");
  // Both commits of the prompt carry the response.
  json log = json::parse(run("log --json").out);
  CHECK(log[log.size() - 2]["response"]["text"] == "fixed the login redirect, 30m, done");

  // A correction re-parses the answer.
  CHECK(run("checkin --edit 1 --answer 'BILL-7, 45 min'").status == 0);
  resp = s.last_response();
  CHECK(resp["tickets"][0]["key"] == "BILL-7");
  CHECK(resp["duration_minutes"] == 45);
  CHECK(resp["project"] == "billing");
}

TEST_CASE("skip, defer, a named ticket over the suggestion, and --no-suggestion") {
  Setup s;
  s.commit_and_wait("one");
  CHECK(run("checkin --skip").status == 0);
  json list = s.waiting();
  REQUIRE(list.size() == 1);  // skipped prompts come back with checkin
  CHECK(list[0]["state"] == "skipped");
  // In local words: "at 14:05", or "tomorrow at 00:05" late in the evening.
  CHECK(std::regex_search(run("checkin --defer 1h").out, std::regex("comes back (tomorrow )?at [0-9]{2}:[0-9]{2}")));
  CHECK(s.waiting()[0]["state"] == "deferred");
  CHECK(run("checkin --answer 'PAY-3 refunds' --id 1").status == 0);
  CHECK(s.last_response()["tickets"].size() == 1);
  CHECK(s.last_response()["tickets"][0]["key"] == "PAY-3");
  s.commit_and_wait("two");
  CHECK(run("checkin --answer 'meetings' --no-suggestion").status == 0);
  CHECK(s.last_response()["tickets"].empty());
  CHECK(run("checkin --answer x").status == 1);  // nothing left
  CHECK(run("checkin --answer x --id 99").err.find("there is no prompt 99") != std::string::npos);
  CHECK(run("checkin --answer 'invoices work' --project nope --id 1").status == 2);
}

TEST_CASE("ambiguous project: --project answers the follow-up, ask opens a manual prompt") {
  Setup s;
  auto asked = run("ask --no-wait 'pairing'");
  CHECK(asked.out == "prompt 1 is waiting: devtrack checkin --id 1\n");
  json p = s.waiting()[0];
  CHECK(p["kind"] == "manual");
  CHECK(p["repo"].is_null());
  CHECK(p["about"][0] == "What came out of 'pairing'?");  // the note is what it asks about
  CHECK(run("checkin --answer 'invoices export 1h'").out.find("project") == std::string::npos);
  run("ask --no-wait");
  CHECK(run("checkin --answer 'invoices export 1h' --project payments").out.find("project payments") !=
        std::string::npos);
}

TEST_CASE("in a real terminal: Enter accepts the suggestion, Tab completes, s skips") {
  if (!have_tmux()) {
    WARN("tmux is missing: the terminal tests need it (scripts/test.sh installs it)");
    FAIL("tmux not installed");
  }
  Setup s;
  s.commit_and_wait("fix the login redirect");
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; export DEVTRACK_NO_INLINE=1; devtrack checkin");
  REQUIRE(t.shows("What did you work on?"));
  CHECK(t.shows("Suggested: #12"));
  CHECK(t.shows("fix the login redirect"));
  t.type("Enter");  // one key: the suggestion
  REQUIRE(t.shows("recorded prompt 1 · #12 (suggested) · project widgets"));
  CHECK(s.last_response()["tickets"][0]["number"] == 12);

  s.commit_and_wait("second");
  t.line("devtrack checkin");
  REQUIRE(t.shows("    ", 5));
  REQUIRE(wait_until([&] { return t.screen().find("second") != std::string::npos; }));
  t.type("-l 'worked on wid'");
  t.type("Tab");
  REQUIRE(t.shows("worked on widgets"));
  t.line(" 20m");
  REQUIRE(t.shows("recorded prompt 2"));
  CHECK(s.last_response()["text"] == "worked on widgets  20m");
  CHECK(s.last_response()["duration_minutes"] == 20);

  s.commit_and_wait("third");
  t.line("devtrack checkin");
  REQUIRE(wait_until([&] { return t.screen().find("third") != std::string::npos; }));
  t.line("s");
  REQUIRE(t.shows("skipped (it comes back in the end-of-day review)"));
  CHECK(s.waiting()[0]["state"] == "skipped");

  t.line("clear; devtrack checkin --id 3");
  REQUIRE(t.shows("What did you work on?"));
  t.line("d");
  REQUIRE(t.shows("asking again "));  // "at 14:05", or "tomorrow at 00:05" late in the evening
  CHECK(std::regex_search(t.screen(), std::regex("asking again (tomorrow )?at [0-9]{2}:[0-9]{2}")));
  CHECK(s.waiting()[0]["state"] == "deferred");
}

TEST_CASE("shell-init reminds once per change, with builtins only") {
  Setup s;
  for (const char* shell : {"bash", "zsh", "fish"}) CHECK(run(std::string("shell-init ") + shell).status == 0);
  std::string script = s.home.root() + "/init.bash";
  spit(script, run("shell-init bash").out);
  CHECK(run("-n '" + script + "'", "/bin/bash").status == 0);
  std::string probe = s.home.root() + "/probe.bash";
  spit(probe, ". '" + script + "'\n__devtrack_reminder\n__devtrack_reminder\necho end\n");
  CHECK(run("'" + probe + "'", "/bin/bash").out == "end\n");  // nothing waiting
  s.commit_and_wait("remind me");
  auto out = run("'" + probe + "'", "/bin/bash").out;
  CHECK(out.find("devtrack: 1 check-in(s) waiting: devtrack checkin") != std::string::npos);
  CHECK(out.find("waiting", out.find("waiting") + 1) == std::string::npos);  // once, not per prompt
  run("checkin --skip");
  CHECK_FALSE(fs::exists(s.home.file("pending")));
  spit(s.home.file("summary-due"), "2026-06-01\n");  // as the daemon writes it at summary_time
  out = run("'" + probe + "'", "/bin/bash").out;
  CHECK(out.find("devtrack: the summary of 2026-06-01 is ready: devtrack summary --edit") != std::string::npos);
  CHECK(out.find("is ready", out.find("is ready") + 1) == std::string::npos);
}

TEST_CASE("in a real terminal: a follow-up question chooses between two projects") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  run("ask --no-wait");
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; devtrack checkin");
  REQUIRE(t.shows("What did you work on?"));
  t.line("invoices export, 1h");
  REQUIRE(t.shows("Which project?"));
  CHECK(t.shows("2) payments"));
  t.line("2");
  REQUIRE(t.shows("recorded prompt 1 · project payments · 60 min"));
  CHECK(s.last_response()["project"] == "payments");
}

TEST_CASE("in a real terminal: a blocked tracker and the tickets assigned to you show in the next prompt") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  // GitHub enabled but unreachable: its fetch fails and the kept list stays.
  std::string config = kConfig;
  config.replace(config.find("tty: {enabled: true}"), 20,
                 "tty: {enabled: true}, github: {enabled: true, base_url: \"http://127.0.0.1:9\"}");
  spit(s.home.file("config.yaml"), config);
  REQUIRE(run("reload").status == 0);
  s.commit_and_wait("fix the login redirect");
  REQUIRE(run("checkin --answer 'fixed the redirect, 20m'").status == 0);
  {
    Store store(s.home.file("devtrack.db"));
    int64_t now = process_clock().now_ms();
    block_plugin(store, "github", "401 Bad credentials", now);
    put_assigned(store, "github",
                 R"([{"ticket": {"system": "github", "repo": "acme/widgets", "number": 31},
                      "title": "Checkout times out", "url": "", "state": "open"}])", now);
  }
  run("ask --no-wait");
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; devtrack checkin");
  REQUIRE(t.shows("What did you work on?"));
  CHECK(t.shows("Note: github refused the credentials; its updates wait (devtrack doctor)."));
  CHECK(t.shows("Assigned to you: acme/widgets#31 Checkout times out"));
  t.type("-l 'acme/widgets#3'");
  t.type("Tab");  // the assigned ticket completes too
  REQUIRE(t.shows("acme/widgets#31"));
  t.line(" checkout timeouts, 1h");
  REQUIRE(t.shows("recorded prompt 2"));
  CHECK(s.last_response()["tickets"][0]["number"] == 31);
}

TEST_CASE("inline inside git commit, and its timeout leaves the prompt pending") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  Tmux t(s.home.root());
  t.line(env_line(s.home));
  t.line("git commit -q --allow-empty -m 'inline please'");
  REQUIRE(t.shows("What did you work on?"));
  CHECK(t.shows("Suggested: #12"));
  t.line("PRX-1 wrote the spec, 15m");
  REQUIRE(t.shows("recorded prompt 1"));
  CHECK(s.last_response()["duration_minutes"] == 15);

  t.line("clear; git commit -q --allow-empty -m 'nobody answers'");
  REQUIRE(t.shows("What did you work on?"));
  REQUIRE(t.shows("(no answer: left for `devtrack checkin`)", 10));  // prompt.inline_timeout: 2s
  CHECK(s.waiting().size() == 1);
  CHECK(s.waiting()[0]["state"] == "pending");

  // Never inside a rebase or in CI.
  run("checkin --skip");
  t.line("clear; CI=true git commit -q --allow-empty -m 'in ci'");
  REQUIRE(wait_until([&] { return s.waiting().size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(t.screen().find("What did you work on?") == std::string::npos);

  // Nor outside working hours (no work day at all here), nor while paused.
  run("checkin --skip");
  std::string config = slurp(s.home.file("config.yaml"));
  const std::string all_days = "work_days: [mon, tue, wed, thu, fri, sat, sun]";
  std::string no_days = config;
  no_days.replace(no_days.find(all_days), all_days.size(), "work_days: []");
  spit(s.home.file("config.yaml"), no_days);
  t.line("clear; git commit -q --allow-empty -m 'after hours'");
  REQUIRE(wait_until([&] { return s.waiting().size() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(t.screen().find("What did you work on?") == std::string::npos);
  spit(s.home.file("config.yaml"), config);
  run("pause --for 1h");
  run("checkin --skip");
  t.line("clear; git commit -q --allow-empty -m 'paused'");
  REQUIRE(wait_until([&] { return s.waiting().size() == 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(t.screen().find("What did you work on?") == std::string::npos);
}

TEST_CASE("defer comes back 30 minutes later, and an unanswered prompt expires, through the clock seam") {
  Setup s("2026-06-01T08:00:00Z");
  s.commit_and_wait("deferred work");
  CHECK(run("checkin --defer").status == 0);  // prompt.defer: 30m
  CHECK(s.waiting()[0]["state"] == "deferred");
  ipc::call("clock.advance", R"({"ms": 1740000})");  // 29 min
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(s.waiting()[0]["state"] == "deferred");
  ipc::call("clock.advance", R"({"ms": 61000})");
  REQUIRE(wait_until([&] { return s.waiting()[0]["state"] == "pending"; }));
  // prompt.timeout (10m) later it is recorded as expired, and still answerable.
  ipc::call("clock.advance", R"({"ms": 601000})");
  REQUIRE(wait_until([&] { return s.waiting()[0]["state"] == "expired"; }));
  CHECK(run("checkin --answer 'done after all'").status == 0);
  CHECK(s.waiting().empty());
}

TEST_CASE("kill -9 right after the answer is stored keeps it, the daemon parses it later") {
  Setup s;
  s.commit_and_wait("crashy");
  run("stop");
  set_env("DEVTRACK_FAULTS", "checkin.stored=kill");  // the fault point in core/cli/checkin_session.cc
  auto r = run("checkin --answer 'BILL-9 kept even if killed, 10m'");
  ::unsetenv("DEVTRACK_FAULTS");
  CHECK(r.status == 128 + SIGKILL);  // killed, as the shell reports it
  {
    Store store(s.home.file("devtrack.db"));
    auto resp = latest_response(store, 1);
    REQUIRE(resp);
    CHECK(resp->raw_text == "BILL-9 kept even if killed, 10m");
    CHECK(resp->parsed.empty());
  }
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_until([&] { return s.last_response()["duration_minutes"] == 10; }));
  CHECK(s.last_response()["tickets"][0]["key"] == "BILL-9");
}

TEST_CASE("in a real terminal: summary --edit asks once before posting, and y posts") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  s.commit_and_wait("fix the login redirect");
  REQUIRE(run("checkin --answer 'fixed the login redirect, 30m'").status == 0);
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; EDITOR=true devtrack summary --edit");
  REQUIRE(t.shows("0 edited, 0 removed, 0 filled in"));
  REQUIRE(t.shows("Post the updates? [y/N]"));
  t.line("y");
  CHECK(t.shows("posting: 0 released, 0 edited, 0 dropped"));
  t.line("clear; EDITOR=true devtrack summary --edit");
  REQUIRE(t.shows("Post the updates? [y/N]"));
  t.line("n");
  CHECK(t.shows("nothing posted; your edited copy is"));
}

namespace {

// The test process in `dir` for the life of the object (devtrack takes the
// current directory's repository as context).
struct InDir {
  fs::path saved = fs::current_path();
  explicit InDir(const std::string& dir) { fs::current_path(dir); }
  ~InDir() { fs::current_path(saved); }
};

// kConfig with GitHub enabled (unreachable: the updates only queue).
std::string config_with_github() {
  std::string config = kConfig;
  config.replace(config.find("tty: {enabled: true}"), 20,
                 "tty: {enabled: true}, github: {enabled: true, base_url: \"http://127.0.0.1:9\"}");
  return config;
}

// The outbox rows of the latest answer.
std::vector<UpdateRow> latest_updates(const TempHome& home) {
  Store store(home.file("devtrack.db"));
  std::vector<UpdateRow> rows = list_updates(store);
  if (rows.empty()) return rows;
  int64_t last = 0;
  for (const auto& r : rows) last = std::max(last, r.response_id);
  std::vector<UpdateRow> out;
  for (const auto& r : rows)
    if (r.response_id == last) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("remote_slug reads the origin from the repository's config, without running git") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/plain");
  CHECK(git::remote_slug(repo).empty());  // no origin
  test::git("-C '" + repo + "' remote add origin 'https://github.com/acme/widgets.git'");
  test::git("-C '" + repo + "' remote add upstream git@github.com:other/fork.git");
  test::git("-C '" + repo + "' worktree add -q '" + home.root() + "/linked'");
  // url.<base>.insteadOf, as git applies it (git remote get-url agrees).
  test::git("config --global url.git@github.com:.insteadOf gh:");
  test::git("-C '" + repo + "' remote add short gh:acme/gadgets");
  CHECK(git::remote_url(repo, "short") == "git@github.com:acme/gadgets");
  CHECK(git::remote_url(repo, "short") + "\n" == test::git("-C '" + repo + "' remote get-url short").out);
  // No process: the same answers without git on the PATH.
  std::string path = std::getenv("PATH");
  set_env("PATH", "/nonexistent");
  CHECK(git::remote_slug(repo) == "acme/widgets");
  CHECK(git::remote_slug(home.root() + "/linked") == "acme/widgets");  // a linked worktree: the shared config
  CHECK(git::remote_slug("/proc").empty());                           // in no repository
  set_env("PATH", path);
  // Quoting, comments and the old [remote.NAME] form.
  spit(repo + "/.git/config", "[core]\n\tbare = false\n[remote \"origin\"] # the one\n"
                              "\turl = \"git@github.com:acme/quoted.git\" ; comment\n[remote.old]\n url = x:o/n\n");
  CHECK(git::remote_slug(repo) == "acme/quoted");
  CHECK(git::remote_url(repo, "old") == "x:o/n");
}

TEST_CASE("in a repository without origin, checkin, parse and ask print no git error") {
  Setup s;
  std::string plain = make_repo(s.home.root() + "/plain");
  REQUIRE(run("repos add '" + plain + "'").status == 0);
  commit(plain, "no remote here");
  REQUIRE(wait_until([&] { return s.waiting().size() == 1; }));
  auto answered = run("checkin --answer 'fixed it, 10m'");
  CHECK(answered.status == 0);
  CHECK(answered.err.empty());  // git's "error: No such remote 'origin'" came through here
  auto parsed = run("parse --repo '" + plain + "' 'fixed it'");
  CHECK(parsed.status == 0);
  CHECK(parsed.err.empty());
  InDir in(plain);
  CHECK(run("ask --no-wait").err.empty());
  answered = run("checkin --answer 'more of it'");
  CHECK(answered.status == 0);
  CHECK(answered.err.empty());
}

TEST_CASE("ask inside a repository: its origin routes a bare #15, outside any the answer says it cannot go") {
  Setup s;
  spit(s.home.file("config.yaml"), config_with_github());
  REQUIRE(run("reload").status == 0);
  {
    InDir in(s.repo);  // a clone of acme/widgets, on fix/12-login
    REQUIRE(run("ask --no-wait").status == 0);
    auto r = run("checkin --answer 'code review of #15'");
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    auto rows = latest_updates(s.home);
    REQUIRE(rows.size() == 1);
    CHECK(json::parse(rows[0].target)["number"] == 15);
    CHECK(json::parse(rows[0].body)["repo"] == "acme/widgets");
    // parse takes the current directory's repository too.
    json p = json::parse(run("parse 'code review of #15'").out);
    CHECK(p["project"] == "widgets");
  }
  auto all_updates = [&] {
    Store store(s.home.file("devtrack.db"));
    return list_updates(store).size();
  };
  size_t before = all_updates();
  InDir in(s.home.root());  // no repository here
  REQUIRE(run("ask --no-wait").status == 0);
  auto r = run("checkin --answer 'code review of #15'");
  CHECK(r.status == 0);  // recorded: the text is kept
  CHECK(r.err.find("#15 names no repository, so nothing goes to GitHub Issues for it") != std::string::npos);
  CHECK(r.out.find("text only for #15 (no repository)") != std::string::npos);
  CHECK(s.last_response()["text"] == "code review of #15");
  CHECK(s.last_response()["tickets"].empty());
  CHECK(all_updates() == before);  // nothing queued that could only fail
}

TEST_CASE("in a real terminal: a ticket that cannot be routed is asked about at once") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  spit(s.home.file("config.yaml"), config_with_github());
  REQUIRE(run("reload").status == 0);
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; cd ..; devtrack ask");  // outside any repository
  REQUIRE(t.shows("What did you work on?"));
  t.line("code review of #15");
  REQUIRE(t.shows("#15 names no repository, so it cannot go to GitHub Issues. Which one?"));
  CHECK(t.shows("1) acme/widgets#15"));
  CHECK(t.shows("2) keep the text only (nothing goes to GitHub Issues for #15)"));
  t.line("1");
  REQUIRE(t.shows("recorded prompt 1 · acme/widgets#15"));
  auto rows = latest_updates(s.home);
  REQUIRE(rows.size() == 1);
  CHECK(json::parse(rows[0].target)["repo"] == "acme/widgets");

  t.line("clear; devtrack ask");
  REQUIRE(t.shows("What did you work on?"));
  t.line("more review of #15");
  REQUIRE(t.shows("Which one?"));
  t.line("2");
  REQUIRE(t.shows("recorded prompt 2 · text only for #15 (no repository)"));
  CHECK(s.last_response()["text"] == "more review of #15");
}

TEST_CASE("in a real terminal: typing stops the inline prompt's clock, which it shows counting down") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;  // prompt.inline_timeout: 2s
  Tmux t(s.home.root());
  t.line(env_line(s.home));
  t.line("git commit -q --allow-empty -m 'half typed'");
  REQUIRE(t.shows("What did you work on?"));
  REQUIRE(t.shows(" s, then it waits for `devtrack checkin`; typing stops the clock)"));
  t.type("-l 'PRX-2 half'");
  REQUIRE(wait_until([&] { return t.screen().find("typing stops the clock") == std::string::npos; }));
  CHECK(t.screen().find("> PRX-2 half") != std::string::npos);  // redrawn without the countdown, text kept
  std::this_thread::sleep_for(std::chrono::seconds(3));  // past the timeout that used to throw the text away
  CHECK(t.screen().find("(no answer") == std::string::npos);
  t.line(" done, 10m");
  REQUIRE(t.shows("recorded prompt 1"));
  CHECK(s.last_response()["text"] == "PRX-2 half done, 10m");

  // Untouched, it still gives up and the prompt waits for devtrack checkin.
  t.line("clear; git commit -q --allow-empty -m 'nobody is there'");
  REQUIRE(t.shows("What did you work on?"));
  REQUIRE(t.shows("(no answer: left for `devtrack checkin`)", 10));
  CHECK(s.waiting().size() == 1);
  CHECK(s.waiting()[0]["state"] == "pending");
}

TEST_CASE("in a real terminal: the prompt shows the commit id at once and its subject when the worker read it") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  run("stop");  // a prompt whose commit nobody has read yet, as when the worker is cold
  std::string id = commit(s.repo, "subject arrives later");
  {
    Store store(s.home.file("devtrack.db"));
    TriggerRow t;
    t.kind = "commit";
    t.at_ms = process_clock().now_ms();
    t.repo = s.repo;
    t.branch = "fix/12-login";
    t.commit = id;
    int64_t trigger = record_commit(store, t);
    REQUIRE(trigger > 0);
    PromptRow p;
    p.kind = "commit";
    p.repo = s.repo;
    p.branch = "fix/12-login";
    p.created_ms = t.at_ms;
    attach_trigger(store, trigger, create_prompt(store, p));
  }
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; devtrack checkin");
  REQUIRE(t.shows("widgets (fix/12-login): 1 commit(s)"));
  CHECK(t.shows(id.substr(0, 8) + " (reading the commit"));
  t.type("-l 'half an answer'");
  REQUIRE(t.shows("> half an answer"));
  REQUIRE(run("start").status == 0);  // the worker reads the commit
  REQUIRE(t.shows(id.substr(0, 8) + " subject arrives later"));
  CHECK(t.screen().find("reading the commit") == std::string::npos);
  CHECK(t.screen().find("> half an answer") != std::string::npos);  // what was typed is still there
  t.line(", and the rest");
  REQUIRE(t.shows("recorded prompt 1"));
  CHECK(s.last_response()["text"] == "half an answer, and the rest");
}

// Issue 14 item 13: what a person reads says things as people say them.
TEST_CASE("in a real terminal: statuses in words, each recent ticket once, times in local words") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s("2026-06-01T08:00:00Z");
  s.commit_and_wait("one");
  auto a = run("checkin --answer '#12 login page, 1h, wip'");
  INFO(a.out << a.err);
  CHECK(a.out.find("in progress") != std::string::npos);
  CHECK(a.out.find("in_progress") == std::string::npos);
  s.commit_and_wait("two");
  auto list = run("checkin --list");
  INFO(list.out);
  CHECK(list.out.find("(pending, asked 08:00)") != std::string::npos);  // not 2026-06-01T08:00:00+00:00
  CHECK(run("status").out.find("since 08:00)") != std::string::npos);
  REQUIRE(run("checkin --answer '#12 the logout page too, 30m'").status == 0);  // #12 a second time
  CHECK(run("updates list").out.find(" acme/widgets#12 ") != std::string::npos);  // where the bare #12 goes
  run("ask --no-wait");
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; devtrack checkin");
  REQUIRE(t.shows("What did you work on?"));
  INFO(t.screen());
  REQUIRE(t.shows("Recent tickets: "));
  std::string screen = t.screen();
  std::string recent = screen.substr(screen.find("Recent tickets: "));
  recent = recent.substr(0, recent.find('\n'));
  CHECK(recent.find("#12") != std::string::npos);
  CHECK(recent.find("#12") == recent.rfind("#12"));  // once, not "#12, #12"
  auto later = run("checkin --defer 2h --id 3");
  INFO(later.out << later.err);
  CHECK(later.out.find("comes back at 10:00") != std::string::npos);  // local words, not an ISO time
}

TEST_CASE("an ask answer the daemon parses (the client died after storing it) is routed by the repository it was asked in") {
  Setup s;
  spit(s.home.file("config.yaml"), config_with_github());
  REQUIRE(run("reload").status == 0);
  InDir in(s.repo);  // a clone of acme/widgets
  REQUIRE(run("ask --no-wait").status == 0);
  REQUIRE(wait_until([&] { return s.waiting().size() == 1; }));
  set_env("DEVTRACK_FAULTS", "checkin.stored=kill");  // the client dies the moment the answer is stored
  auto r = run("checkin --answer 'code review of #15'");
  ::unsetenv("DEVTRACK_FAULTS");
  REQUIRE(r.status == 128 + SIGKILL);
  REQUIRE(run("restart").status == 0);  // at start the daemon parses what a client stored and did not
  REQUIRE(wait_until([&] { return !latest_updates(s.home).empty(); }));
  auto rows = latest_updates(s.home);
  REQUIRE(rows.size() == 1);
  CHECK(json::parse(rows[0].target)["number"] == 15);
  CHECK(json::parse(rows[0].body)["repo"] == "acme/widgets");  // before: no repository, an update that could only fail
}

TEST_CASE("a #12 two trackers fit is asked, not guessed, and the choice is remembered for the repository") {
  if (!have_tmux()) FAIL("tmux not installed");
  Setup s;
  // A second tracker whose tickets read #12 too, and a repository no
  // project maps to either.
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("forge"));
  std::string config = config_with_github();
  config.replace(config.find("github: {enabled: true"), 6, "forge: {enabled: true}, github");
  spit(s.home.file("config.yaml"), config);
  std::string site = make_repo(s.home.root() + "/site", "git@codeberg.org:acme/site.git");
  size_t before = 0;
  {
    InDir in(site);
    REQUIRE(run("ask --no-wait").status == 0);
    auto r = run("checkin --answer 'fixed #12'");
    CHECK(r.status == 0);
    INFO(r.err);
    CHECK(r.err.find("#12 fits more than one tracker (Recording tracker (tests), GitHub Issues), so nothing goes "
                     "to either") != std::string::npos);
    CHECK(r.out.find("text only for #12 (more than one tracker fits)") != std::string::npos);
    CHECK(s.last_response()["ambiguous_tickets"][0]["text"] == "#12");
    CHECK(s.last_response()["tickets"].empty());  // and not the branch's suggestion either
    before = latest_updates(s.home).size();
    CHECK(before == 0);
  }
  Tmux t(s.home.root());
  t.line(env_line(s.home) + "; export DEVTRACK_PLUGIN_PATH=" + plugin_dir("forge") + "; cd ../site; devtrack ask");
  REQUIRE(t.shows("What did you work on?"));
  t.line("fixed #12 for real");
  REQUIRE(t.shows("#12 fits more than one tracker. Which one? (remembered for this repository)"));
  CHECK(t.shows("1) Recording tracker (tests): #12"));
  CHECK(t.shows("2) GitHub Issues: #12"));
  CHECK(t.shows("3) keep the text only"));
  t.line("1");
  REQUIRE(t.shows("recorded prompt 2 · #12"));
  auto rows = latest_updates(s.home);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].target_plugin == "forge");
  // Remembered: the next answer in this repository goes to the same tracker.
  InDir in(site);
  REQUIRE(run("ask --no-wait").status == 0);
  auto r = run("checkin --answer 'more on #12'");
  CHECK(r.err.empty());
  rows = latest_updates(s.home);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].target_plugin == "forge");
  CHECK(json::parse(rows[0].body)["repo"] == "acme/site");
}
