// iCalendar (RFC 5545) to meetings, with libical: recurring events
// expanded (RRULE, EXDATE, moved or cancelled instances by RECURRENCE-ID),
// times resolved through the file's VTIMEZONEs or the system's zone data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace calendar {

struct Meeting {
  std::string uid;
  std::string title;   // SUMMARY, "" if none
  std::string hint;    // attendees and location, for the host's guess of a project
  int64_t start_ms = 0, end_ms = 0;
  bool all_day = false;
  bool accepted = false;  // see meetings_in()
};

// Every meeting of the calendar text that ends in [from_ms, to_ms), sorted
// by end time. Cancelled ones are left out. `accepted` is true when an
// ATTENDEE whose address is one of `me` has PARTSTAT=ACCEPTED, when one of
// `me` is the ORGANIZER, or when the event has no attendees at all (the
// user's own). Text that is not a calendar yields none and sets `error`.
std::vector<Meeting> meetings_in(const std::string& ics, int64_t from_ms, int64_t to_ms,
                                 const std::vector<std::string>& me, std::string* error);

}  // namespace calendar
