// Durations as users write them in config and on the command line:
// "90s", "15m", "3h", "1h30m", "2d", "2 hours", "1 hour 30 min". A bare
// number is seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace devtrack {

// The longest duration DevTrack takes anywhere (config, command line, IPC):
// ten years. Past it the sum with "now" overflows the clock's nanoseconds
// (90000d did: the daemon spun at 100 % CPU), and no real interval, pause or
// grace period is that long.
constexpr std::chrono::seconds kMaxDuration{10LL * 365 * 86400};

// Parses a duration; nullopt if the text is not one. Any length parses
// (bounded only so that the sum cannot overflow): check the range with
// duration_range_error() where the value is taken.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// "" if 0 <= d <= kMaxDuration, else "<what> is <d>, more than the maximum of
// 10 years (3650d)" — for the option or argument named `what`.
std::string duration_range_error(std::string_view what, std::chrono::seconds d);

// "1h30m", "45s", "2d".
std::string format_duration(std::chrono::seconds d);

// What a person reads: "2 h 30 min", "45 min".
std::string minutes_text(int64_t minutes);

}  // namespace devtrack
