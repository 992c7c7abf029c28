// Durations: "30m", "1h30", "1.5 hours", "an hour and a half", "two hours"...
#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {

int number_word(const std::string& w) {
  static const char* const small[] = {"zero", "one",    "two",   "three",   "four",    "five",     "six",
                                      "seven", "eight", "nine",  "ten",     "eleven",  "twelve"};
  for (int i = 0; i <= 12; ++i)
    if (w == small[i]) return i;
  if (w == "fifteen") return 15;
  if (w == "twenty") return 20;
  if (w == "thirty") return 30;
  if (w == "forty") return 40;
  if (w == "fortyfive") return 45;
  if (w == "sixty") return 60;
  if (w == "ninety") return 90;
  return -1;
}

enum Unit { kNone, kHours, kMinutes };

Unit unit_of(std::string_view u) {
  static const char* const hours[] = {"h",    "hr",     "hrs",  "hour",  "hours",  "std",
                                      "stunde", "stunden", "hora", "horas", "heure", "heures"};
  static const char* const minutes[] = {"m", "min", "mins", "minute", "minutes", "mn"};
  for (const char* h : hours)
    if (u == h) return kHours;
  for (const char* m : minutes)
    if (u == m) return kMinutes;
  return kNone;
}

// "1h30" / "1h 30" / "1h 30m": minutes after hours without a unit of
// their own, read from t[*i]; adds them and moves *i past them. False when
// a long number follows: then the hours are no duration either.
bool add_trailing_minutes(const std::string& t, size_t* i, double* minutes) {
  size_t m = *i;
  while (m < t.size() && t[m] == ' ') ++m;
  if (m >= t.size() || !is_digit(t[m])) return true;
  size_t me = m;
  while (me < t.size() && is_digit(t[me])) ++me;
  if (me - m > 4) return false;
  size_t after = me;
  while (after < t.size() && t[after] == ' ') ++after;
  size_t ae = after;
  while (ae < t.size() && std::isalpha(static_cast<unsigned char>(t[ae]))) ++ae;
  Unit next = unit_of(std::string_view(t).substr(after, ae - after));
  bool attached = m == *i;  // "1h30": minutes written right after the hours
  // "1h 15" where the answer or its clause ends: minutes too.
  bool closes = ae == after && (after >= t.size() || std::strchr(",;.)", t[after]));
  if (next == kMinutes || (attached && next != kHours) || (closes && std::stod(t.substr(m, me - m)) < 60)) {
    *minutes += std::stod(t.substr(m, me - m));
    *i = next == kMinutes ? ae : me;
  }
  return true;
}

// One number with its unit starting at t[*i] (2h, 1.5 hours, 90 min, 1h30,
// 1:30h, 45'), in minutes; nullopt when it is no duration. Moves *i past
// what it read.
std::optional<double> number_with_unit(const std::string& t, size_t* i) {
  size_t s = *i;
  while (*i < t.size() && is_digit(t[*i])) ++*i;
  if (*i - s > 5) return std::nullopt;  // no duration has that many digits
  double value = std::stod(t.substr(s, *i - s));
  if (*i + 1 < t.size() && (t[*i] == '.' || t[*i] == ',') && is_digit(t[*i + 1])) {
    size_t f = *i + 1;
    while (f < t.size() && is_digit(t[f])) ++f;
    if (f - *i > 4) {
      *i = f;
      return std::nullopt;
    }
    value = std::stod(t.substr(s, *i - s) + "." + t.substr(*i + 1, f - *i - 1));
    *i = f;
  }
  // 1:30 (hours:minutes) followed by h / hours
  int colon_minutes = -1;
  if (*i + 2 < t.size() && t[*i] == ':' && is_digit(t[*i + 1]) && is_digit(t[*i + 2])) {
    colon_minutes = (t[*i + 1] - '0') * 10 + (t[*i + 2] - '0');
    *i += 3;
  }
  size_t u = *i;
  while (u < t.size() && t[u] == ' ') ++u;
  size_t ue = u;
  while (ue < t.size() && std::isalpha(static_cast<unsigned char>(t[ue]))) ++ue;
  Unit unit = unit_of(std::string_view(t).substr(u, ue - u));
  if (unit == kNone && ue == u && u < t.size() && t[u] == '\'') unit = kMinutes;  // 45'
  if (unit == kNone) {
    *i = std::max(*i, ue);
    return std::nullopt;
  }
  if (colon_minutes >= 0 && unit == kHours) value += colon_minutes / 60.0;
  double minutes = unit == kHours ? value * 60 : value;
  *i = ue;
  if (unit == kHours && !add_trailing_minutes(t, i, &minutes)) return std::nullopt;
  return minutes;
}


