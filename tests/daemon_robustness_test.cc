// Odd input at the daemon's edges — huge durations, bytes that are not
// UTF-8, deep JSON, damaged spool files, unsafe plugin folders, a socket
// directory that is not private — gets a clear message and leaves the real
// daemon running. Each case here once stopped, hung or misled it.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "summary/summary_edit.h"
#include "test_support.h"
#include "util/paths.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string db_path() { return std::string(std::getenv("DEVTRACK_HOME")) + "/devtrack.db"; }

json raw_call(const std::string& line) { return json::parse(ipc::call_raw(line)); }

int64_t prompt_of(int64_t trigger_id) {
  SQLite::Database db(db_path());
  SQLite::Statement q(db, "SELECT ifnull(prompt_id, 0) FROM triggers WHERE id = ?");
  q.bind(1, trigger_id);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::vector<TriggerRow> commits_in(const std::string& repo) {
  Store store(db_path());
  TriggerQuery q;
  q.repo = repo;
  return list_triggers(store, q);
}

}  // namespace

TEST_CASE("durations past ten years are refused at every edge, naming the option and the limit") {
  TempHome home;
  RunningDaemon d("plugins:\n  timer: {enabled: true}\n");
  auto pause = run("pause --for 90000d");
  CHECK(pause.status == 2);
  CHECK(pause.err.find("--for is 90000d, more than the maximum of 10 years (3650d)") != std::string::npos);
  auto interval = run("set-interval 90000d");
  CHECK(interval.status == 2);
  CHECK(interval.err.find("DURATION is 90000d, more than the maximum of 10 years") != std::string::npos);
  auto defer = run("checkin --defer 90000d");
  CHECK(defer.status == 2);

  // Straight over IPC, past any CLI check: refused, and the daemon answers.
  json r = raw_call(R"({"v":1,"cmd":"set-interval","args":{"seconds":3744553869620158293}})");
  CHECK(r["ok"] == false);
  CHECK(r["error"]["message"].get<std::string>().find("more than the maximum of 10 years") != std::string::npos);
  r = raw_call(R"({"v":1,"cmd":"pause","args":{"for_s":9223372036854775807}})");
  CHECK(r["ok"] == false);
  CHECK(RunningDaemon::status()["running"] == true);
  CHECK(RunningDaemon::status()["paused"] == false);

  // The config: the checker says which option, at which line.
  spit(home.file("config.yaml"), "settings:\n  prompt_interval: 90000d\ntracker:\n  grace: 90000d\n");
  auto check = run("config check");
  CHECK(check.status != 0);
  CHECK(check.err.find("settings.prompt_interval is 90000d, more than the maximum of 10 years") != std::string::npos);
  CHECK(check.err.find("tracker.grace is 90000d") != std::string::npos);
}

TEST_CASE("a huge interval or pause stored by an older version does not hang the daemon") {
  TempHome home;
  {
    Store store(db_path());
    store.kv_set("daemon", "interval_s", "3744553869620158293");
    store.kv_set("daemon", "paused_until", "9223372036854775000");
  }
  // Before: the timer's deadline overflowed the clock's nanoseconds, fired
  // "in 1677" at once, again and again, and the daemon never became ready.
  RunningDaemon d("plugins:\n  timer: {enabled: true}\n");
  CHECK(RunningDaemon::status()["running"] == true);
  CHECK(run("resume").status == 0);
  CHECK(run("set-interval 2h").status == 0);
  CHECK(RunningDaemon::status()["interval_s"] == 7200);
}

TEST_CASE("a repository path and a branch name that are not UTF-8 do not stop the daemon") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/caf\xe9-latin1");
  REQUIRE(git("-C '" + repo + "' checkout -q -b 'br\xe9nch'").status == 0);
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  RunningDaemon d;
  std::string id = commit(repo, "in a latin-1 folder");
  REQUIRE(wait_until([&] {
    for (const auto& t : commits_in(repo))
      if (t.commit == id) return true;
    return false;
  }));
  CHECK(ipc::daemon_running());
  auto s = RunningDaemon::status();
  CHECK(s["running"] == true);
  // The prompt opened, with the branch shown in valid UTF-8.
  auto list = run("checkin --list --json");
  INFO(list.err);
  CHECK(list.status == 0);
  CHECK(list.out.find("br\xef\xbf\xbdnch") != std::string::npos);
}

