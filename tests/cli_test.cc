// The real devtrack binary, run as a user would.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "store/activity_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// "plugins list", "config check", ... parsed from the top-level help.
std::vector<std::string> command_names() {
  auto r = run("--help");
  std::vector<std::string> names;
  bool in = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line == "Commands:") {
      in = true;
      continue;
    }
    if (in && line.empty()) break;
    if (in) {
      auto end = line.find("   ", 2);
      names.push_back(line.substr(2, end - 2));
    }
  }
  return names;
}

const json* find_id(const json& list, const std::string& id) {
  for (const auto& p : list)
    if (p["id"] == id) return &p;
  return nullptr;
}

}  // namespace

TEST_CASE("exit codes: 0 ok, 1 failure, 2 usage") {
  TempHome home;
  CHECK(run("--version").status == 0);
  CHECK(run("--version").out.rfind("devtrack ", 0) == 0);
  CHECK(run("").status == 2);
  auto typo = run("plugns list");
  CHECK(typo.status == 2);
  CHECK(typo.err.find("unknown command 'plugns' (did you mean 'plugins'?)") != std::string::npos);
  auto bad_option = run("plugins list --jsn");
  CHECK(bad_option.status == 2);
  CHECK(bad_option.err.find("jsn") != std::string::npos);
  CHECK(run("plugins info").status == 2);  // missing ID
  auto missing = run("plugins info nothing-here");
  CHECK(missing.status == 1);
  CHECK(missing.err == "devtrack: error: no plugin 'nothing-here' is installed; see devtrack plugins list\n");
}

TEST_CASE("bin/devtrack runs what loads no code itself and hands the rest, unchanged, to devtrack-full") {
  TempHome home;
  // A bin/devtrack without its devtrack-full: what loads no code works,
  // the rest says what is missing.
  std::string prefix = home.root() + "/prefix";
  fs::create_directories(prefix + "/bin");
  fs::copy_file(build_dir() + "/bin/devtrack", prefix + "/bin/devtrack");
  auto alone = [&](const std::string& args) { return run(args, prefix + "/bin/devtrack"); };
  CHECK(alone("--version").status == 0);
  CHECK(alone("config path").out == home.file("config.yaml") + "\n");
  CHECK(alone("shell-init bash").status == 0);
  CHECK(alone("log --help").status == 1);  // even its --help is devtrack-full's
  auto log = alone("log");
  INFO(log.out + log.err);
  CHECK(log.status == 1);
  CHECK(log.err.find("cannot run " + prefix + "/libexec/devtrack/devtrack-full: No such file or directory") !=
        std::string::npos);
  // Installed together, the command line arrives as typed: its options, a
  // usage error in them, and the name devtrackctl.
  CHECK(run("log --json").out.find("[") == 0);
  auto typo = run("log --jsn");
  CHECK(typo.status == 2);
  CHECK(typo.err.find("unknown option '--jsn' (did you mean '--json'?)") != std::string::npos);
  CHECK(run("status", build_dir() + "/bin/devtrackctl").out.find("not running") != std::string::npos);
  CHECK(run("log", build_dir() + "/bin/devtrackctl").err.find("devtrackctl controls the daemon") != std::string::npos);
}

TEST_CASE("every command has --help, and the man page documents every command and option") {
  TempHome home;
  auto names = command_names();
  REQUIRE(names.size() >= 10);
  std::string man = slurp(source_dir() + "/docs/devtrack.1");
  // roff escapes the dashes of options.
  man = std::regex_replace(man, std::regex(R"(\\-)"), "-");
  for (const auto& name : names) {
    INFO(name);
    auto r = run(name + " --help");
    CHECK(r.status == 0);
    CHECK(r.out.rfind("Usage: devtrack " + name, 0) == 0);
    CHECK(man.find("devtrack " + name) != std::string::npos);
    static const std::regex option(R"(--([a-z][a-z-]+))");
    const std::string& text = r.out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
         it != std::sregex_iterator(); ++it) {
      INFO((*it)[0].str());
      CHECK(man.find((*it)[0].str()) != std::string::npos);
    }
  }
}

