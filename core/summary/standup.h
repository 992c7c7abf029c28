// The standup: what the last work day brought (from its summary), what is
// on today's plate (tickets still in progress, then the open tickets
// assigned to you) and what blocks you (tickets whose latest answer says
// blocked). Built from the store as JSON (the `devtrack standup --json`
// shape, docs/summary.md "Standup"), rendered as Markdown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

class Store;
struct Config;
struct AssignedList;

// How far back a ticket's latest answer still counts for today's plan and
// the blockers.
constexpr int kStandupLookbackDays = 14;

// The standup for `day_spec` (as `devtrack summary --date` reads it):
// "previous" is the latest earlier work day (settings.work_days) with any
// answer, at most kStandupLookbackDays back; `assigned` the kept lists of
// the enabled trackers.
std::string standup_json(Store& store, const Config& config, const std::string& day_spec,
                         const std::vector<AssignedList>& assigned, int64_t now_ms);

std::string standup_markdown(const std::string& standup_json);

}  // namespace devtrack
