// `status` latency over the daemon's socket: idle, with 500 idle
// connections held open, and while malformed messages (tests/ipc_load.h)
// pour in beside those 500 (at its session cap the daemon closes the oldest
// connection, so neither the messages nor status are locked out). Run by
// scripts/bench.sh; prints one line:
//   idle_p50 idle_p99 held_p50 held_p99 flood_p50 flood_p99 messages_per_s failed_calls
// (latencies in ms).
//   ipc_load_bench DEVTRACK_BIN MESSAGES SAMPLES
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ipc/ipc.h"
#include "ipc_load.h"

using Clock = std::chrono::steady_clock;
using namespace devtrack;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// One status round trip in ms; a failed call counts as its full timeout.
double status_ms(int& failed) {
  auto t0 = Clock::now();
  try {
    ipc::call("status", "{}", std::chrono::seconds(10));
  } catch (const std::exception&) {
    ++failed;
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::vector<double> sample(int n, int& failed) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(status_ms(failed));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: ipc_load_bench DEVTRACK_BIN MESSAGES SAMPLES\n");
    return 2;
  }
  std::string devtrack = argv[1];
  int messages = std::atoi(argv[2]);
  int samples = std::atoi(argv[3]);
  std::string root = std::filesystem::temp_directory_path() / ("devtrack-ipc-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(root + "/run");
  std::filesystem::create_directories(root + "/home");
  setenv("HOME", root.c_str(), 1);
  setenv("DEVTRACK_HOME", (root + "/home").c_str(), 1);
  setenv("XDG_RUNTIME_DIR", (root + "/run").c_str(), 1);
  std::FILE* cfg = std::fopen((root + "/home/config.yaml").c_str(), "w");
  std::fputs("plugins: {git: {enabled: true}}\n", cfg);
  std::fclose(cfg);
  if (sh(devtrack + " start >/dev/null") != 0) return 1;
  std::string socket = ipc::socket_path();

  int failed = 0;
  auto idle = sample(samples, failed);
  std::vector<double> held, flood;
  double rate = 0;
  {
    load::IdleClients clients(socket, 500);
    held = sample(samples, failed);
    // The flood runs in its own thread; status is sampled until it ends.
    std::atomic<bool> done{false};
    int unanswered = 0;  // due replies that never came (the sender thread's)
    auto t0 = Clock::now();
    std::thread sender([&] {
      auto kinds = load::malformed_kinds();
      for (int i = 0; i < messages; ++i)
        if (!load::send_one(socket, kinds[static_cast<size_t>(i) % kinds.size()])) ++unanswered;
      done = true;
    });
    while (!done) flood.push_back(status_ms(failed));
    sender.join();
    rate = messages / std::chrono::duration<double>(Clock::now() - t0).count();
    // Not in the line bench.sh reads: a reply the daemon owed and did not send.
    if (unanswered) std::fprintf(stderr, "ipc_load_bench: %d malformed messages got no reply\n", unanswered);
  }
  sh(devtrack + " stop >/dev/null");
  std::filesystem::remove_all(root);
  std::printf("%.2f %.2f %.2f %.2f %.2f %.2f %.0f %d\n", percentile(idle, 0.5), percentile(idle, 0.99),
              percentile(held, 0.5), percentile(held, 0.99), percentile(flood, 0.5), percentile(flood, 0.99), rate,
              failed);
  return 0;
}
