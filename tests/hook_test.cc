// The real post-commit hook (devtrack-hook) run as git runs it, against the
// real daemon or against a listening socket the test holds in the daemon's
// place, in real repositories under hostile paths.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <devtrack/text.hpp>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string hook_bin() { return build_dir() + "/libexec/devtrack/devtrack-hook"; }

// The daemon for the current TempHome, watching git commits.
using Daemon = RunningDaemon;

size_t count_commit(const std::string& id) {
  Store store(std::string(std::getenv("DEVTRACK_HOME")) + "/devtrack.db");
  size_t n = 0;
  for (const auto& t : list_triggers(store, TriggerQuery{}))
    if (t.kind == "commit" && t.commit == id) ++n;
  return n;
}

// How a spawned process ended: its exit status, -signal, or nullopt if it
// was still running at the bound (then it was killed).
using Ended = std::optional<int>;

// Runs argv in a child of its own process group after `setup` (which runs
// in the child: chdir, deep directories...). Waits at most `bound_s` seconds
// (a bound for a hang, not a timing), then kills the whole group.
Ended spawn(const std::function<void()>& setup, const std::vector<std::string>& argv, int bound_s = 20) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    setup();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  bool done = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, bound_s);
  if (!done) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return std::nullopt;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void chdir_or_die(const std::string& dir) {
  if (::chdir(dir.c_str()) != 0) ::_exit(126);
}

// A hooks directory as `repos add` leaves it when there was a hook before:
// post-commit -> devtrack-hook, and the user's hook beside it, which records
// that it ran and exits 3 (so its status is visibly what the hook returns).
struct Hooks {
  std::string dir, marker;
  explicit Hooks(const std::string& root) : dir(root + "/hooks"), marker(root + "/chained-ran") {
    fs::create_directories(dir);
    fs::create_symlink(hook_bin(), dir + "/post-commit");
    spit(dir + "/post-commit.devtrack-chained", "#!/bin/sh\necho ran >> '" + marker + "'\nexit 3\n");
    fs::permissions(dir + "/post-commit.devtrack-chained", fs::perms::owner_all);
  }
  std::string hook() const { return dir + "/post-commit"; }
  bool chained_ran() const { return slurp(marker) == "ran\n"; }
  Ended run_in(const std::string& cwd) const {
    return spawn([&] { chdir_or_die(cwd); }, {hook()});
  }
};

// A listening socket where the daemon's would be, held by the test: it
// shows exactly what the hook sent, or that it sent nothing.
struct Catcher {
  int fd = -1;
  // listen_euid: the uid the server had at listen(), which is what the
  // client's SO_PEERCRED reports (-1: ours).
  explicit Catcher(const std::string& dir = ipc::socket_dir(), mode_t mode = 0700, int listen_euid = -1) {
    fs::create_directories(dir);
    ::chmod(dir.c_str(), mode);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = dir + "/daemon.sock";
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (listen_euid >= 0) REQUIRE(::seteuid(listen_euid) == 0);
    int listened = ::listen(fd, 16);
    if (listen_euid >= 0) REQUIRE(::seteuid(0) == 0);
    REQUIRE(listened == 0);
  }
  ~Catcher() { ::close(fd); }
  // What a hook that has already exited sent: its connection would be
  // waiting in the backlog, so a non-blocking accept finds it or none.
  // nullopt: nothing was sent (no connection, or one closed without a byte,
  // as when the hook refuses the peer after connecting).
  std::optional<std::string> taken() const {
    int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return std::nullopt;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string line;
    char buf[65536];
    for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) line.append(buf, static_cast<size_t>(n));
    ::close(c);
    if (line.empty()) return std::nullopt;
    return line;
  }
};

// The hook's message: one line of JSON, parsed (throws if it is not JSON).
json parse_line(const std::string& line) {
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  json m = json::parse(line);
  CHECK(m["cmd"] == "hook.commit");
  return m["args"];
}