// The word that ends before t[pos] (skipping spaces and '=' ':'), and
// where it starts.
std::string word_before(const std::string& t, size_t pos, size_t* start) {
  size_t e = pos;
  while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '=' || t[e - 1] == ':' || t[e - 1] == '_')) --e;
  size_t s = e;
  while (s > 0 && is_alnum(t[s - 1])) --s;
  *start = s;
  return t.substr(s, e - s);
}

std::string word_after(const std::string& t, size_t pos) {
  size_t s = pos;
  while (s < t.size() && (t[s] == ' ' || t[s] == '-' || t[s] == '_')) ++s;
  size_t e = s;
  while (e < t.size() && std::isalpha(static_cast<unsigned char>(t[e]))) ++e;
  return t.substr(s, e - s);
}

// Nouns whose durations are the system's, not the work's: "ttl 2h",
// "retry timeout 30m", "cache for 5 minutes", "every 10m", "a 30m timeout".
bool system_noun(const std::string& w) {
  return one_of(w, {"timeout", "timeouts", "ttl", "ttls", "expiry", "expires", "expire", "expiration", "interval",
                    "intervals", "delay", "delays", "cache", "cached", "caching", "retry", "retries", "backoff",
                    "sleep", "sleeps", "poll", "polling", "every", "each", "cron", "sla", "deadline", "limit",
                    "lease", "debounce", "throttle", "heartbeat", "keepalive", "grace", "idle", "lifetime", "age",
                    "per", "retention", "window", "latency", "cooldown", "rate", "wait", "waits", "ttr", "rto",
                    "rpo", "refresh", "rotation", "rotate", "schedule", "scheduled", "frequency", "period"});
}

// A word that names a setting, or an identifier made of one
// (connectTimeoutMs, maxNeverUsedIntervalMs, retry_backoff).
bool setting_word(const std::string& w) {
  if (system_noun(w) || one_of(w, {"limit", "limits", "max", "maximum", "minimum", "default", "threshold"}))
    return true;
  for (const char* part : {"timeout", "interval", "delay", "ttl", "expir", "backoff", "retention", "lease"})
    if (w.size() > std::strlen(part) + 2 && w.find(part) != std::string::npos) return true;
  return false;
}

// "timeout for commits to 10m", "Timeout the job after 60m", "limit the
// execution time to 20 minutes": a value given to a setting named earlier
// in the same clause.
bool set_in_clause(const std::string& t, size_t start) {
  size_t at = 0;
  std::string before = word_before(t, start, &at);
  if (!one_of(before, {"to", "after", "of", "by", "than", "within", "at"})) return false;
  size_t p = at;
  for (int words = 0; words < 8 && p > 0; ++words) {
    if (std::strchr(",;.!?()", t[p - 1])) return false;  // the clause ends there
    size_t s = 0;
    std::string w = word_before(t, p, &s);
    if (w.empty()) {
      --p;
      continue;
    }
    if (setting_word(w)) return true;
    if (w == "instead" && words == 0) return true;  // "1k instead of 1m"
    p = s;
  }
  return false;
}

bool system_duration(const std::string& t, size_t start, size_t end) {
  size_t at = 0;
  std::string before = word_before(t, start, &at);
  if (system_noun(before) || set_in_clause(t, start)) return true;
  // A bound or a window, not the time worked: "longer than 15 minutes",
  // "less than 1 hour", "in the last 24 hours".
  if (one_of(before, {"than", "last", "past", "next", "least", "most", "upto"})) return true;
  if (one_of(before, {"to", "of", "from", "at", "is", "for", "by", "than", "under", "over"})) {
    size_t at2 = 0;
    std::string noun = word_before(t, at, &at2);
    bool for_noun = one_of(noun, {"cache", "cached", "sleep", "sleeps", "wait", "waits", "pause", "lock", "locked",
                                  "ban", "keep", "kept", "store", "stored", "retain", "retained", "expire", "expires",
                                  "hang", "hangs", "stall", "stalls", "freeze", "freezes", "run", "runs", "block",
                                  "blocks", "valid", "live", "lives", "alive"});
    if (before == "for" ? for_noun : system_noun(noun)) return true;
  }
  std::string after = word_after(t, end);
  if (system_noun(after) && after != "each" && after != "every" && after != "per") return true;
  // A change of a setting: "30m -> 2h", "30m → 2h".
  auto arrow_at = [&](size_t p) {
    return t.compare(p, 2, "->") == 0 || t.compare(p, 2, "=>") == 0 || t.compare(p, 3, "\xE2\x86\x92") == 0;
  };
  size_t n = end;
  while (n < t.size() && t[n] == ' ') ++n;
  size_t b = start;
  while (b > 0 && t[b - 1] == ' ') --b;
  return arrow_at(n) || (b >= 2 && arrow_at(b - 2)) || (b >= 3 && arrow_at(b - 3));
}

