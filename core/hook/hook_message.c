/* The hook's message builder: every write goes through put(), which checks
 * the room left, so no input can make it write past the buffer (the old
 * strcat/snprintf chain overflowed the stack on long control-character
 * paths). */
#include "hook_message.h"

#include <string.h>

struct writer {
  char *out;
  size_t cap;
  size_t len;
  int full; /* something did not fit: the message is unusable */
};

static void put(struct writer *w, const char *s, size_t n) {
  if (w->full || n >= w->cap - w->len) { /* keep one byte for the NUL */
    w->full = 1;
    return;
  }
  memcpy(w->out + w->len, s, n);
  w->len += n;
}

static void put_str(struct writer *w, const char *s) { put(w, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (NUL-terminated), or 0: the same
 * rule as sdk/include/devtrack/text.hpp utf8_sequence_length (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF). A NUL ends the
 * string, so a truncated sequence fails on its continuation-byte check. */
static size_t utf8_sequence_length(const unsigned char *s) {
  unsigned char c = s[0], lo = 0x80, hi = 0xBF;
  size_t n;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) n = 3, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) n = 4, hi = 0x8F;
  else return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (s[k] < 0x80 || s[k] > 0xBF) return 0;
  return n;
}

static void put_escaped(struct writer *w, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char esc[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
      put(w, esc, 6);
      return;
  }
  put(w, esc, 2);
}

/* s as a JSON string: escapes, and U+FFFD for each byte that is not valid
 * UTF-8. Runs of plain bytes are copied in one put(). */
static void put_json_string(struct writer *w, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  put(w, "\"", 1);
  while (*s && !w->full) {
    const unsigned char *run = s;
    size_t n;
    while (*s >= 0x20 && *s != '"' && *s != '\\' && (n = utf8_sequence_length(s)) != 0) s += n;
    put(w, (const char *)run, (size_t)(s - run));
    if (!*s) break;
    if (*s < 0x20 || *s == '"' || *s == '\\') put_escaped(w, *s);
    else put(w, "\xEF\xBF\xBD", 3); /* an invalid byte */
    ++s;
  }
  put(w, "\"", 1);
}

/* at_ms in decimal without snprintf (no locale, no truncation warnings). */
static void put_integer(struct writer *w, long long v) {
  char digits[24];
  size_t i = sizeof digits;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    digits[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) digits[--i] = '-';
  put(w, digits + i, sizeof digits - i);
}

long dt_hook_build_message(char *out, size_t cap, const char *repo, const char *git_dir, const char *commit,
                           const char *branch, long long at_ms, long long git_pid) {
  struct writer w = {out, cap, 0, cap == 0};
  put_str(&w, "{\"v\":1,\"id\":1,\"cmd\":\"hook.commit\",\"args\":{\"repo\":");
  put_json_string(&w, repo);
  put_str(&w, ",\"git_dir\":");
  put_json_string(&w, git_dir);
  put_str(&w, ",\"commit\":");
  put_json_string(&w, commit);
  put_str(&w, ",\"branch\":");
  put_json_string(&w, branch);
  put_str(&w, ",\"at_ms\":");
  put_integer(&w, at_ms);
  if (git_pid > 0) {
    put_str(&w, ",\"git_pid\":");
    put_integer(&w, git_pid);
  }
  put_str(&w, "}}\n");
  if (w.full) {
    if (cap > 0) out[0] = '\0';
    return -1;
  }
  out[w.len] = '\0';
  return (long)w.len;
}
