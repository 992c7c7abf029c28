// The lists of open tickets assigned to the user, one per tracker, fetched
// by the worker (tracker.list_assigned) and kept in the store's cache so
// prompts, `devtrack tickets` and summaries have them offline too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

class Store;

struct AssignedList {
  std::string plugin;
  int64_t fetched_ms = 0;
  std::string tickets_json;  // [{"ticket": {...}, "title", "url", "state"}]
};

// A fetched list is "fresh" for kAssignedFreshMs (the daemon fetches again
// after that) and kept for kAssignedKeepMs for offline use.
constexpr int64_t kAssignedFreshMs = 3'600'000;
constexpr int64_t kAssignedKeepMs = 7 * 86'400'000LL;

void put_assigned(Store& store, const std::string& plugin, const std::string& tickets_json, int64_t now_ms);
// The kept lists of these plugins (those with none are left out).
std::vector<AssignedList> assigned_lists(Store& store, const std::vector<std::string>& plugins, int64_t now_ms);

}  // namespace devtrack
