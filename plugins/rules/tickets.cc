// Tickets: the references the trackers declare (devtrack/tickets.hpp), found
// in answers, commit messages, URLs and branch names. Any tracker's forms are
// matched the same way; where two trackers fit one reference equally well,
// it is ambiguous rather than guessed.
#include <algorithm>
#include <cstring>
#include <optional>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {

// Letter-digit prefixes that look like issue keys but are standards, hashes,
// encodings, CPUs and vulnerabilities: UTF-8, SHA-256, ISO-8601, CVE-...
const char* const kNotKeys[] = {
    "UTF",  "UCS",   "SHA",   "MD",    "ISO",   "CVE",  "CWE",  "GHSA", "RFC",  "AES",  "RSA",   "DES",  "CRC",
    "HTTP", "TLS",   "SSL",   "IPV",   "IP",    "TCP",  "UDP",  "X86",  "ARM",  "ARM64", "AMD",  "GPT",  "PEP",
    "ECMA", "ES",    "IEEE",  "IEC",   "ANSI",  "DIN",  "EN",   "BS",   "COVID", "SARS", "USB",  "HDMI", "PCI",
    "DDR",  "LTE",   "WPA",   "WCAG",  "OWASP", "ASCII", "LATIN", "WIN", "CP",   "IBM",  "BASE", "MP",   "H",
    "RAID", "CAT",   "PR",    "TODO",  "FIXME", "V",    "R",    "Q",    "GB",   "MB",   "KB",   "TB",   "GH",
    "NIST", "FIPS",  "OAUTH", "JSR",   "JEP",   "KEP",  "PSR",  "ISBN", "EAN",  "DO",   "PG",   "MS",   "API"};

bool known_non_key(std::string_view prefix) {
  for (const char* p : kNotKeys)
    if (prefix == p) return true;
  return false;
}

void add(std::vector<Ticket>& out, Ticket t) {
  if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
}

bool configured_prefix(const TrackerSyntax& tracker, std::string_view prefix) {
  return std::find(tracker.prefixes.begin(), tracker.prefixes.end(), prefix) != tracker.prefixes.end();
}

// An issue key at `pos` ([A-Z][A-Z0-9]+-[1-9][0-9]*), or 0. Returns its
// length; `configured` says whether the tracker's projects name its prefix.
size_t key_at(std::string_view t, size_t pos, const TrackerSyntax& tracker, bool require_upper, std::string* key,
              bool* configured) {
  size_t i = pos;
  if (i >= t.size() || !std::isalpha(static_cast<unsigned char>(t[i]))) return 0;
  while (i < t.size() && is_alnum(t[i]) && i - pos < 12) ++i;
  std::string prefix(t.substr(pos, i - pos));
  if (i >= t.size() || t[i] != '-' || prefix.size() < 2) return 0;
  std::string upper = to_upper(prefix);
  *configured = configured_prefix(tracker, upper);
  if (!*configured) {
    if (require_upper && prefix != upper) return 0;
    if (known_non_key(upper)) return 0;
    if (!std::all_of(upper.begin(), upper.end(), [](char ch) { return is_upper(ch) || is_digit(ch); })) return 0;
    if (std::count_if(upper.begin(), upper.end(), is_upper) < 2) return 0;
  }
  size_t n = i + 1;
  if (n >= t.size() || !is_digit(t[n]) || t[n] == '0') return 0;
  size_t digits = n;
  while (digits < t.size() && is_digit(t[digits])) ++digits;
  if (digits - n > 7) return 0;
  if (digits < t.size() && (std::isalpha(static_cast<unsigned char>(t[digits])) ||
                            (t[digits] == '.' && digits + 1 < t.size() && is_digit(t[digits + 1]))))
    return 0;  // "ABC-12b", version numbers like "ABC-1.2"
  // "CVE-2024-1234"-like chains of numbers are not keys.
  if (digits + 1 < t.size() && t[digits] == '-' && is_digit(t[digits + 1]) && !*configured) return 0;
  *key = upper + std::string(t.substr(i, digits - i));
  return digits - pos;
}

bool repo_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }

// Where a placeholder of `type` that starts at `pos` ends, or npos; its
// value in `value`. A key's prefix configured for the tracker sets
// `configured`.
size_t field_end(std::string_view t, size_t pos, const std::string& type, const TrackerSyntax& tracker,
                 bool require_upper, std::string* value, bool* configured) {
  auto run = [&](size_t from, auto pred) {
    size_t e = from;
    while (e < t.size() && pred(t[e])) ++e;
    return e;
  };
  size_t end = std::string_view::npos;
  if (type == "number") {
    size_t e = run(pos, is_digit);
    if (e > pos && e - pos <= 7 && t[pos] != '0') end = e;
  } else if (type == "key") {
    if (size_t len = key_at(t, pos, tracker, require_upper, value, configured)) return pos + len;
  } else if (type == "repo") {
    size_t owner = run(pos, repo_char);
    if (owner > pos && owner < t.size() && t[owner] == '/') {
      size_t name = run(owner + 1, repo_char);
      if (name > owner + 1) end = name;
    }
  } else if (type == "id") {
    size_t e = run(pos, is_alnum);
    if (e - pos >= 6 && e - pos <= 24) end = e;
  }
  if (end != std::string_view::npos) *value = std::string(t.substr(pos, end - pos));
  return end;
}

