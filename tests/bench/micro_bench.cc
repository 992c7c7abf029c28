// Google Benchmark micro benchmarks for the host's hot paths. Run through
// scripts/bench.sh (full mode) or directly: build/bench/micro_bench.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "config/config.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"

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

// One answer through the rules parser plugin, through the C ABI (the
// target is <= 20 us per answer). The host sends the same context for
// every answer about one repository, which the parser keeps compiled;
// state.range(0) = 1 sends a new one each time (its worst case).
static void BM_ParseAnswer(benchmark::State& state) {
  ManualClock clock(from_ms(0));
  EventLoop loop(clock, 1);
  Bus bus(loop);
  PluginHost host(loop, bus, nullptr, "client");
  PluginInfo info;
  info.path = DEVTRACK_BUILD_PLUGINS "/rules.so";
  info.id = "rules";
  std::string error;
  if (!host.start(info, "{}", &error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto iface = host.interface("rules", DEVTRACK_PARSER_V1);
  auto* parser = static_cast<const dt_parser_v1*>(iface.table);
  const char* context =
      R"({"branch":"feature/PRX-123-login","projects":[{"id":"projectx","name":"ProjectX","aliases":["px"],)"
      R"("repos":["acme/projectx"],"github":"acme/projectx","jira":["PRX"]},{"id":"billing","name":"Billing API",)"
      R"("aliases":["billing"],"github":"acme/billing-api","jira":["BILL"]}]})";
  const char* answer = "fixed the login redirect for PRX-123 and acme/web#12, about 1h30, waiting on review";
  std::string other = std::string(context) + " ";  // the same context, written differently
  bool fresh = state.range(0) == 1;
  int64_t n = 0;
  for (auto _ : state) {
    StringOut out;
    parser->parse(iface.self, answer, fresh && (++n & 1) ? other.c_str() : context, &out.out);
    benchmark::DoNotOptimize(out.text);
  }
}
BENCHMARK(BM_ParseAnswer)->Arg(0)->Arg(1);

BENCHMARK_MAIN();