TEST_CASE("plugins list shows every plugin found, refused ones with their reason") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("good") + ":" + plugin_dir("broken"));
  auto r = run("plugins list --json");
  REQUIRE(r.status == 0);
  json list = json::parse(r.out);
  const json* good = find_id(list, "good-tracker");
  REQUIRE(good);
  for (const char* key : {"id", "name", "version", "kind", "enabled", "state", "path", "abi", "runs_in", "error",
                          "runtime"})
    CHECK(good->contains(key));
  CHECK((*good)["kind"] == "tracker");
  CHECK((*good)["state"] == "disabled");
  CHECK((*good)["enabled"] == false);
  CHECK((*good)["runs_in"] == "worker");
  CHECK((*good)["error"].is_null());
  CHECK((*good)["runtime"].is_null());
  int refused = 0;
  for (const auto& p : list)
    if (p["state"] == "refused") {
      ++refused;
      CHECK(p["error"].is_string());
      CHECK_FALSE(p["error"].get<std::string>().empty());
    }
  CHECK(refused >= 10);

  auto human = run("plugins list");
  CHECK(human.out.find("good-tracker") != std::string::npos);
  CHECK(human.out.find("refused: " + plugin_dir("broken") + "/not_elf.so: not a shared library (no ELF header)") !=
        std::string::npos);
}

TEST_CASE("plugins enable and disable change only that value and info shows the options") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("good"));
  spit(home.file("config.yaml"), "# mine\nplugins:\n  # the test tracker\n  good-tracker: {enabled: false, limit: 5}\n");
  auto r = run("plugins enable good-tracker");
  CHECK(r.status == 0);
  CHECK(slurp(home.file("config.yaml")) ==
        "# mine\nplugins:\n  # the test tracker\n  good-tracker: {enabled: true, limit: 5}\n");
  auto list = json::parse(run("plugins list --json").out);
  CHECK((*find_id(list, "good-tracker"))["state"] == "available");
  CHECK(run("plugins disable good-tracker").status == 0);
  CHECK(slurp(home.file("config.yaml")) ==
        "# mine\nplugins:\n  # the test tracker\n  good-tracker: {enabled: false, limit: 5}\n");
  auto typo = run("plugins enable good-trackr");
  CHECK(typo.status == 1);
  CHECK(typo.err.find("did you mean 'good-tracker'?") != std::string::npos);

  auto info = json::parse(run("plugins info good-tracker --json").out);
  CHECK(info["options"].size() == 7);
  CHECK(info["options"][3]["name"] == "limit");
  CHECK(info["options"][3]["type"] == "int");
  CHECK(info["options"][3]["default"] == "10");
  auto text = run("plugins info good-tracker").out;
  CHECK(text.find("A secret option.") != std::string::npos);
}

TEST_CASE("config init, check and path") {
  TempHome home;
  CHECK(run("config path").out == home.file("config.yaml") + "\n");
  CHECK(run("config check").status == 0);  // no file: defaults
  CHECK(run("config init").status == 0);
  CHECK(slurp(home.file("config.yaml")) == slurp(source_dir() + "/config/config.yaml"));
  CHECK(run("config init").status == 1);  // exists
  CHECK(run("config init --force").status == 0);
  auto ok = run("config check");
  CHECK(ok.status == 0);
  CHECK(ok.out.find(": OK") != std::string::npos);

  spit(home.file("config.yaml"), "settings:\n  prompt_intervl: 3h\n");
  auto bad = run("config check");
  CHECK(bad.status == 1);
  CHECK(bad.err == home.file("config.yaml") +
                       ":2:3: error: unknown key 'settings.prompt_intervl' (did you mean 'prompt_interval'?)\n");
  auto j = json::parse(run("config check --json").out);
  CHECK(j["ok"] == false);
  CHECK(j["diagnostics"][0]["line"] == 2);
  // Commands that need the config refuse a broken one clearly.
  auto list = run("plugins list");
  CHECK(list.status == 1);
  CHECK(list.err.find("the config has errors") != std::string::npos);
}

