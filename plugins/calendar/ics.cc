#include "ics.h"

#include <libical/ical.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace calendar {

namespace {

using Calendar = std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "mailto:Alice@Acme.test" -> "alice@acme.test".
std::string address(const char* value) {
  std::string a = lower(value ? value : "");
  return a.rfind("mailto:", 0) == 0 ? a.substr(7) : a;
}

bool is_me(const char* value, const std::vector<std::string>& me) {
  std::string a = address(value);
  return std::any_of(me.begin(), me.end(), [&](const std::string& m) { return lower(m) == a; });
}

bool accepted_by(icalcomponent* event, const std::vector<std::string>& me) {
  icalproperty* organizer = icalcomponent_get_first_property(event, ICAL_ORGANIZER_PROPERTY);
  if (organizer && is_me(icalproperty_get_organizer(organizer), me)) return true;
  bool attendees = false;
  for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(event, ICAL_ATTENDEE_PROPERTY)) {
    attendees = true;
    if (!is_me(icalproperty_get_attendee(p), me)) continue;
    icalparameter* partstat = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
    return partstat && icalparameter_get_partstat(partstat) == ICAL_PARTSTAT_ACCEPTED;
  }
  return !attendees;
}

// Who is invited and where, for the host's guess of a project.
std::string hint_of(icalcomponent* event) {
  std::string hint;
  auto add = [&](const char* text) {
    if (text && *text) hint += (hint.empty() ? "" : " ") + std::string(text);
  };
  add(icalcomponent_get_location(event));
  for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(event, ICAL_ATTENDEE_PROPERTY)) {
    icalparameter* cn = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
    add(cn ? icalparameter_get_cn(cn) : nullptr);
    add(address(icalproperty_get_attendee(p)).c_str());
  }
  return hint.size() > 1500 ? hint.substr(0, 1500) : hint;
}

// A TZID with no VTIMEZONE in the file ("Europe/Berlin" from many
// exporters) would be read as floating time: add the system's definition.
void add_missing_timezones(icalcomponent* cal) {
  std::set<std::string> tzids;
  for (icalcomponent* c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); c;
       c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
    for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY))
      if (icalparameter* tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER))
        if (const char* id = icalparameter_get_tzid(tz)) tzids.insert(id);
  for (const auto& id : tzids) {
    if (icalcomponent_get_timezone(cal, id.c_str())) continue;
    icaltimezone* zone = icaltimezone_get_builtin_timezone(id.c_str());
    if (!zone) continue;  // unknown: libical reads those times as UTC
    icalcomponent* vtimezone = icalcomponent_new_clone(icaltimezone_get_component(zone));
    icalproperty* tzid = icalcomponent_get_first_property(vtimezone, ICAL_TZID_PROPERTY);
    if (tzid) icalproperty_set_tzid(tzid, id.c_str());  // the builtin's id has a prefix
    icalcomponent_add_component(cal, vtimezone);
  }
}

// libical walks a series with a COUNT from its first instance, and one
// every second or minute yields thousands a day: a hostile or broken file
// must not stall the daemon, and no real meeting recurs like that.
constexpr int kMaxCount = 20000;
constexpr size_t kMaxInstances = 5000;  // per calendar and window

bool expandable(icalcomponent* event) {
  for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY); p;
       p = icalcomponent_get_next_property(event, ICAL_RRULE_PROPERTY)) {
    icalrecurrencetype r = icalproperty_get_rrule(p);
    if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE || r.count > kMaxCount) return false;
  }
  return true;
}

int64_t utc_ms(icaltimetype t) {
  return static_cast<int64_t>(icaltime_as_timet_with_zone(t, t.zone ? t.zone : icaltimezone_get_utc_timezone())) *
         1000;
}

