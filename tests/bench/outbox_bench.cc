// The outbox: the cost of queueing an update (the transaction that stores a
// parse and its rows), and the time to drain N queued updates through the
// real daemon, worker and a tracker plugin — the recording tracker (no
// network: the host's own overhead) or the GitHub plugin against prism.
//   outbox_bench DEVTRACK_BIN N recording PLUGIN_DIR
//   outbox_bench DEVTRACK_BIN N github PRISM_PORT
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "outbox/outbox.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"

using namespace devtrack;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: outbox_bench DEVTRACK_BIN N recording PLUGIN_DIR | github PRISM_PORT\n");
    return 2;
  }
  std::string devtrack = argv[1], mode = argv[3], where = argv[4];
  int n = std::atoi(argv[2]);
  std::string root = std::filesystem::temp_directory_path() / ("devtrack-outbox-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(root + "/home");
  std::filesystem::create_directories(root + "/run");
  setenv("HOME", root.c_str(), 1);
  setenv("DEVTRACK_HOME", (root + "/home").c_str(), 1);
  setenv("XDG_RUNTIME_DIR", (root + "/run").c_str(), 1);
  std::string config = "tracker: {grace: 1h}\nplugins:\n";
  if (mode == "recording") {
    setenv("DEVTRACK_PLUGIN_PATH", where.c_str(), 1);
    config += "  github: {enabled: true}\n";
  } else {
    setenv("GH_TOKEN", "ghp_bench_token_0123456789", 1);
    config += "  github: {enabled: true, base_url: \"http://127.0.0.1:" + where + "\"}\n";
  }
  FILE* f = std::fopen((root + "/home/config.yaml").c_str(), "w");
  std::fputs(config.c_str(), f);
  std::fclose(f);

  PluginInfo github;
  github.id = "github";
  github.kind = "tracker";
  ConfigResult cfg = parse_config(config, "config.yaml", {github});
  Config c = cfg.config;
  c.plugins["github"].enabled = true;
  Store store(root + "/home/devtrack.db");
  PromptRow p;
  p.kind = "manual";
  p.created_ms = 1;
  int64_t prompt = create_prompt(store, p);
  int64_t response = record_response(store, prompt, PromptState::kAnswered, "bench", 1);
  json tickets = json::array();
  for (int i = 1; i <= n; ++i) tickets.push_back({{"system", "github"}, {"repo", "acme/widgets"}, {"number", i}});
  json parsed = {{"tickets", tickets}, {"duration_minutes", 30}, {"status", "done"}, {"project", nullptr}};
  auto t0 = Clock::now();
  auto rows = plan_updates(c, response, parsed.dump(), R"({"text":"bench answer","commits":[]})", 1);
  store_parse_and_updates(store, response, parsed.dump(), rows, 1);
  double queue_us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;

  if (std::system((devtrack + " start >/dev/null").c_str()) != 0) return 1;
  auto t1 = Clock::now();
  int rc = std::system((devtrack + " sync --wait 600 >/dev/null").c_str());
  double drain_s = std::chrono::duration<double>(Clock::now() - t1).count();
  int sent = 0;
  for (const auto& u : list_updates(store, n + 10)) sent += u.state == UpdateState::kSent;
  std::system((devtrack + " stop >/dev/null").c_str());
  std::filesystem::remove_all(root);
  std::printf("%d %.1f %.2f %.2f %d\n", n, queue_us, drain_s, drain_s * 1000 / n, rc == 0 ? sent : -sent);
  return 0;
}