TEST_CASE("config check and doctor say which plugins are effectively enabled, the default bundle included") {
  TempHome home;
  auto none = run("config check");
  CHECK(none.status == 0);
  CHECK(none.out.find("enabled plugins: editor, git, github, notify, rules, timer, tty\n") != std::string::npos);
  spit(home.file("config.yaml"), "plugins:\n  github: {token: env:GH_TOKEN}\n  notify: {enabled: false}\n"
                                 "  jira: {enabled: true, base_url: \"https://x.atlassian.net\", email: a@b.c, token: env:J}\n");
  auto some = run("config check");
  INFO(some.out << some.err);
  CHECK(some.out.find("enabled plugins: editor (default), git (default), github (default), jira, rules (default), "
                      "timer (default), tty (default)\n") != std::string::npos);
  json j = json::parse(run("config check --json").out);
  std::vector<std::string> ids;
  for (const auto& p : j["enabled_plugins"]) ids.push_back(p["id"]);
  CHECK(ids == std::vector<std::string>{"editor", "git", "github", "jira", "rules", "timer", "tty"});
  CHECK(j["enabled_plugins"][3]["by_default"] == false);
  json doctor = json::parse(run("doctor --json").out);
  bool listed = false;
  for (const auto& c : doctor["checks"])
    if (c["check"] == "enabled plugins") listed = c["detail"] == "editor, git, github, jira, rules, timer, tty";
  CHECK(listed);
}

TEST_CASE("logs reads the logs table and gc removes old lines") {
  TempHome home;
  CHECK(run("logs").status == 0);
  {
    Store store(home.file("devtrack.db"));
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    store.append_logs({{0, now - 40LL * 86'400'000, "info", "daemon", "ancient"},
                       {0, now - 1000, "warn", "github", "rate limited"},
                       {0, now, "info", "daemon", "recent"}});
  }
  auto r = run("logs");
  CHECK(r.status == 0);
  CHECK(r.out.find("warn [github] rate limited") != std::string::npos);
  auto warn = run("logs --level warn --json");
  auto line = json::parse(warn.out.substr(0, warn.out.find('\n')));
  CHECK(line["message"] == "rate limited");
  CHECK(run("logs -n 1").out.find("recent") != std::string::npos);
  CHECK(run("logs -n 1").out.find("ancient") == std::string::npos);
  CHECK(json::parse(run("gc --dry-run --json").out)["logs"] == 1);
  CHECK(run("gc").out.find("removed 1 log line") == 0);
  CHECK(run("logs").out.find("ancient") == std::string::npos);
}

TEST_CASE("gc removes activity older than activity.retention, or --activity-older-than") {
  TempHome home;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  {
    Store store(home.file("devtrack.db"));
    record_activity(store, {now - 100LL * 86'400'000, "/src/a", "edit", "/src/a/x.c"}, false);
    record_activity(store, {now - 10LL * 86'400'000, "/src/a", "edit", "/src/a/x.c"}, false);
    record_activity(store, {now - 1000, "/src/a", "commit", ""}, false);
  }
  CHECK(json::parse(run("gc --dry-run --json").out)["activity"] == 1);  // 90d by default
  CHECK(json::parse(run("gc --dry-run --json --activity-older-than 7d").out)["activity"] == 2);
  auto bad = run("gc --activity-older-than soon");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--activity-older-than takes a duration") != std::string::npos);
  CHECK(run("gc --activity-older-than 7d").out.find("2 heartbeats older than 7d") != std::string::npos);
  Store store(home.file("devtrack.db"));
  CHECK(activity_times(store, "", 0, now).size() == 1);
}

