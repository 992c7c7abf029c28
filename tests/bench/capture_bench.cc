// Commit -> trigger stored, and -> details filled in by the worker (warm,
// and cold: the worker started for the commit), against a real daemon and
// real git. Prints medians in ms. Run by scripts/bench.sh.
//   capture_bench DEVTRACK_BIN ROUNDS
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/capture_store.h"
#include "store/store.h"

using namespace devtrack;
using Clock = std::chrono::steady_clock;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string head(const std::string& repo) {
  std::string cmd = "git -C " + repo + " rev-parse HEAD";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[64] = {0};
  if (!fgets(buf, sizeof buf, p)) buf[0] = 0;
  pclose(p);
  return std::string(buf).substr(0, 40);
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: capture_bench DEVTRACK_BIN ROUNDS\n");
    return 2;
  }
  std::string devtrack = argv[1];
  int rounds = std::atoi(argv[2]);
  std::string root = std::filesystem::temp_directory_path() / ("devtrack-capture-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(root + "/run");
  setenv("HOME", root.c_str(), 1);
  setenv("DEVTRACK_HOME", (root + "/home").c_str(), 1);
  setenv("XDG_RUNTIME_DIR", (root + "/run").c_str(), 1);
  setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  setenv("GIT_CONFIG_GLOBAL", (root + "/gitconfig").c_str(), 1);
  for (const char* v : {"GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"}) setenv(v, "Bench", 1);
  for (const char* v : {"GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"}) setenv(v, "bench@example.com", 1);
  std::filesystem::create_directories(root + "/home");
  std::FILE* cfg = std::fopen((root + "/home/config.yaml").c_str(), "w");
  std::fputs("plugins: {git: {enabled: true}, rules: {enabled: true}}\nworker: {idle_timeout: 1s}\n", cfg);
  std::fclose(cfg);
  std::string repo = root + "/repo";
  sh("git init -q " + repo + " && git -C " + repo + " commit -q --allow-empty -m initial");
  if (sh(devtrack + " repos add " + repo + " >/dev/null") != 0 || sh(devtrack + " start >/dev/null") != 0) return 1;

  Store store(root + "/home/devtrack.db");
  auto find = [&](const std::string& id, bool details) {
    for (const auto& t : list_triggers(store, {0, "", 5}))
      if (t.commit == id && (!details || t.details.find("\"summary\"") != std::string::npos)) return true;
    return false;
  };
  auto prompted = [&](const std::string& id) {
    SQLite::Statement q(store.db(), "SELECT 1 FROM triggers WHERE commit_id = ? AND prompt_id IS NOT NULL");
    q.bind(1, id);
    return q.executeStep();
  };
  std::vector<double> stored, prompt, warm, cold;
  for (int i = 0; i < rounds * 2; ++i) {
    bool cold_round = i % 2 == 1;
    if (cold_round) std::this_thread::sleep_for(std::chrono::milliseconds(1600));  // the worker exits after 1 s idle
    auto t0 = Clock::now();
    sh("git -C " + repo + " commit -q --allow-empty -m round" + std::to_string(i));
    std::string id = head(repo);
    while (!find(id, false) && ms_since(t0) < 5000) std::this_thread::sleep_for(std::chrono::microseconds(200));
    stored.push_back(ms_since(t0));
    while (!prompted(id) && ms_since(t0) < 5000) std::this_thread::sleep_for(std::chrono::microseconds(200));
    prompt.push_back(ms_since(t0));
    while (!find(id, true) && ms_since(t0) < 5000) std::this_thread::sleep_for(std::chrono::microseconds(200));
    (cold_round ? cold : warm).push_back(ms_since(t0));
  }
  sh(devtrack + " stop >/dev/null");
  std::filesystem::remove_all(root);
  std::printf("%.2f %.2f %.2f %.2f\n", median(stored), median(prompt), median(warm), median(cold));
  return 0;
}