bool literal_at(std::string_view t, size_t pos, const std::string& literal) {
  if (pos + literal.size() > t.size()) return false;
  for (size_t k = 0; k < literal.size(); ++k)
    if (lower(t[pos + k]) != lower(literal[k])) return false;
  return true;
}

struct Match {
  const TrackerSyntax* tracker = nullptr;
  size_t end = 0;
  int score = 0;  // literal characters, +100 for a configured key prefix
  Ticket ticket;
};

// `form` matched at t[pos], with the ticket it names (every field of the
// tracker, "" where this form has none), or nothing.
std::optional<Match> match_form(std::string_view t, size_t pos, const Form& form, const TrackerSyntax& tracker,
                                bool require_upper) {
  Match m{&tracker, pos, form.literal_chars, {}};
  std::vector<Field> found;
  for (const auto& piece : form.pieces) {
    if (!piece.placeholder) {
      if (!literal_at(t, m.end, piece.text)) return std::nullopt;
      m.end += piece.text.size();
      continue;
    }
    std::string value;
    bool configured = false;
    size_t end = field_end(t, m.end, piece.type, tracker, require_upper, &value, &configured);
    if (end == std::string_view::npos) return std::nullopt;
    if (configured) m.score += 100;
    found.push_back({piece.text, piece.type, value});
    m.end = end;
  }
  // Only a match builds its ticket: most places match no form.
  m.ticket.tracker = tracker.id;
  m.ticket.show = tracker.show;
  for (const auto& [name, type] : tracker.fields) {
    Field f{name, type, ""};
    for (const auto& g : found)
      if (g.name == name) f.value = g.value;
    m.ticket.fields.push_back(f);
  }
  return m;
}

// A reference starts where no word goes on before it; one that begins with
// owner/name or '#' also not after - . / # (x/a/b#1, ##1 are not tickets).
bool may_start(std::string_view t, size_t pos, const Form& form) {
  if (pos == 0) return true;
  char prev = t[pos - 1];
  if (is_alnum(prev) || prev == '_') return false;
  const auto& first = form.pieces.front();
  bool attaches = first.placeholder ? first.type == "repo" : first.text[0] == '#';
  return !(attaches && std::strchr("-./#", prev));
}

// ...and ends where no word goes on after it (nor '#' after a number).
bool may_end(std::string_view t, size_t end, const Form& form) {
  if (end >= t.size()) return true;
  char next = t[end];
  if (is_alnum(next) || next == '_') return false;
  const auto& last = form.pieces.back();
  return !(last.placeholder && last.type == "number" && next == '#');
}

// Of the matches at one place: the longest, then the most specific, enabled
// trackers before disabled ones; one per tracker.
std::vector<Match> best_of(std::vector<Match> matches) {
  auto keep_best = [&](auto key) {
    auto best = key(*std::max_element(matches.begin(), matches.end(),
                                      [&](const Match& a, const Match& b) { return key(a) < key(b); }));
    matches.erase(std::remove_if(matches.begin(), matches.end(), [&](const Match& m) { return key(m) != best; }),
                  matches.end());
  };
  keep_best([](const Match& m) { return m.end; });
  keep_best([](const Match& m) { return m.score; });
  keep_best([](const Match& m) { return m.tracker->enabled ? 1 : 0; });
  std::vector<Match> one_each;
  for (auto& m : matches)
    if (std::none_of(one_each.begin(), one_each.end(), [&](const Match& o) { return o.tracker == m.tracker; }))
      one_each.push_back(std::move(m));
  return one_each;
}

// One tracker left: its ticket; several: the reference (as `written`) is
// ambiguous, kept in `ambiguous` when the caller asks for it.
void record(const std::vector<Match>& best, std::string written, std::vector<Ticket>& out,
            std::vector<Ambiguous>* ambiguous) {
  if (best.size() == 1) return add(out, best[0].ticket);
  if (!ambiguous) return;
  Ambiguous a{std::move(written), {}};
  for (const auto& m : best) a.choices.push_back(m.ticket);
  bool seen = std::any_of(ambiguous->begin(), ambiguous->end(),
                          [&](const Ambiguous& b) { return b.text == a.text && b.choices == a.choices; });
  if (!seen) ambiguous->push_back(std::move(a));
}

bool host_fits(const Form& form, const std::string& host, bool exact_pass) {
  for (const auto& h : form.hosts)
    if (exact_pass ? h == host : h == "*") return true;
  return false;
}

