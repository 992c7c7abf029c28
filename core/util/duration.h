// Durations as users write them in config and on the command line:
// "90s", "15m", "3h", "1h30m", "2d". A bare number is seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace devtrack {

// Parses a duration; nullopt if the text is not one.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// "1h30m", "45s", "2d".
std::string format_duration(std::chrono::seconds d);

}  // namespace devtrack
