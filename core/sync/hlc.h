// Hybrid logical clock stamps for synced records (docs/sync.md "Clocks").
// A stamp is (wall ms, counter, device id); its text form sorts as the
// stamps do, so SQLite and std::string compare them directly. A change is
// stamped with the moment it was made on its device, bumped past the stamp
// of the version it replaced: an edit always sorts after what it edited,
// and of two concurrent edits the later one in time wins (equal times: the
// device id decides), on every device alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devtrack {

struct Hlc {
  int64_t wall_ms = 0;
  uint32_t counter = 0;
  std::string device;  // the device id, [0-9a-f]+

  std::string text() const;  // "000001764950400000.000000.<device>"
};

// The stamp of `text`; nullopt for anything else (a record from a newer or
// broken writer).
std::optional<Hlc> parse_hlc(std::string_view text);

// The stamp for a change made at `physical_ms` on `device` to a record whose
// last stamp is `previous` (empty text: a new record).
Hlc next_stamp(const std::string& previous, int64_t physical_ms, const std::string& device);

}  // namespace devtrack