// The ticket a URL names, if any: forms for its very host first, then the
// forms for any host; a form's path is looked for anywhere after the host.
void tickets_from_url(std::string_view url, const Context& c, std::vector<Ticket>& out,
                      std::vector<Ambiguous>* ambiguous) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  std::string_view rest = url.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?#");
  if (slash == std::string_view::npos) return;
  std::string host = to_lower(rest.substr(0, slash));
  std::string_view path = rest.substr(slash, 2048);
  for (bool exact_pass : {true, false}) {
    std::vector<Match> matches;
    for (const auto& tracker : c.trackers)
      for (const auto& form : tracker.urls) {
        if (!host_fits(form, host, exact_pass)) continue;
        std::optional<Match> m;
        for (size_t p = 0; p < path.size() && !m; ++p) {
          m = match_form(path, p, form, tracker, false);
          if (m && m->end < path.size() && (is_alnum(path[m->end]) || path[m->end] == '_')) m.reset();
        }
        if (m) {
          matches.push_back(*m);
          break;  // a tracker's first form that fits
        }
      }
    if (!matches.empty()) return record(best_of(std::move(matches)), std::string(url), out, ambiguous);
  }
}

bool url_char(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != '<' && c != '>' && c != '"' && c != '\'' && c != ')' &&
         c != ']';
}

}  // namespace

std::vector<Ticket> find_tickets(std::string_view t, const Context& c, std::vector<Ambiguous>* ambiguous) {
  std::vector<Ticket> out;
  size_t i = 0;
  while (i < t.size()) {
    // URLs first: what is inside them is not scanned again.
    if ((t.compare(i, 7, "http://") == 0 || t.compare(i, 8, "https://") == 0) && (i == 0 || !is_alnum(t[i - 1]))) {
      size_t end = i;
      while (end < t.size() && url_char(t[end])) ++end;
      std::string_view url = t.substr(i, end - i);
      while (!url.empty() && std::strchr(".,;:!?", url.back())) url.remove_suffix(1);
      tickets_from_url(url, c, out, ambiguous);
      i = end;
      continue;
    }
    std::vector<Match> matches;
    for (const auto& tracker : c.trackers)
      for (const auto& form : tracker.text)
        if (may_start(t, i, form))
          if (auto m = match_form(t, i, form, tracker, true); m && may_end(t, m->end, form)) matches.push_back(*m);
    if (!matches.empty()) {
      auto best = best_of(std::move(matches));
      record(best, std::string(t.substr(i, best[0].end - i)), out, ambiguous);
      i = best[0].end;
      continue;
    }
    if (is_alnum(t[i]) || t[i] == '_') {
      while (i < t.size() && (is_alnum(t[i]) || t[i] == '_')) ++i;  // no reference starts inside a word
      continue;
    }
    ++i;
  }
  return out;
}

namespace {

bool starts_with_key(const Form& form) {
  return form.pieces.front().placeholder && form.pieces.front().type == "key";
}

// Keys anywhere in a branch name, where they are often lower-cased
// (feature/prx-123-login): a lower-case one only with a configured prefix.
std::vector<Ticket> keys_in_branch(const std::string& branch, const Context& c) {
  std::vector<Ticket> out;
  std::string upper = to_upper(branch);
  for (size_t i = 0; i < upper.size(); ++i) {
    if (i > 0 && is_alnum(upper[i - 1])) continue;
    std::vector<Match> matches;
    for (const auto& tracker : c.trackers)
      for (const auto& form : tracker.branch) {
        if (!starts_with_key(form)) continue;
        auto m = match_form(upper, i, form, tracker, true);
        if (m && (m->score >= 100 || branch.compare(i, m->end - i, upper, i, m->end - i) == 0)) matches.push_back(*m);
      }
    if (matches.empty()) continue;
    auto best = best_of(std::move(matches));
    record(best, "", out, nullptr);  // an ambiguous one suggests nothing
    i = best[0].end - 1;
  }
  return out;
}

}  // namespace

std::vector<Ticket> tickets_in_branch(const std::string& branch, const Context& c) {
  if (branch.empty()) return {};
  std::vector<Ticket> out = keys_in_branch(branch, c);
  if (!out.empty()) return out;
  // The other forms at the start of the last segment: fix/12-login, issue-12.
  std::string last = branch.substr(branch.rfind('/') == std::string::npos ? 0 : branch.rfind('/') + 1);
  std::vector<Match> matches;
  for (const auto& tracker : c.trackers)
    for (const auto& form : tracker.branch) {
      if (starts_with_key(form)) continue;
      auto m = match_form(last, 0, form, tracker, false);
      if (m && (m->end == last.size() || last[m->end] == '-' || last[m->end] == '_')) {
        matches.push_back(*m);
        break;  // a tracker's first form that fits
      }
    }
  if (!matches.empty()) record(best_of(std::move(matches)), "", out, nullptr);
  return out;
}

}  // namespace rules
