#include "util/duration.h"

#include <cctype>

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

}  // namespace devtrack