TEST_CASE("a commit stored just before the daemon died gets its prompt at the next start") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/orphan");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  int64_t trigger_id = 0;
  {
    // What a daemon killed between storing the row and handling its
    // trigger.commit event leaves behind: the row, no prompt.
    Store store(db_path());
    TriggerRow t;
    t.kind = "commit";
    t.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    t.repo = repo;
    t.branch = "main";
    t.commit = head(repo);
    t.details = R"({"action":"commit","source":"hook"})";
    trigger_id = record_commit(store, t);
  }
  REQUIRE(trigger_id > 0);
  CHECK(prompt_of(trigger_id) == 0);
  RunningDaemon d;
  CHECK(wait_until([&] { return prompt_of(trigger_id) != 0; }));
}

TEST_CASE("spool files go only once stored, unreadable ones are kept as .bad, stale temporaries are removed") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/spooled");
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  std::string spool = home.file("spool");
  fs::create_directories(spool);
  std::string id = head(repo);
  spit(spool + "/100-1.json", json{{"v", 1}, {"cmd", "hook.commit"},
                                   {"args", {{"repo", repo}, {"commit", id}, {"branch", "main"}, {"at_ms", 1}}}}
                                  .dump());
  spit(spool + "/200-2.json", "{\"v\": 1, \"cmd\": \"hook.commit\", \"args\": ");  // cut short
  spit(spool + "/300-3.json", R"({"v": 1, "cmd": "hook.commit", "args": {"repo": 42}})");
  spit(spool + "/400-4.json.tmp", "half");
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(2);
  fs::last_write_time(spool + "/400-4.json.tmp", old);
  spit(spool + "/500-5.json.tmp", "being written right now");
  RunningDaemon d;
  CHECK(wait_until([&] { return !fs::exists(spool + "/100-1.json"); }));
  bool stored = false;
  for (const auto& t : commits_in(repo)) stored = stored || t.commit == id;
  CHECK(stored);
  CHECK(fs::exists(spool + "/200-2.bad"));
  CHECK(fs::exists(spool + "/300-3.bad"));
  CHECK_FALSE(fs::exists(spool + "/400-4.json.tmp"));
  CHECK(fs::exists(spool + "/500-5.json.tmp"));  // young: a hook may still be writing it
  CHECK(ipc::daemon_running());
}

TEST_CASE("deeply nested JSON in an IPC message is refused before it is parsed") {
  TempHome home;
  RunningDaemon d;
  std::string deep = std::string(30000, '[') + std::string(30000, ']');
  json r = raw_call(R"({"v":1,"cmd":"ping","id":)" + deep + "}");
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == "bad_json");
  CHECK(r["error"]["message"].get<std::string>().find("nests deeper than 64 levels") != std::string::npos);
  std::string deep_args = R"({"v":1,"cmd":"ping","args":)" + std::string(20000, '{') + "}";
  CHECK(raw_call(deep_args)["ok"] == false);
  // Depth inside a string is only text.
  CHECK(raw_call(R"({"v":1,"cmd":"ping","id":")" + std::string(1000, '[') + "\"}")["ok"] == true);
  CHECK(ipc::daemon_running());
}

TEST_CASE("the CLI does not talk through a socket directory that is not private") {
  TempHome home;
  std::string dir = ipc::socket_dir();
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  auto r = run("reload");
  CHECK(r.status == 1);
  CHECK(r.err.find("is open to other users (mode 0755): it must be 0700") != std::string::npos);
  fs::remove(dir);
  fs::create_directories(home.root() + "/elsewhere");
  fs::create_directory_symlink(home.root() + "/elsewhere", dir);
  r = run("reload");
  CHECK(r.status == 1);
  CHECK(r.err.find("is not a directory (a symlink?)") != std::string::npos);
  // The daemon refuses to listen there too, and says why.
  auto start = run("daemon");
  CHECK(start.status == 1);
  CHECK(start.err.find("socket directory") != std::string::npos);
}

