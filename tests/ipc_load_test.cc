// The daemon's socket under load: 500 idle connections held open and a few
// thousand malformed messages (tests/ipc_load.h), against a real daemon.
// It stays up, `devtrack status` answers, fds do not leak, RSS settles, and
// at the fd limit it neither spins nor stays deaf.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "ipc/ipc.h"
#include "ipc_load.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

constexpr int kIdle = 500;
constexpr int kMessagesPerRound = 2000;

struct LoadDaemon {
  TempHome home;
  int pid = 0;
  std::string socket;
  LoadDaemon() {
    // This process holds the 500 connections too.
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < kIdle + 200) FAIL("the fd hard limit is below " << kIdle + 200);
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? 65536 : lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    spit(home.file("config.yaml"), "plugins:\n  git: {enabled: true}\n");
    auto r = run("start");
    INFO(r.err);
    REQUIRE(r.status == 0);
    pid = json::parse(run("status --json").out)["pid"].get<int>();
    socket = ipc::socket_path();
  }
  ~LoadDaemon() { run("stop"); }

  // The same daemon answers `devtrack status`.
  bool status_answers() const {
    json s = json::parse(run("status --json").out, nullptr, false);
    return s.is_object() && s.value("running", false) && s.value("pid", 0) == pid;
  }
  std::string log_tail() const {
    std::string log = slurp(home.file("daemon.log"));
    return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
  }

  // `n` malformed messages, the kinds in turn; returns how many due
  // replies never came.
  int send_malformed(int n) const {
    auto kinds = load::malformed_kinds();
    int missing = 0;
    for (int i = 0; i < n; ++i)
      if (!load::send_one(socket, kinds[static_cast<size_t>(i) % kinds.size()])) ++missing;
    return missing;
  }

  // One round: 500 idle connections, status while they are held, half the
  // malformed messages beside them (at its session cap the daemon closes
  // the oldest connection, so these are answered too), then the other half
  // on their own.
  void round() {
    {
      load::IdleClients idle(socket, kIdle);
      CHECK(idle.size() == static_cast<size_t>(kIdle));
      INFO(log_tail());
      CHECK(status_answers());
      CHECK(send_malformed(kMessagesPerRound / 2) == 0);
      CHECK(status_answers());
    }
    CHECK(send_malformed(kMessagesPerRound / 2) == 0);
    CHECK(status_answers());
  }
};

}  // namespace

TEST_CASE("500 idle connections and thousands of malformed messages: the daemon answers, keeps no fds and its RSS settles") {
  LoadDaemon d;
  // Warm up (the log sink opens its database at its first line, the
  // allocator grows its arenas), then measure.
  d.send_malformed(100);
  REQUIRE(d.status_answers());
  // The log sink opens its own connection with its first batch (the
  // refused hook.commit lines): wait for it before counting fds.
  REQUIRE(wait_until([&] {
    Store store(d.home.file("devtrack.db"));
    LogQuery errors;
    errors.min_level = 3;
    return !store.read_logs(errors).empty();
  }));
  int fds = load::fd_count(d.pid);
  INFO("fds before:\n" << load::fd_targets(d.pid));

  d.round();
  CHECK(wait_until([&] { return load::fd_count(d.pid) <= fds; }));
  long first = load::rss_kb(d.pid);
  d.round();
  CHECK(wait_until([&] { return load::fd_count(d.pid) <= fds; }));
  long second = load::rss_kb(d.pid);
  // The figures, for the record (bench.sh has the latencies).
  WARN("fds " << fds << " before, " << load::fd_count(d.pid) << " after; VmRSS " << first
              << " kB after the first round, " << second << " kB after the second");
#ifndef __SANITIZE_ADDRESS__
  CHECK(second - first <= 1024);
#else
  // ASan keeps freed memory in quarantine (256 MB by default): RSS grows
  // with every allocation whether or not anything leaks. The fds still count.
  (void)first;
  (void)second;
#endif
  if (load::fd_count(d.pid) > fds) FAIL_CHECK("fds after:\n" << load::fd_targets(d.pid));
  REQUIRE(wait_until([&] { return d.status_answers(); }, 30));
}

TEST_CASE("more idle connections than the fd limit: the daemon does not spin, and answers once they are released") {
  LoadDaemon d;
  // Its limit lowered from outside, as `ulimit -n 256` would at its start.
  rlimit low{256, 256};
  REQUIRE(::prlimit(d.pid, RLIMIT_NOFILE, &low, nullptr) == 0);
  load::IdleClients idle(d.socket, kIdle);
  // Let it accept up to the limit and meet EMFILE (status may or may not
  // get through meanwhile; both are fine).
  d.status_answers();
  // CPU over a window: a busy accept loop burns every tick of it. A bound
  // on a spin, not a timing: an idle daemon uses next to none.
  long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  long before = load::cpu_ticks(d.pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  long used = load::cpu_ticks(d.pid) - before;
  WARN("CPU ticks used over 2 s at the fd limit: " << used << " of " << 2 * ticks_per_s);
  INFO(d.log_tail());
  CHECK(used < ticks_per_s);  // less than half of the 2 s window
  idle.release();
  CHECK(wait_until([&] { return d.status_answers(); }, 30));
  CHECK(d.send_malformed(50) == 0);
  CHECK(d.status_answers());
}
