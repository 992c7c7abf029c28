// Timesheet reports over a range of local days: minutes and answers per
// day, project or ticket, and per project per day for the chart. An answer
// naming two tickets counts for both in the by-ticket view.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

class Store;
struct Config;

// `from`, `to`: day specs as local_day() takes them (inclusive); `by`:
// "day" | "project" | "ticket". With `sources`, each row also splits its
// minutes by where they came from ("typed_minutes", "proposed_minutes",
// "suggested_minutes": checkin/activity_time.h). Throws Error for a bad range.
std::string report_json(Store& store, const Config& config, const std::string& from, const std::string& to,
                        const std::string& by, int64_t now_ms, bool sources = false);

// CSV (key,minutes,hours,answers; with a report made with `sources` also
// the minutes typed, proposed and suggested) and a self-contained
// HTML page with a stacked bar chart (inline SVG) of minutes per project
// per day.
std::string report_csv(const std::string& report_json, bool sources = false);
std::string report_html(const std::string& report_json);

}  // namespace devtrack
