#include "util/duration.h"

#include <cctype>

namespace devtrack {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  long long total = 0;
  size_t i = 0;
  bool bare = true;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    long long n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > 100'000'000) return std::nullopt;  // ~3 years in seconds: plenty
      ++i;
    }
    long long unit = 1;
    if (i < text.size()) {
      bare = false;
      switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
      }
      ++i;
    } else if (!bare) {
      return std::nullopt;  // "1h30" is ambiguous: require the unit
    }
    total += n * unit;
  }
  return std::chrono::seconds(total);
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
