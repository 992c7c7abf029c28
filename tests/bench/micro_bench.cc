// Google Benchmark micro benchmarks for the host's hot paths. Run through
// scripts/bench.sh (full mode) or directly: build/bench/micro_bench.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "config/config.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "plugin/registry.h"

using namespace devtrack;

static void BM_ConfigParseDefault(benchmark::State& state) {
  const std::string& text = default_config_text();
  for (auto _ : state) benchmark::DoNotOptimize(parse_config(text, "config.yaml", {}));
}
BENCHMARK(BM_ConfigParseDefault);

static void BM_BusPublishDeliver(benchmark::State& state) {
  ManualClock clock(from_ms(0));
  EventLoop loop(clock);
  Bus bus(loop);
  int64_t seen = 0;
  bus.subscribe("trigger.*", [&](const Event&) { ++seen; });
  bus.subscribe("prompt.answer", [&](const Event&) {});
  int64_t sent = 0;
  for (auto _ : state) {
    bus.publish("trigger.commit", R"({"repo":"/src/x","commit":"abc"})");
    ++sent;
    loop.run_until([&] { return seen == sent; }, std::chrono::seconds(5));
  }
}
BENCHMARK(BM_BusPublishDeliver);

static void BM_Redact(benchmark::State& state) {
  log::add_secret("ghp_0123456789abcdefghij");
  std::string line = "POST https://api.github.com/repos/acme/x/issues/12/comments -> 201 in 123 ms";
  for (auto _ : state) benchmark::DoNotOptimize(log::redact(line));
}
BENCHMARK(BM_Redact);

// The registry read by `plugins list` with a warm cache (stat + JSON read).
static void BM_RegistryWarmCache(benchmark::State& state) {
  std::string home = std::filesystem::temp_directory_path() / "devtrack-bench-home";
  std::filesystem::create_directories(home);
  setenv("DEVTRACK_HOME", home.c_str(), 1);
  setenv("DEVTRACK_PLUGIN_PATH", DEVTRACK_TEST_PLUGINS, 1);
  load_registry();  // builds the cache once
  for (auto _ : state) benchmark::DoNotOptimize(load_registry());
  std::filesystem::remove_all(home);
}
BENCHMARK(BM_RegistryWarmCache);

BENCHMARK_MAIN();
