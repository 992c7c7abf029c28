// Character and word helpers the rules parser's scanners share (internal
// to the plugin). Byte-wise and locale-free: any bytes are safe input.
#pragma once

#include <cctype>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace rules {

inline bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

inline std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = lower(c);
  return r;
}

inline std::string to_upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

struct Word {
  std::string text;  // lower case
  size_t pos;
};

// A letter of Latin-1 in UTF-8 (é, ü, ß: C3 80..BF) is part of a word:
// "terminé", "Stunde für".
inline size_t latin_letter_at(std::string_view t, size_t i) {
  return i + 1 < t.size() && static_cast<unsigned char>(t[i]) == 0xC3 &&
                 (static_cast<unsigned char>(t[i + 1]) & 0xC0) == 0x80
             ? 2
             : 0;
}

inline std::vector<Word> words_of(std::string_view t) {
  std::vector<Word> words;
  size_t i = 0;
  auto word_char = [&](size_t at) -> size_t { return is_alnum(t[at]) || t[at] == '\'' ? 1 : latin_letter_at(t, at); };
  while (i < t.size()) {
    if (word_char(i)) {
      size_t s = i;
      while (i < t.size() && word_char(i)) i += word_char(i);
      words.push_back({to_lower(t.substr(s, i - s)), s});
    } else {
      ++i;
    }
  }
  return words;
}

// Where `a` is `b` with two neighbouring characters swapped ("kafak" and
// "kafka": 3), or npos.
inline size_t swapped_at(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a == b) return std::string_view::npos;
  size_t k = 0;
  while (a[k] == b[k]) ++k;
  bool swapped = k + 1 < a.size() && a[k] == b[k + 1] && a[k + 1] == b[k] && a.substr(k + 2) == b.substr(k + 2);
  return swapped ? k : std::string_view::npos;
}

// Whether `w` is one of `words`.
inline bool one_of(std::string_view w, std::initializer_list<const char*> words) {
  for (const char* x : words)
    if (w == x) return true;
  return false;
}

inline bool has_phrase(const std::vector<Word>& w, size_t at, std::initializer_list<const char*> phrase) {
  size_t k = 0;
  for (const char* p : phrase) {
    if (at + k >= w.size() || w[at + k].text != p) return false;
    ++k;
  }
  return true;
}

}  // namespace rules
