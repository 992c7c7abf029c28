// Durations as users write them in config and on the command line:
// "90s", "15m", "3h", "1h30m", "2d", "2 hours", "1 hour 30 min". A bare
// number is seconds.
#pragma once

#include <chrono>
#include <cstdint>
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

// tracker.round: worklog minutes rounded to a multiple of `step` minutes,
// up (the default) or to the nearest. A step of 0 rounds nothing.
struct MinuteRounding {
  int64_t step = 0;
  bool nearest = false;
  bool operator==(const MinuteRounding&) const = default;
};

// Reads "DURATION [up|nearest]" ("15m", "15m up", "1h nearest"): the step
// is whole minutes, more than 0 and at most a day. "" and the rounding in
// *out, else the message for the setting named `what`.
std::string parse_rounding(std::string_view text, std::string_view what, MinuteRounding* out);

// "15m up", "1h nearest"; "" for no rounding. parse_rounding() reads it back.
std::string rounding_text(const MinuteRounding& r);

// `minutes` rounded as `r` says. 0 stays 0 (nothing was logged), and a
// positive duration never rounds to 0 (nearest takes it to one step: a
// worklog of 0 minutes would be refused). Saturates instead of overflowing.
int64_t round_minutes(int64_t minutes, const MinuteRounding& r);

}  // namespace devtrack