// "2-3h", "2 to 3 hours", "1h or 2h", "from 40 min to 12 min": a range or
// a change, no one duration.
bool part_of_range(const std::string& t, size_t start, size_t end) {
  auto number_then = [&](size_t p) { return p < t.size() && is_digit(t[p]); };
  size_t n = end;
  while (n < t.size() && t[n] == ' ') ++n;
  if (n < t.size() && t[n] == '-' && number_then(n + 1)) return true;
  for (const char* link : {"to ", "or ", "and "})
    if (t.compare(n, std::strlen(link), link) == 0 && number_then(n + std::strlen(link)) &&
        std::strcmp(link, "and ") != 0)
      return true;
  size_t at = 0;
  std::string before = word_before(t, start, &at);
  if ((before == "to" || before == "or") && at > 0) {
    size_t p = at;
    while (p > 0 && t[p - 1] == ' ') --p;
    while (p > 0 && std::isalpha(static_cast<unsigned char>(t[p - 1]))) --p;  // a unit: "40 min to"
    while (p > 0 && t[p - 1] == ' ') --p;
    if (p > 0 && is_digit(t[p - 1])) return true;
  }
  return false;
}

// Numbers with units, summed; `found` tells whether any counted.
double numeric_minutes(const std::string& t, bool* found) {
  double total = 0;
  size_t i = 0;
  while (i < t.size()) {
    bool starts = is_digit(t[i]) && (i == 0 || !(is_alnum(t[i - 1]) || t[i - 1] == '#' || t[i - 1] == '-' ||
                                                 t[i - 1] == '.' || t[i - 1] == '/' || t[i - 1] == ':' ||
                                                 t[i - 1] == '_'));
    if (!starts) {
      ++i;
      continue;
    }
    size_t start = i;
    auto minutes = number_with_unit(t, &i);
    if (minutes && *minutes > 0 && *minutes <= 24 * 60 && !system_duration(t, start, i) &&
        !part_of_range(t, start, i)) {
      total += *minutes;
      *found = true;
    }
  }
  return total;
}

// A time of day at t[*i]: 14:00, 9, 2pm, 2:30 pm. Sets whether it said
// its minutes or am/pm (a bare "9" is a time only beside one that does).
struct Clock {
  int minutes = -1;  // since midnight
  bool explicit_ = false;
  bool meridiem = false;
  bool hour_suffix = false;  // 14h, 16h30, 12 uhr: a time only between words ("de 14h à 16h30")
};

Clock clock_at(const std::string& t, size_t* i) {
  Clock c;
  size_t p = *i;
  size_t d = p;
  while (d < t.size() && is_digit(t[d]) && d - p < 3) ++d;
  if (d == p || d - p > 2) return c;
  int hours = std::stoi(t.substr(p, d - p)), minutes = 0;
  size_t e = d;
  if (e + 2 < t.size() && t[e] == ':' && is_digit(t[e + 1]) && is_digit(t[e + 2])) {
    minutes = (t[e + 1] - '0') * 10 + (t[e + 2] - '0');
    c.explicit_ = true;
    e += 3;
  } else if (e < t.size() && t[e] == 'h') {
    bool with_minutes = e + 2 < t.size() && is_digit(t[e + 1]) && is_digit(t[e + 2]);
    if (with_minutes) minutes = (t[e + 1] - '0') * 10 + (t[e + 2] - '0');
    e += with_minutes ? 3 : 1;
    c.hour_suffix = true;
  } else if (t.compare(e, 4, " uhr") == 0) {
    e += 4;
    c.hour_suffix = true;
  }
  size_t m = e;
  while (m < t.size() && t[m] == ' ') ++m;
  if (!c.hour_suffix && (t.compare(m, 2, "am") == 0 || t.compare(m, 2, "pm") == 0)) {
    if (m + 2 >= t.size() || !is_alnum(t[m + 2])) {
      if (hours < 1 || hours > 12) return c;
      bool pm = t[m] == 'p';
      hours = hours % 12 + (pm ? 12 : 0);
      c.explicit_ = c.meridiem = true;
      e = m + 2;
    }
  }
  if (e < t.size() && (is_alnum(t[e]) || t[e] == '%' || t[e] == '\'')) return c;
  if (hours > 24 || minutes > 59) return c;
  c.minutes = hours * 60 + minutes;
  *i = e;
  return c;
}