TEST_CASE("completion scripts for bash, zsh and fish") {
  TempHome home;
  auto bash = run("completion bash");
  CHECK(bash.status == 0);
  CHECK(bash.out.find("complete -F _devtrack devtrack") != std::string::npos);
  CHECK(bash.out.find("\"plugins list\") COMPREPLY=($(compgen -W \"--json --help\"") != std::string::npos);
  // The bash script is valid bash.
  spit(home.file("c.bash"), bash.out);
  CHECK(run("-n '" + home.file("c.bash") + "'", "/bin/bash").status == 0);
  CHECK(run("completion zsh").out.rfind("#compdef devtrack", 0) == 0);
  CHECK(run("completion fish").out.find("complete -c devtrack") != std::string::npos);
  CHECK(run("completion tcsh").status == 2);
}

TEST_CASE("the configuration reference documents every option of every bundled plugin") {
  TempHome home;
  std::string doc = slurp(source_dir() + "/docs/configuration.md");
  json list = json::parse(run("plugins list --json").out);
  for (const auto& p : list) {
    if (p["source"] != "bundled" || p["state"] == "refused") continue;
    std::string id = p["id"];
    INFO(id);
    CHECK(doc.find("### " + id) != std::string::npos);
    json info = json::parse(run("plugins info " + id + " --json").out);
    for (const auto& o : info["options"]) CHECK(doc.find("`" + o["name"].get<std::string>() + "`") != std::string::npos);
  }
}

TEST_CASE("plugins enable and disable reach a running daemon and say so") {
  TempHome home;
  spit(home.file("config.yaml"), "plugins:\n  git: {enabled: true}\n  timer: {enabled: true}\n");
  auto offline = run("plugins disable timer");
  CHECK(offline.out.find("the daemon is not running: it applies this when it starts") != std::string::npos);
  RunningDaemon d("");
  auto running = [](const std::string& id) {
    json status = RunningDaemon::status();  // held: a range over a temporary's member would dangle
    for (const auto& p : status["plugins"])
      if (p["id"] == id) return true;
    return false;
  };
  CHECK_FALSE(running("timer"));
  auto on = run("plugins enable timer");
  CHECK(on.status == 0);
  CHECK(on.out.find("the running daemon applied it") != std::string::npos);
  CHECK(running("timer"));  // before: only after `devtrack reload`
  // A config the daemon refuses: it says it keeps the one it runs with.
  spit(home.file("config.yaml"), "plugins:\n  git: {enabled: true}\n  timer: {enabled: true, bogus: 1}\n");
  auto refused = run("plugins disable timer");
  CHECK(refused.err.find("keeps running with its previous config") != std::string::npos);
  CHECK(refused.err.find("start again") == std::string::npos);
  CHECK(running("timer"));
}

TEST_CASE("doctor on a machine without a desktop warns about notify and still passes") {
  TempHome home;
  ::unsetenv("DISPLAY");
  ::unsetenv("WAYLAND_DISPLAY");
  ::unsetenv("DBUS_SESSION_BUS_ADDRESS");
  RunningDaemon d("plugins:\n  git: {enabled: true}\n  notify: {enabled: true}\n  github: {enabled: false}\n");
  auto r = run("doctor");
  INFO(r.out << r.err);
  CHECK(r.out.find("warn  notify: desktop session") != std::string::npos);
  CHECK(r.out.find("FAIL") == std::string::npos);
  CHECK(r.status == 0);  // before: exit 1 on every headless machine
  json j = json::parse(run("doctor --json").out);
  CHECK(j["ok"] == true);
}

