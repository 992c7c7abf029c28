// Time zones: IANA zones from the system's tzdata, through the time zone
// module (util/tz_module.h), loaded on the first zone a process asks for.
// Local times are date.h's (header-only) types, so calendar arithmetic
// stays date's.
#pragma once

#include <date/date.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace devtrack {

class TimeZone {
 public:
  // Where a local time happens twice (the clocks went back) or never (they
  // went forward): the earlier or the later reading.
  enum class Choose { earliest, latest };
  using Millis = std::chrono::milliseconds;

  // The zone called `name`, "" for the system's. Throws Error when the
  // zone is unknown or the module cannot be loaded (with its path).
  static const TimeZone& locate(const std::string& name);

  // Whether the system's tzdata has a zone called `name`, without loading
  // the module (a config check reads every start-up). The module reads the
  // same files (Debian's date-tz is built on the OS tzdata).
  static bool exists(const std::string& name);

  const std::string& name() const { return name_; }
  // The offset from UTC in force at `utc`, and its abbreviation.
  std::chrono::seconds offset_at(date::sys_seconds utc, std::string* abbrev = nullptr) const;
  date::local_time<Millis> to_local(date::sys_time<Millis> utc) const;
  date::sys_time<Millis> to_sys(date::local_time<Millis> local, Choose choose) const;

  // "+01:00" (or "+0100" with `colon` false) of the offset at `utc`.
  std::string offset_text(date::sys_seconds utc, bool colon = true) const;

  TimeZone(const void* handle, std::string name) : handle_(handle), name_(std::move(name)) {}

 private:
  const void* handle_;
  std::string name_;
};

}  // namespace devtrack
