#include "store/daemon_state.h"

#include <string>

#include "store/store.h"

namespace devtrack {

namespace {
constexpr const char* kScope = "daemon";
}  // namespace

std::optional<int64_t> pause_end(Store& store, int64_t now_ms) {
  auto until = store.kv_get_int(kScope, "paused_until");
  if (!until) return std::nullopt;
  if (*until < 0) return kUntilResumed;
  if (*until <= now_ms) return std::nullopt;
  return *until;
}

bool paused(Store& store, int64_t now_ms) { return pause_end(store, now_ms).has_value(); }

void set_pause(Store& store, int64_t until_ms) {
  store.kv_set(kScope, "paused_until", std::to_string(until_ms < 0 ? kUntilResumed : until_ms));
}

void clear_pause(Store& store) { store.kv_erase(kScope, "paused_until"); }

std::optional<int64_t> chosen_interval_s(Store& store) { return store.kv_get_int(kScope, "interval_s"); }

void set_chosen_interval_s(Store& store, int64_t seconds) {
  store.kv_set(kScope, "interval_s", std::to_string(seconds));
}

}  // namespace devtrack