// Issue 14 item 13: usage errors say what to do and exit 2 everywhere.
TEST_CASE("usage errors: did you mean for options, a value with spaces, days as people say them, exit 2") {
  TempHome home;
  auto option = run("status --jsno");
  CHECK(option.status == 2);
  CHECK(option.err.find("unknown option '--jsno' (did you mean '--json'?)") != std::string::npos);
  auto spaces = run("pause --for 2 hours");
  CHECK(spaces.status == 2);
  CHECK(spaces.err.find("a value with spaces needs quotes, like --for '2 hours'") != std::string::npos);
  auto quoted = run("pause --for '2 hours'");
  CHECK(quoted.status == 0);
  CHECK(quoted.out.find("paused for 2 hours") != std::string::npos);
  CHECK(run("summary --date tomorrow").status == 2);
  CHECK(run("report --format pdf").status == 2);
  CHECK(run("report --from last-week").status == 0);
  fs::create_directories(home.root() + "/not-a-repo");
  auto repo = run("repos add '" + home.root() + "/not-a-repo'");
  CHECK(repo.status == 1);
  CHECK(repo.err.find("is not a git repository") != std::string::npos);
  CHECK(repo.err.find("fatal:") == std::string::npos);  // git's own words do not leak through
  // parse: JSON for scripts (a pipe, or --json).
  CHECK(json::parse(run("parse '#12 login, 30m, wip'").out)["status"] == "in_progress");
}

TEST_CASE("parse: several parsers are merged field by field in parse.order, and --explain says who gave what") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("pomodoro"));
  const std::string projects =
      "projects:\n  - id: widgets\n    trackers: {github: acme/widgets}\n  - id: billing\n    aliases: [invoices]\n";
  // rules first (in search order the env path would come first).
  spit(home.file("config.yaml"), projects + "parse: {order: [rules, pomodoro], min_confidence: 0.6}\n"
                                            "plugins: {pomodoro: {enabled: true}}\n");
  auto r = run("parse --json --explain 'fixed #12 and issue 14 in widgets, 2 pomodoros [b], done'");
  REQUIRE(r.status == 0);
  json p = json::parse(r.out);
  // rules names the project and is sure (0.9): it wins over pomodoro's [b].
  CHECK(p["project"] == "widgets");
  CHECK(p["explain"]["project"]["parser"] == "rules");
  // rules reads no pomodoros: the duration is pomodoro's, 2 x 25 min.
  CHECK(p["duration_minutes"] == 50);
  CHECK(p["explain"]["duration_minutes"]["parser"] == "pomodoro");
  CHECK(p["explain"]["duration_minutes"]["confidence"] == 0.95);
  CHECK(p["status"] == "done");
  // Tickets: the union, each once.
  REQUIRE(p["tickets"].size() == 2);
  CHECK(p["explain"]["tickets"][0] == json{{"text", "#12"}, {"parser", "rules"}});
  CHECK(p["explain"]["tickets"][1] == json{{"text", "#14"}, {"parser", "pomodoro"}});

  // An unsure earlier parser's field loses to a sure later one: rules reads
  // billing (from "invoices") but is only 0.5 sure; pomodoro is 0.9 sure.
  p = json::parse(run("parse --json --explain 'invoices for 2 pomodoros [w]'").out);
  CHECK(p["project"] == "widgets");
  CHECK(p["explain"]["project"]["parser"] == "pomodoro");
  // With a bar rules clears, its earlier answer stands.
  spit(home.file("config.yaml"), projects + "parse: {order: [rules, pomodoro], min_confidence: 0.5}\n"
                                            "plugins: {pomodoro: {enabled: true}}\n");
  p = json::parse(run("parse --json 'invoices for 2 pomodoros [w]'").out);
  CHECK(p["project"] == "billing");
  // --parser asks one alone.
  p = json::parse(run("parse --json --parser pomodoro 'fixed #12, 1 pomodoro'").out);
  CHECK(p["tickets"].empty());
  CHECK(p["duration_minutes"] == 25);
  // parse.order is checked.
  spit(home.file("config.yaml"), projects + "parse: {order: [tty], min_confidence: 2}\n");
  r = run("config check");
  CHECK(r.status != 0);
  CHECK(r.err.find("parse.order: 'tty' is a surface plugin, not a parser") != std::string::npos);
  CHECK(r.err.find("parse.min_confidence must be a number from 0 to 1, not '2'") != std::string::npos);
}