std::vector<std::string> spooled() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(std::string(std::getenv("DEVTRACK_HOME")) + "/spool", ec))
    out.push_back(f.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// count directories of `name` nested under base: the path of the innermost.
std::string nest(const std::string& base, const std::string& name, int count) {
  std::string path = base;
  for (int i = 0; i < count; ++i) path += "/" + name;
  fs::create_directories(path);
  return path;
}

// Every byte from 0x01 to 0x1f, cycled: a name of control characters.
// without_newline: for paths that go through `repos add`, which reads
// `git rev-parse` output line by line.
std::string control_name(size_t length, bool without_newline = false) {
  std::string name;
  for (size_t i = 0; name.size() < length; ++i)
    if (!without_newline || 1 + i % 31 != '\n') name += static_cast<char>(1 + i % 31);
  return name;
}

}  // namespace

TEST_CASE("a cwd of thousands of control characters: the hook sends valid JSON and the chained hook runs") {
  TempHome home;
  // ~3,000 bytes, each escaped to 6 in JSON twice over (repo, git_dir): the
  // old fixed 16 KiB buffer overflowed the stack here.
  std::string repo = make_repo(nest(home.root(), control_name(200), 15));
  REQUIRE(repo.size() > 3000);
  Hooks hooks(home.root());
  Catcher daemon;
  CHECK(hooks.run_in(repo) == Ended(3));  // the chained hook's status, no SIGSEGV
  CHECK(hooks.chained_ran());
  auto line = daemon.taken();
  REQUIRE(line);
  json args = parse_line(*line);
  CHECK(args["repo"] == repo);
  CHECK(args["git_dir"] == repo + "/.git");
  CHECK(args["commit"] == head(repo));
  CHECK(args["branch"] == "main");
  CHECK(args["at_ms"].is_number_integer());
}

TEST_CASE("git commit in a long cwd of control characters: the daemon stores it and the chained hook runs") {
  TempHome home;
  // Mostly control characters, so that the escaped paths outgrow the old
  // hook's 16 KiB buffer.
  std::string repo = make_repo(nest(home.root(), "d" + control_name(160, true) + std::string(40, 'x'), 12));
  REQUIRE(repo.size() > 2400);
  std::string marker = home.root() + "/chained-ran";
  spit(repo + "/.git/hooks/post-commit", "#!/bin/sh\necho ran >> '" + marker + "'\n");
  fs::permissions(repo + "/.git/hooks/post-commit", fs::perms::owner_all);
  Daemon d;
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  std::string id = commit(repo, "deep");
  CHECK(slurp(marker) == "ran\n");
  REQUIRE(wait_until([&] { return count_commit(id) == 1; }));
  CHECK(ipc::daemon_running());
}

TEST_CASE("a cwd beyond PATH_MAX: no report, the chained hook still runs") {
  TempHome home;
  Hooks hooks(home.root());
  Catcher daemon;
  std::string base = home.root() + "/deep";
  fs::create_directories(base);
  // 20 x 251 bytes: getcwd() cannot return it. Made relative to the cwd,
  // in the child, since no path call takes it whole.
  std::string name(250, 'd');
  auto ended = spawn(
      [&] {
        chdir_or_die(base);
        for (int i = 0; i < 20; ++i) {
          ::mkdir(name.c_str(), 0700);
          chdir_or_die(name);
        }
      },
      {hooks.hook()});
  run("-rf '" + base + "'", "/bin/rm");  // rm walks it relatively; std::filesystem cannot
  CHECK(ended == Ended(3));
  CHECK(hooks.chained_ran());
  CHECK_FALSE(daemon.taken());
  CHECK(spooled().empty());
}

