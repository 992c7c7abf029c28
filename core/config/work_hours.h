// settings.work_hours / work_days / timezone, evaluated: is this moment
// inside working hours? (The timer plugin has its own copy on its side of
// the ABI: plugins do not link the host.)
#pragma once

#include <cstdint>

namespace devtrack {

struct Config;

bool in_work_hours(const Config& config, int64_t at_ms);

}  // namespace devtrack
