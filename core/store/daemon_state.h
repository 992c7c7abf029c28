// The daemon's schedule as the store keeps it, so that it survives a
// restart and the CLI can set it while the daemon is down: the pause and the
// prompt interval (plugin_kv, plugin "daemon"). The one place that reads
// and writes these keys.
#pragma once

#include <cstdint>
#include <optional>

namespace devtrack {

class Store;

// A pause with no end: until `devtrack resume`.
constexpr int64_t kUntilResumed = -1;

// When the pause in force at `now_ms` ends (kUntilResumed for none), or
// nullopt when prompts are not paused — a pause that has ended reads as none.
std::optional<int64_t> pause_end(Store& store, int64_t now_ms);
bool paused(Store& store, int64_t now_ms);
// Pauses until `until_ms` (an epoch ms, or kUntilResumed).
void set_pause(Store& store, int64_t until_ms);
void clear_pause(Store& store);

// The interval `devtrack set-interval` chose, in seconds (nullopt: the config's).
std::optional<int64_t> chosen_interval_s(Store& store);
void set_chosen_interval_s(Store& store, int64_t seconds);

}  // namespace devtrack