// The separator of a range of times: "-", "–", "to", "till", "until",
// "à", "bis"...; `word` tells a word from a dash.
size_t range_separator(const std::string& t, size_t p, bool* word) {
  size_t s = p;
  while (s < t.size() && t[s] == ' ') ++s;
  size_t len = 0;
  *word = false;
  if (s < t.size() && t[s] == '-') len = s + 1 < t.size() && t[s + 1] == '>' ? 2 : 1;
  else if (t.compare(s, 3, "\xE2\x80\x93") == 0 || t.compare(s, 3, "\xE2\x80\x94") == 0) len = 3;
  else
    for (const char* w : {"to", "till", "til", "until", "through", "\xC3\xA0", "a", "bis", "hasta"})
      if (t.compare(s, std::strlen(w), w) == 0 && s + std::strlen(w) < t.size() && t[s + std::strlen(w)] == ' ') {
        len = std::strlen(w);
        *word = true;
      }
  if (!len) return 0;
  s += len;
  while (s < t.size() && t[s] == ' ') ++s;
  return s - p;
}

// Ranges of clock time: "14:00 to 16:30", "10:00-11:30", "9-10:30",
// "2pm - 3:15pm": their lengths, summed, and blanked out of `t` so that no
// number in them is read again.
double clock_range_minutes(std::string& t, bool* found) {
  double total = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!is_digit(t[i]) || (i > 0 && (is_alnum(t[i - 1]) || std::strchr(":.-/#", t[i - 1])))) continue;
    size_t p = i;
    Clock from = clock_at(t, &p);
    if (from.minutes < 0) continue;
    bool word = false;
    size_t sep = range_separator(t, p, &word);
    if (!sep || p + sep >= t.size() || !is_digit(t[p + sep])) continue;
    size_t q = p + sep;
    Clock to = clock_at(t, &q);
    // "2h-3h" is a range of durations; "de 14h à 16h30" one of times.
    bool times = from.explicit_ || to.explicit_ || (word && (from.hour_suffix || to.hour_suffix));
    if (to.minutes < 0 || !times) continue;
    // Both ":MM" or am/pm, or one of them; a bare "9-10" is no range of times.
    int span = to.minutes - from.minutes;
    if (span <= 0 && !from.meridiem && !to.meridiem && from.minutes < 13 * 60) span += 12 * 60;  // 11:00-1:30
    if (span <= 0) span += 24 * 60;                                                               // 23:00-01:00
    if (span > 16 * 60) continue;
    total += span;
    *found = true;
    std::fill(t.begin() + i, t.begin() + q, ' ');
    i = q;
  }
  return total;
}

// Words: half an hour, an hour, quarter of an hour, two hours, an hour and a
// half; "a couple of hours" and "an hour or two" are too vague to log.
double word_minutes(std::string_view text, bool* found) {
  double total = 0;
  auto w = words_of(text);
  for (size_t k = 0; k < w.size(); ++k) {
    if (has_phrase(w, k, {"half", "an", "hour"}) || has_phrase(w, k, {"half", "hour"}) ||
        has_phrase(w, k, {"half", "a", "hour"}) || has_phrase(w, k, {"media", "hora"}) ||
        has_phrase(w, k, {"halbe", "stunde"}) || has_phrase(w, k, {"demi", "heure"})) {
      total += 30;
      *found = true;
      k += 2;
    } else if (has_phrase(w, k, {"quarter", "of", "an", "hour"}) || has_phrase(w, k, {"quarter", "hour"})) {
      total += 15;
      *found = true;
      k += 3;
    } else if ((w[k].text == "an" || w[k].text == "one" || w[k].text == "a") && k + 1 < w.size() &&
               w[k + 1].text == "hour" && !(k > 0 && (w[k - 1].text == "half" || w[k - 1].text == "of")) &&
               !has_phrase(w, k + 2, {"or", "two"}) && !has_phrase(w, k + 2, {"or", "2"})) {
      total += 60;
      *found = true;
      if (has_phrase(w, k + 2, {"and", "a", "half"})) {
        total += 30;
        k += 3;
      }
      k += 1;
    } else if (int n = number_word(w[k].text); n > 0 && k + 1 < w.size()) {
      Unit unit = unit_of(w[k + 1].text);
      if (unit == kNone) continue;
      total += unit == kHours ? n * 60 : n;
      *found = true;
      ++k;
    }
  }
  return total;
}

}  // namespace

std::optional<int> find_duration(std::string_view text) {
  bool found = false;
  std::string lowered = to_lower(text);
  double total = clock_range_minutes(lowered, &found);
  total += numeric_minutes(lowered, &found);
  total += word_minutes(text, &found);
  if (!found) return std::nullopt;
  return static_cast<int>(total + 0.5);
}

}  // namespace rules
