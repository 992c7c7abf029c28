// Google Benchmark micro benchmarks for the host's hot paths. Run through
// scripts/bench.sh (full mode) or directly: build/bench/micro_bench.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>

#include "checkin/activity_time.h"
#include "config/config.h"
#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "store/activity_store.h"
#include "store/prompt_store.h"
#include "store/store.h"

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

// A duration proposed from activity (checkin/activity_time.h) with a year
// of heartbeats in the store: one every 2 minutes, 09:00-17:00 on work days
// (~62,000 rows), the answer at 16:00 on the last day after a 12:00 answer.
// The target is <= 5 ms.
static void BM_ProposeDurationYear(benchmark::State& state) {
  std::string home = std::filesystem::temp_directory_path() / "devtrack-bench-activity";
  std::filesystem::remove_all(home);
  std::filesystem::create_directories(home);
  constexpr int64_t kMin = 60'000, kDayMs = 86'400'000;
  const int64_t first = 1'748'822'400'000;  // Monday 2025-06-02 00:00 UTC
  const std::string repo = "/src/widgets";
  int64_t last_day = first;
  {
    Store store(home + "/devtrack.db");
    SQLite::Transaction tx(store.db());
    for (int d = 0; d < 365; ++d) {
      if (d % 7 >= 5) continue;  // the weekend
      int64_t day = first + d * kDayMs;
      last_day = day;
      for (int64_t t = day + 9 * 60 * kMin; t < day + 17 * 60 * kMin; t += 2 * kMin)
        record_activity(store, {t, repo, "edit", repo + "/src/main.c"}, false);
    }
    tx.commit();
  }
  Store store(home + "/devtrack.db");
  Config config;
  config.settings.timezone = "UTC";
  PromptRow earlier;
  earlier.kind = "commit";
  earlier.repo = repo;
  earlier.created_ms = last_day + 12 * 60 * kMin;
  earlier.id = create_prompt(store, earlier);
  record_response(store, earlier.id, PromptState::kAnswered, "the morning", earlier.created_ms);
  PromptRow p = earlier;
  p.created_ms = last_day + 16 * 60 * kMin;
  p.id = create_prompt(store, p);
  int minutes = 0;
  for (auto _ : state) {
    auto proposal = propose_duration(store, config, p, p.created_ms);
    minutes = proposal ? proposal->minutes : 0;
    benchmark::DoNotOptimize(minutes);
  }
  state.counters["minutes"] = minutes;  // 238: the beats 12:00-15:58
  std::filesystem::remove_all(home);
}
BENCHMARK(BM_ProposeDurationYear)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