TEST_CASE("a path and a branch that are not UTF-8: each bad byte is sent as U+FFFD") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/caf\xe9-r\xe9sum\xe9-\xff\xfe-\xc3");
  std::string branch = "br\xe9-\xed\xa0\x80-\xf4\x90\x80\x80-ok-\xc3\xa9";  // latin-1, a surrogate, past U+10FFFF
  REQUIRE(git("-C '" + repo + "' checkout -q -b '" + branch + "'").status == 0);
  Hooks hooks(home.root());
  Catcher daemon;
  CHECK(hooks.run_in(repo) == Ended(3));
  auto line = daemon.taken();
  REQUIRE(line);
  json args = parse_line(*line);  // the old hook sent the raw bytes: not JSON
  CHECK(args["repo"] == sdk::to_valid_utf8(repo));
  CHECK(args["repo"].get<std::string>().find("caf\xef\xbf\xbd-r") != std::string::npos);
  CHECK(args["branch"] == sdk::to_valid_utf8(branch));
  CHECK(args["branch"].get<std::string>().find("-ok-\xc3\xa9") != std::string::npos);  // valid UTF-8 kept
  CHECK(args["commit"] == head(repo));
}

TEST_CASE("a repository in an ISO-8859-1 directory: the daemon stores the commit and stays up") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/projet-\xe9t\xe9");
  Daemon d;
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  std::string id = commit(repo, "latin-1 path");
  REQUIRE(wait_until([&] { return count_commit(id) == 1; }));
  CHECK(ipc::daemon_running());
  std::string later = commit(repo, "and another");
  REQUIRE(wait_until([&] { return count_commit(later) == 1; }));
  CHECK(ipc::daemon_running());
}

namespace {

// Sends SIGCONT when the test ends, whatever failed: a stopped daemon would
// keep the TempHome's `stop` waiting.
struct Stopped {
  int pid;
  explicit Stopped(int p) : pid(p) { ::kill(pid, SIGSTOP); }
  ~Stopped() { resume(); }
  void resume() const { ::kill(pid, SIGCONT); }
};

// Connections that nobody accepts, until the listen backlog is full (a
// non-blocking connect then fails with EAGAIN).
struct Backlog {
  std::vector<int> fds;
  explicit Backlog(const std::string& path) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path.c_str());
    for (int i = 0; i < 100000; ++i) {
      int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) break;
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        full = errno == EAGAIN;
        ::close(fd);
        break;
      }
      fds.push_back(fd);
    }
  }
  ~Backlog() { release(); }
  void release() {
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
  bool full = false;
};

}  // namespace

TEST_CASE("git commit does not wait on a stopped daemon with a full backlog: the commit is spooled") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/stopped");
  Daemon d;
  REQUIRE(run("repos add '" + repo + "'").status == 0);
  Stopped stopped(Daemon::pid());
  Backlog backlog(ipc::socket_path());
  INFO(backlog.fds.size() << " connections queued");
  REQUIRE(backlog.full);
  // The old hook's blocking connect() parked git until the daemon woke.
  CHECK(spawn([] {}, {"git", "-C", repo, "commit", "-q", "--allow-empty", "-m", "while stopped"}, 10) == Ended(0));
  std::string id = head(repo);
  auto files = spooled();
  REQUIRE(files.size() == 1);
  CHECK(fs::path(files[0]).extension() == ".json");
  CHECK(parse_line(slurp(files[0]))["commit"] == id);
  CHECK((fs::status(files[0]).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));

  stopped.resume();
  backlog.release();
  REQUIRE(wait_until([&] { return count_commit(id) == 1; }));  // the reflog watcher, woken
  // The spool is read at start: a restart takes the message, without a duplicate.
  REQUIRE(run("stop").status == 0);
  REQUIRE(run("start").status == 0);
  REQUIRE(wait_until([] { return spooled().empty(); }));
  CHECK(count_commit(id) == 1);
}

