#include "config/work_hours.h"

#include <date/tz.h>

#include "config/config.h"

namespace devtrack {

bool in_work_hours(const Config& config, int64_t at_ms) {
  using namespace std::chrono;
  const date::time_zone* zone = nullptr;
  try {
    zone = config.settings.timezone.empty() ? date::current_zone() : date::locate_zone(config.settings.timezone);
  } catch (const std::exception&) {
    return true;  // no tzdata: do not hold prompts back
  }
  auto local = zone->to_local(sys_time<milliseconds>{milliseconds(at_ms)});
  auto day = date::floor<date::days>(local);
  int minute = static_cast<int>(duration_cast<minutes>(local - day).count());
  unsigned weekday = date::weekday(day).iso_encoding() - 1;  // mon = 0
  return config.settings.work_days[weekday] && minute >= config.settings.work_start_minute &&
         minute < config.settings.work_end_minute;
}

}  // namespace devtrack
