#include "util/duration.h"

#include <cctype>
#include <cstdint>
#include <utility>

namespace devtrack {

namespace {

// Seconds per unit as people write it: "m", "min", "minutes"...; 0 if the
// word is not a unit.
long long unit_seconds(std::string_view word) {
  static const struct {
    const char* name;
    long long seconds;
  } units[] = {{"s", 1},      {"sec", 1},      {"secs", 1},       {"second", 1},   {"seconds", 1},
               {"m", 60},     {"min", 60},     {"mins", 60},      {"minute", 60},  {"minutes", 60},
               {"h", 3600},   {"hr", 3600},    {"hrs", 3600},     {"hour", 3600},  {"hours", 3600},
               {"d", 86400},  {"day", 86400},  {"days", 86400},   {"w", 604800},   {"week", 604800},
               {"weeks", 604800}};
  for (const auto& u : units)
    if (word == u.name) return u.seconds;
  return 0;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  long long total = 0;
  size_t i = 0;
  int components = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) return std::nullopt;
    long long n = 0;
    while (i < text.size() && is_digit(text[i])) {
      n = n * 10 + (text[i] - '0');
      if (n > 100'000'000) return std::nullopt;  // no real duration needs more digits
      ++i;
    }
    while (i < text.size() && is_space(text[i])) ++i;
    size_t word = i;
    while (i < text.size() && is_alpha(text[i])) ++i;
    long long unit = 1;
    if (i > word) {
      unit = unit_seconds(text.substr(word, i - word));
      if (unit == 0) return std::nullopt;
    } else if (components > 0 || i < text.size()) {
      return std::nullopt;  // "1h30" is ambiguous: require the unit
    }
    ++components;
    total += n * unit;
    if (total > 100 * kMaxDuration.count()) return std::nullopt;  // absurd; keeps the sum in range
    while (i < text.size() && is_space(text[i])) ++i;
  }
  return std::chrono::seconds(total);
}

std::string duration_range_error(std::string_view what, std::chrono::seconds d) {
  if (d.count() < 0) return std::string(what) + " must not be negative";
  if (d <= kMaxDuration) return "";
  return std::string(what) + " is " + format_duration(d) + ", more than the maximum of 10 years (" +
         format_duration(kMaxDuration) + ")";
}

std::string format_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s == 0) return "0s";
  std::string r;
  const struct { long long size; char unit; } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& u : units) {
    if (s >= u.size) {
      r += std::to_string(s / u.size) + u.unit;
      s %= u.size;
    }
  }
  return r;
}

}  // namespace devtrack

namespace devtrack {

std::string minutes_text(int64_t minutes) {
  if (minutes < 60) return std::to_string(minutes) + " min";
  return std::to_string(minutes / 60) + " h" + (minutes % 60 ? " " + std::to_string(minutes % 60) + " min" : "");
}

namespace {

// The text split at its last blank: "15m nearest" -> "15m", "nearest".
std::pair<std::string_view, std::string_view> last_word(std::string_view text) {
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  size_t blank = text.find_last_of(" \t");
  if (blank == std::string_view::npos) return {text, ""};
  return {text.substr(0, blank), text.substr(blank + 1)};
}

}  // namespace

std::string parse_rounding(std::string_view text, std::string_view what, MinuteRounding* out) {
  const std::string name(what), shown(text);
  const std::string usage = name + " must be a duration, then up or nearest if you like (15m, 15m up, 30m nearest), not '" +
                            shown + "'";
  // The whole text first: a duration may have blanks of its own ("15 min").
  auto step = parse_duration(text);
  bool nearest = false;
  if (!step) {
    auto [head, mode] = last_word(text);
    step = parse_duration(head);
    if (!step || mode.empty()) return usage;
    if (mode != "up" && mode != "nearest")
      return name + ": '" + std::string(mode) + "' is not a way to round; use up or nearest";
    nearest = mode == "nearest";
  }
  if (auto range = duration_range_error(what, *step); !range.empty()) return range;
  if (step->count() <= 0) return name + " must be more than 0 (leave it out not to round)";
  if (step->count() % 60 != 0) return name + " rounds to whole minutes; " + format_duration(*step) + " is not";
  if (*step > std::chrono::hours(24))
    return name + " is " + format_duration(*step) + "; a worklog is rounded to at most a day (1d)";
  *out = {step->count() / 60, nearest};
  return "";
}

std::string rounding_text(const MinuteRounding& r) {
  if (r.step <= 0) return "";
  return format_duration(std::chrono::minutes(r.step)) + (r.nearest ? " nearest" : " up");
}

int64_t round_minutes(int64_t minutes, const MinuteRounding& r) {
  if (r.step <= 0 || minutes <= 0) return minutes;
  const int64_t below = minutes - minutes % r.step, rest = minutes % r.step;
  if (rest == 0) return minutes;
  // Half a step or more goes up with `nearest` (rest >= step - rest: no
  // product to overflow); nothing rounds down to 0.
  bool up = !r.nearest || rest >= r.step - rest || below == 0;
  if (!up) return below;
  if (below > INT64_MAX - r.step) return below;  // no multiple above fits: the one below is the largest
  return below + r.step;
}

}  // namespace devtrack
