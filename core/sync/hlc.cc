#include "sync/hlc.h"

#include <cinttypes>
#include <cstdio>

namespace devtrack {

namespace {

constexpr size_t kWallDigits = 18, kCounterDigits = 6;

bool digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

bool device_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string Hlc::text() const {
  char head[48];
  std::snprintf(head, sizeof head, "%018" PRId64 ".%06" PRIu32 ".", wall_ms < 0 ? 0 : wall_ms, counter);
  return head + device;
}

std::optional<Hlc> parse_hlc(std::string_view text) {
  if (text.size() < kWallDigits + kCounterDigits + 3 || text[kWallDigits] != '.' ||
      text[kWallDigits + 1 + kCounterDigits] != '.')
    return std::nullopt;
  std::string_view wall = text.substr(0, kWallDigits), counter = text.substr(kWallDigits + 1, kCounterDigits);
  std::string_view device = text.substr(kWallDigits + kCounterDigits + 2);
  if (!digits(wall) || !digits(counter) || !device_id(device)) return std::nullopt;
  Hlc h;
  h.wall_ms = std::stoll(std::string(wall));
  h.counter = static_cast<uint32_t>(std::stoul(std::string(counter)));
  h.device = std::string(device);
  return h;
}

Hlc next_stamp(const std::string& previous, int64_t physical_ms, const std::string& device) {
  Hlc next{physical_ms < 0 ? 0 : physical_ms, 0, device};
  auto before = parse_hlc(previous);
  if (before && before->wall_ms >= next.wall_ms) {
    next.wall_ms = before->wall_ms;
    if (before->counter >= 999'999) ++next.wall_ms;  // the counter would overflow its digits
    else next.counter = before->counter + 1;
  }
  return next;
}

}  // namespace devtrack