TEST_CASE("plugins in a folder other users can write are refused, relative plugin path entries are ignored") {
  TempHome home;
  std::string shared = home.root() + "/shared-plugins";
  fs::create_directories(shared);
  for (const auto& f : fs::directory_iterator(plugin_dir("good")))
    if (f.path().extension() == ".so") fs::copy_file(f.path(), shared + "/" + f.path().filename().string());
  ::chmod(shared.c_str(), 0777);
  set_env("DEVTRACK_PLUGIN_PATH", shared);
  auto list = run("plugins list --json");
  INFO(list.err);
  REQUIRE(list.status == 0);
  json plugins = json::parse(list.out);
  bool refused = false;
  for (const auto& p : plugins)
    if (p.value("path", "").find("shared-plugins") != std::string::npos)
      refused = p.value("state", "") == "refused" &&
                p.dump().find("is writable by other users (chmod go-w it)") != std::string::npos;
  CHECK(refused);

  // A relative entry would resolve against the cwd — inside a repository.
  ::chmod(shared.c_str(), 0755);
  set_env("DEVTRACK_PLUGIN_PATH", "shared-plugins");
  auto rel = run("plugins list --json");
  CHECK(rel.out.find("shared-plugins") == std::string::npos);
}

TEST_CASE("a symlinked config.yaml stays a symlink when devtrack edits it") {
  TempHome home;
  std::string dotfiles = home.root() + "/dotfiles";
  fs::create_directories(dotfiles);
  fs::create_directories(home.path());
  spit(dotfiles + "/config.yaml", "# mine\nplugins:\n  git: {enabled: true}\n");
  fs::create_symlink(dotfiles + "/config.yaml", home.file("config.yaml"));
  auto r = run("plugins disable git");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(fs::is_symlink(home.file("config.yaml")));
  CHECK(slurp(dotfiles + "/config.yaml").find("git: {enabled: false}") != std::string::npos);
  CHECK(slurp(dotfiles + "/config.yaml").find("# mine") == 0);
}

TEST_CASE("summary --edit keeps an earlier edited copy that was not posted") {
  TempHome home;
  std::string editor = home.root() + "/editor.sh";
  spit(editor, "#!/bin/sh\necho 'my unposted notes' >> \"$1\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  set_env("EDITOR", editor);
  auto first = run("summary --edit");
  INFO(first.err);
  REQUIRE(first.status == 0);
  std::string dir = home.file("summaries");
  set_env("EDITOR", "true");
  auto second = run("summary --edit");
  CHECK(second.err.find("your earlier edited copy is kept as") != std::string::npos);
  int with_notes = 0;
  for (const auto& f : fs::directory_iterator(dir))
    if (slurp(f.path().string()).find("my unposted notes") != std::string::npos) ++with_notes;
  CHECK(with_notes == 1);
}

TEST_CASE("a 30,000-character line in an edited summary maps without a crash") {
  TempHome home;
  auto s = run("summary --format json");
  REQUIRE(s.status == 0);
  std::string long_answer = "- " + std::string(30000, 'a') + " <!-- answer 1 -->\n";
  std::string long_text = std::string(30000, ' ') + "x\n";
  std::string long_marker = "<!-- prompt " + std::string(30000, '9') + " -->\n";
  SummaryEdits e = map_summary_edits(s.out, long_answer + long_text + long_marker);
  CHECK(e.unmapped.size() >= 2);
  CHECK(strip_summary_markers("a <!-- answer 12 --> b <!-- prompt 3 -->\n") == "a b\n");
  CHECK(strip_summary_markers("keep <!-- other --> this\n") == "keep <!-- other --> this\n");
}