TEST_CASE("the hook talks only to a socket directory of its own uid, not a symlink, mode 0700") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/private");
  Hooks hooks(home.root());
  std::string dir = ipc::socket_dir();
  // Not sent, but kept: the daemon ingests the spool when it starts.
  auto refused_by = [&](const Catcher& server) {
    CHECK(hooks.run_in(repo) == Ended(3));
    CHECK_FALSE(server.taken());
    auto files = spooled();
    REQUIRE(files.size() == 1);
    CHECK(parse_line(slurp(files[0]))["commit"] == head(repo));
  };

  SECTION("a symlink to a directory that would pass") {
    Catcher elsewhere(home.root() + "/elsewhere");
    fs::create_directory_symlink(home.root() + "/elsewhere", dir);
    refused_by(elsewhere);
  }
  SECTION("a directory open to others") {
    Catcher open(dir, 0755);
    refused_by(open);
  }
  // Only root can hand a directory or a listening socket to another user.
  SECTION("as root: a directory another user owns") {
    if (::geteuid() != 0) return;
    Catcher theirs(dir);
    REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
    refused_by(theirs);
  }
  SECTION("as root: our directory, but a server of another uid") {
    if (::geteuid() != 0) return;
    Catcher theirs(dir, 0700, 65534);
    refused_by(theirs);
  }
}

TEST_CASE("the hook sends to its own daemon's private socket") {
  TempHome home;
  std::string repo = make_repo(home.root() + "/ours");
  Hooks hooks(home.root());
  Catcher daemon;  // 0700, ours, listening as us: the checks let it through
  CHECK(hooks.run_in(repo) == Ended(3));
  auto line = daemon.taken();
  REQUIRE(line);
  CHECK(parse_line(*line)["commit"] == head(repo));
  CHECK(spooled().empty());
}

TEST_CASE("spool files are created exclusively, never through a symlink, and the rename is fsynced") {
  TempHome home;
  if (run("-o /dev/null true", "/usr/bin/strace").status != 0) {
    WARN("strace cannot trace here: not checked");
    return;
  }
  std::string repo = make_repo(home.root() + "/spool");
  Hooks hooks(home.root());
  std::string trace = home.root() + "/trace";
  // No daemon: the hook spools. strace shows the system calls it made.
  auto ended = spawn([&] { chdir_or_die(repo); },
                     {"strace", "-qq", "-o", trace, "-e", "trace=openat,fsync,rename,close", hooks.hook()});
  CHECK(ended == Ended(3));
  auto files = spooled();
  REQUIRE(files.size() == 1);
  CHECK(parse_line(slurp(files[0]))["commit"] == head(repo));

  std::istringstream lines(slurp(trace));
  std::vector<std::string> calls;
  for (std::string l; std::getline(lines, l);) calls.push_back(l);
  // The first call from `from` on whose line holds every one of `parts`.
  auto find = [&](std::vector<std::string> parts, size_t from = 0) {
    for (size_t i = from; i < calls.size(); ++i)
      if (std::all_of(parts.begin(), parts.end(), [&](auto& p) { return calls[i].find(p) != std::string::npos; }))
        return i;
    return calls.size();
  };
  INFO(slurp(trace));
  size_t created = find({"openat(", ".json.tmp\"", "O_CREAT", "O_EXCL", "O_NOFOLLOW", "0600"});
  REQUIRE(created < calls.size());
  size_t renamed = find({"rename(", ".json.tmp\""}, created);
  REQUIRE(renamed < calls.size());
  CHECK(calls[renamed].find("= 0") != std::string::npos);
  CHECK(find({"fsync("}, created) < renamed);  // the file's data first
  // Then the directory, opened after the rename and fsynced.
  size_t opened = find({"openat(", "/spool\"", "O_DIRECTORY"}, renamed);
  REQUIRE(opened < calls.size());
  std::string fd = calls[opened].substr(calls[opened].rfind("= ") + 2);
  CHECK(find({"fsync(" + fd + ")"}, opened) < calls.size());
}