// A property's date-time in its TZID's zone: libical resolves DTSTART and
// DTEND itself, not RECURRENCE-ID.
icaltimetype zoned(icalcomponent* cal, icalproperty* p) {
  icaltimetype t = icalproperty_get_recurrenceid(p);
  icalparameter* tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
  if (t.zone || icaltime_is_utc(t) || !tzid || !icalparameter_get_tzid(tzid)) return t;
  const char* id = icalparameter_get_tzid(tzid);
  icaltimezone* zone = icalcomponent_get_timezone(cal, id);
  if (!zone) zone = icaltimezone_get_builtin_timezone(id);
  return zone ? icaltime_set_timezone(&t, zone) : t;
}

struct Expansion {
  const std::vector<std::string>* me;
  int64_t from_ms, to_ms;
  const std::set<std::pair<std::string, int64_t>>* moved;  // (uid, original start) of overridden instances
  std::vector<Meeting>* out;
};

void add_instance(icalcomponent* event, icaltime_span* span, void* data) {
  auto* x = static_cast<Expansion*>(data);
  Meeting m;
  m.uid = icalcomponent_get_uid(event) ? icalcomponent_get_uid(event) : "";
  m.start_ms = static_cast<int64_t>(span->start) * 1000;
  m.end_ms = static_cast<int64_t>(span->end) * 1000;
  if (m.end_ms < x->from_ms || m.end_ms >= x->to_ms || x->out->size() >= kMaxInstances) return;
  bool is_override = !icaltime_is_null_time(icalcomponent_get_recurrenceid(event));
  if (!is_override && x->moved->count({m.uid, m.start_ms})) return;
  m.title = icalcomponent_get_summary(event) ? icalcomponent_get_summary(event) : "";
  m.all_day = icalcomponent_get_dtstart(event).is_date;
  m.accepted = accepted_by(event, *x->me);
  m.hint = hint_of(event);
  x->out->push_back(std::move(m));
}

}  // namespace

std::vector<Meeting> meetings_in(const std::string& ics, int64_t from_ms, int64_t to_ms,
                                 const std::vector<std::string>& me, std::string* error) {
  std::vector<Meeting> out;
  Calendar cal(icalparser_parse_string(ics.c_str()), &icalcomponent_free);
  if (!cal || icalcomponent_isa(cal.get()) != ICAL_VCALENDAR_COMPONENT) {
    if (error) *error = "not an iCalendar file (no BEGIN:VCALENDAR)";
    return out;
  }
  add_missing_timezones(cal.get());
  // Instances moved or cancelled by a RECURRENCE-ID component: the series
  // must not also yield them at their original time.
  std::set<std::pair<std::string, int64_t>> moved;
  for (icalcomponent* c = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); c;
       c = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT)) {
    icalproperty* rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    if (rid && icalcomponent_get_uid(c)) moved.insert({icalcomponent_get_uid(c), utc_ms(zoned(cal.get(), rid))});
  }
  // A day of margin: an instance that starts before the window may end in it.
  icaltimetype from = icaltime_from_timet_with_zone(static_cast<time_t>(from_ms / 1000 - 86400), 0,
                                                    icaltimezone_get_utc_timezone());
  icaltimetype to = icaltime_from_timet_with_zone(static_cast<time_t>(to_ms / 1000), 0, icaltimezone_get_utc_timezone());
  Expansion x{&me, from_ms, to_ms, &moved, &out};
  for (icalcomponent* c = icalcomponent_get_first_component(cal.get(), ICAL_VEVENT_COMPONENT); c;
       c = icalcomponent_get_next_component(cal.get(), ICAL_VEVENT_COMPONENT)) {
    if (icalcomponent_get_status(c) == ICAL_STATUS_CANCELLED) continue;
    if (icaltime_is_null_time(icalcomponent_get_dtstart(c)) || !expandable(c)) continue;
    icalcomponent_foreach_recurrence(c, from, to, &add_instance, &x);
  }
  std::sort(out.begin(), out.end(), [](const Meeting& a, const Meeting& b) {
    return a.end_ms != b.end_ms ? a.end_ms < b.end_ms : a.uid < b.uid;
  });
  return out;
}

}  // namespace calendar
