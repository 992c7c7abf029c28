#include "checkin/trigger_text.h"

#include <devtrack/text.hpp>
#include <nlohmann/json.hpp>

#include "config/work_hours.h"
#include "util/time_zone.h"

using nlohmann::json;

namespace devtrack {

namespace {

constexpr size_t kMaxTitle = 200, kMaxQuestion = 400, kMaxHint = 2000;
constexpr int kMaxSuggestedMinutes = 24 * 60;

std::string text_field(const json& d, const char* name, size_t max_bytes) {
  if (!d.contains(name) || !d[name].is_string()) return "";
  std::string one_line = d[name].get<std::string>();
  // One line, and no control bytes: it is printed to a terminal.
  for (char& c : one_line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return sdk::bounded_utf8(one_line, max_bytes);
}

int64_t time_field(const json& d, const char* name) {
  if (!d.contains(name) || !d[name].is_number_integer()) return 0;
  int64_t ms = d[name].get<int64_t>();
  constexpr int64_t kYear9999 = 253'402'300'799'000;
  return ms > 0 && ms <= kYear9999 ? ms : 0;
}

void read_suggested(const json& d, TriggerText& t) {
  if (!d.contains("suggested") || !d["suggested"].is_object()) return;
  const json& s = d["suggested"];
  if (s.contains("minutes") && s["minutes"].is_number_integer()) {
    int64_t m = s["minutes"].get<int64_t>();
    if (m > 0 && m <= kMaxSuggestedMinutes) t.suggested_minutes = static_cast<int>(m);
  }
  t.suggested_project = text_field(s, "project", kMaxTitle);
  // A ticket names its tracker plugin ("tracker"; "system" before ABI 1.1).
  auto names = [](const json& ticket, const char* key) { return ticket.contains(key) && ticket[key].is_string(); };
  if (s.contains("ticket") && s["ticket"].is_object() && (names(s["ticket"], "tracker") || names(s["ticket"], "system")))
    t.suggested_ticket = s["ticket"].dump(-1, ' ', false, json::error_handler_t::replace);
}

// " (10:00–11:00)", " (10:00)" or "".
std::string time_range(const TriggerText& t, const TimeZone* zone) {
  if (!t.start_ms) return "";
  std::string range = local_clock(t.start_ms, zone);
  if (t.end_ms) range += "\u2013" + local_clock(t.end_ms, zone);
  return " (" + range + ")";
}

}  // namespace

TriggerText trigger_text(const std::string& details_json) {
  TriggerText t;
  json d = json::parse(details_json, nullptr, false);
  if (!d.is_object()) return t;
  t.title = text_field(d, "title", kMaxTitle);
  t.question = text_field(d, "question", kMaxQuestion);
  t.start_ms = time_field(d, "start_ms");
  t.end_ms = time_field(d, "end_ms");
  if (t.end_ms && t.end_ms < t.start_ms) t.end_ms = 0;
  read_suggested(d, t);
  t.hint = text_field(d, "hint", kMaxHint);
  return t;
}

std::string trigger_label(const TriggerText& t, const TimeZone* zone) {
  return t.title.empty() ? "" : t.title + time_range(t, zone);
}

std::string trigger_question(const TriggerText& t, const TimeZone* zone) {
  if (!t.question.empty()) return t.question;
  return t.title.empty() ? "" : "What came out of '" + t.title + "'" + time_range(t, zone) + "?";
}

}  // namespace devtrack
