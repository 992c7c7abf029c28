#include "config/work_hours.h"

#include "config/config.h"
#include "util/time_zone.h"

namespace devtrack {

LocalMinute local_minute(const Config& config, int64_t at_ms) {
  using namespace std::chrono;
  const TimeZone* zone = configured_zone(config.settings.timezone);
  auto local = zone->to_local(sys_time<milliseconds>{milliseconds(at_ms)});
  auto day = date::floor<date::days>(local);
  unsigned weekday = date::weekday(day).iso_encoding() - 1;  // mon = 0
  return {config.settings.work_days[weekday], static_cast<int>(duration_cast<minutes>(local - day).count())};
}

bool in_work_hours(const Config& config, int64_t at_ms) {
  LocalMinute at = local_minute(config, at_ms);
  return at.work_day && at.minute >= config.settings.work_start_minute && at.minute < config.settings.work_end_minute;
}

const TimeZone* configured_zone(const std::string& timezone) {
  try {
    return &TimeZone::locate(timezone);
  } catch (const std::exception&) {
    return &TimeZone::locate("UTC");
  }
}

std::string local_date(int64_t at_ms, const std::string& timezone) {
  auto local = configured_zone(timezone)->to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds(at_ms)});
  return date::format("%F", date::floor<date::days>(local));
}

int64_t local_day_start_ms(int64_t at_ms, const std::string& timezone) {
  using namespace std::chrono;
  const TimeZone* zone = configured_zone(timezone);
  auto local = zone->to_local(sys_time<milliseconds>{milliseconds(at_ms)});
  auto midnight = date::local_time<milliseconds>(date::floor<date::days>(local));
  return zone->to_sys(midnight, TimeZone::Choose::earliest).time_since_epoch().count();
}

std::string local_clock(int64_t at_ms, const std::string& timezone) {
  return local_clock(at_ms, configured_zone(timezone));
}

std::string local_clock(int64_t at_ms, const TimeZone* zone) {
  auto local = zone->to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds(at_ms)});
  return date::format("%H:%M", date::floor<std::chrono::minutes>(local));
}

}  // namespace devtrack
