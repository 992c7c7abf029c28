// Durations: "30m", "1h30", "1.5 hours", "an hour and a half", "two hours"...
#include <algorithm>
#include <cstring>

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
  static const char* const hours[] = {"h", "hr", "hrs", "hour", "hours", "std", "stunden"};
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
  if (next == kMinutes || (attached && next != kHours)) {
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

// Numbers with units, summed; `found` tells whether any counted.
double numeric_minutes(const std::string& t, bool* found) {
  double total = 0;
  size_t i = 0;
  while (i < t.size()) {
    bool starts = is_digit(t[i]) && (i == 0 || !(is_alnum(t[i - 1]) || t[i - 1] == '#' || t[i - 1] == '-' ||
                                                 t[i - 1] == '.' || t[i - 1] == '/' || t[i - 1] == ':'));
    if (!starts) {
      ++i;
      continue;
    }
    auto minutes = number_with_unit(t, &i);
    if (minutes && *minutes > 0 && *minutes <= 24 * 60) {
      total += *minutes;
      *found = true;
    }
  }
  return total;
}

// Words: half an hour, an hour, quarter of an hour, two hours, an hour and a half.
double word_minutes(std::string_view text, bool* found) {
  double total = 0;
  auto w = words_of(text);
  for (size_t k = 0; k < w.size(); ++k) {
    if (has_phrase(w, k, {"half", "an", "hour"}) || has_phrase(w, k, {"half", "hour"}) ||
        has_phrase(w, k, {"half", "a", "hour"})) {
      total += 30;
      *found = true;
      k += 2;
    } else if (has_phrase(w, k, {"quarter", "of", "an", "hour"}) || has_phrase(w, k, {"quarter", "hour"})) {
      total += 15;
      *found = true;
      k += 3;
    } else if (has_phrase(w, k, {"couple", "of", "hours"}) || has_phrase(w, k, {"couple", "hours"})) {
      total += 120;
      *found = true;
      k += 2;
    } else if ((w[k].text == "an" || w[k].text == "one" || w[k].text == "a") && k + 1 < w.size() &&
               w[k + 1].text == "hour" && !(k > 0 && (w[k - 1].text == "half" || w[k - 1].text == "of"))) {
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
  double total = numeric_minutes(to_lower(text), &found);
  total += word_minutes(text, &found);
  if (!found) return std::nullopt;
  return static_cast<int>(total + 0.5);
}

}  // namespace rules
