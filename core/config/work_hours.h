// settings.work_hours / work_days / timezone, evaluated: is this moment
// inside working hours? And the zone and local dates every module uses. (The timer plugin has its own copy on its side of
// the ABI: plugins do not link the host.)
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

struct Config;
class TimeZone;

bool in_work_hours(const Config& config, int64_t at_ms);

// The moment in settings.timezone: whether its day is one of
// settings.work_days, and the minutes since that day's local midnight.
struct LocalMinute {
  bool work_day = false;
  int minute = 0;
};
LocalMinute local_minute(const Config& config, int64_t at_ms);

// The zone of settings.timezone ("" = the system's); UTC when the system's
// tzdata does not know it. Throws Error only when no zone can be had at all
// (the time zone module missing).
const TimeZone* configured_zone(const std::string& timezone);

// "YYYY-MM-DD" of the moment in that zone.
std::string local_date(int64_t at_ms, const std::string& timezone);
// The moment the local day of `at_ms` began in that zone (midnight, or the
// first moment of the day where midnight does not exist).
int64_t local_day_start_ms(int64_t at_ms, const std::string& timezone);
// "HH:MM" of the moment in that zone.
std::string local_clock(int64_t at_ms, const std::string& timezone);
std::string local_clock(int64_t at_ms, const TimeZone* zone);

}  // namespace devtrack
