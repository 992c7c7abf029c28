// DevTrack SDK — text at the edge: valid UTF-8 and bounded sizes.
//
// SPDX-License-Identifier: MIT
//
// Every payload that crosses the plugin ABI, the bus or IPC is UTF-8 JSON.
// Text from outside (paths, branch names, commit messages, server replies)
// may be any bytes and any size, so it is made valid and bounded where it
// enters, with these two functions — used by the host and by plugins alike.
// Header-only, no ABI: nothing here crosses the .so boundary.
#ifndef DEVTRACK_TEXT_HPP
#define DEVTRACK_TEXT_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace devtrack::sdk {

// [any-thread] Length of the valid UTF-8 sequence at text[i], or 0 if the
// bytes there are not one (overlong forms, surrogates and code points past
// U+10FFFF are invalid, as in RFC 3629).
inline size_t utf8_sequence_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) n = 3, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) n = 4, hi = 0x8F;
  else return 0;
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

// [any-thread] True if text is valid UTF-8.
inline bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// [any-thread] text with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD, so that JSON can carry it (a path or commit
// message in ISO-8859-1 stays readable instead of failing a JSON dump).
inline std::string to_valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

// [any-thread] Valid UTF-8 of at most max_bytes bytes: cut at a character
// boundary, with a visible " [...]" when something was cut (it fits within
// max_bytes). For text that crosses a size-limited channel (a 2 MiB commit
// message, a server's error page).
inline std::string bounded_utf8(std::string_view text, size_t max_bytes) {
  std::string valid = to_valid_utf8(text);
  if (valid.size() <= max_bytes) return valid;
  static constexpr std::string_view kMark = " [...]";
  size_t keep = max_bytes > kMark.size() ? max_bytes - kMark.size() : 0;
  // Back up to the start of a character (continuation bytes are 10xxxxxx).
  while (keep > 0 && (static_cast<unsigned char>(valid[keep]) & 0xC0) == 0x80) --keep;
  valid.resize(keep);
  if (max_bytes >= kMark.size()) valid += kMark;
  return valid;
}

// [any-thread] The deepest nesting of [ and { in JSON text (outside
// strings), found in one pass without parsing. Parsers and dumps recurse
// once per level, so a 64 KiB message of "[[[[..." overflows a small stack:
// check this before parsing text from outside (IPC, server replies).
inline size_t json_nesting_depth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// Deep enough for every message DevTrack and the trackers' APIs send.
constexpr size_t kMaxJsonDepth = 64;

}  // namespace devtrack::sdk

#endif  // DEVTRACK_TEXT_HPP
