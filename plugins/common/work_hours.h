// The shared `settings` every plugin's create() receives, as the triggers
// that keep to working hours (timer, calendar) read them: the minutes of
// the day work starts and ends, the working days, and the time zone.
#pragma once

#include <date/tz.h>

#include <nlohmann/json.hpp>
#include <string>

namespace devtrack::common {

struct WorkHours {
  int start_minute = 9 * 60, end_minute = 18 * 60;
  bool days[7] = {};  // mon = 0
  const date::time_zone* zone = nullptr;

  // From create()'s options["settings"]; an unknown zone throws (the
  // plugin is refused with the message).
  static WorkHours from_settings(const nlohmann::json& settings) {
    const nlohmann::json& s = settings.is_object() ? settings : nlohmann::json::object();
    WorkHours w;
    w.start_minute = s.value("work_start_minute", 9 * 60);
    w.end_minute = s.value("work_end_minute", 18 * 60);
    static const char* const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (const auto& d : s.value("work_days", nlohmann::json::array({"mon", "tue", "wed", "thu", "fri"})))
      for (int i = 0; i < 7; ++i)
        if (d == names[i]) w.days[i] = true;
    std::string tz = s.value("timezone", "");
    w.zone = tz.empty() ? date::current_zone() : date::locate_zone(tz);
    return w;
  }
};

}  // namespace devtrack::common
