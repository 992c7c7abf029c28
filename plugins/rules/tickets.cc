// Tickets: the references the trackers declare (devtrack/tickets.hpp), found
// in answers, commit messages, URLs and branch names. Any tracker's forms are
// matched the same way; where two trackers fit one reference equally well,
// it is ambiguous rather than guessed.
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <optional>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {

// Letter-digit prefixes that look like issue keys but are standards,
// specifications and design documents (UTF-8, SHA-256, ISO-8601, CVE-...,
// Kafka's KIP-848, Flink's FLIP-27), hashes, encodings, CPUs and products.
const char* const kNotKeys[] = {
    // standards, specifications and design documents
    "RFC", "ISO", "IEC", "IEEE", "ANSI", "DIN", "EN", "BS", "ECMA", "ES", "ECMASCRIPT", "PEP", "JEP", "JSR", "KEP",
    "PSR", "KIP", "FLIP", "SPIP", "HIP", "BIP", "EIP", "ERC", "NEP", "XEP", "TIP", "SIP", "ZIP", "SEP", "WCAG",
    "OWASP", "NIST", "FIPS", "SOC", "PCI", "PCIDSS", "HIPAA", "ISBN", "EAN",
    // vulnerabilities and advisories
    "CVE", "CWE", "GHSA", "CAPEC", "CVSS", "OSV", "RUSTSEC", "PYSEC", "DSA", "DLA", "USN", "RHSA", "ALAS",
    // encodings, hashes, ciphers and protocols
    "UTF", "UCS", "ASCII", "LATIN", "CP", "BASE", "SHA", "MD", "CRC", "AES", "RSA", "DES", "HTTP", "TLS", "SSL",
    "OAUTH", "IP", "IPV", "TCP", "UDP", "LTE", "WPA",
    // hardware, sizes and media
    "X86", "ARM", "ARM64", "AMD", "AVX", "SSE", "NEON", "USB", "HDMI", "DDR", "RAID", "CAT", "MP", "H", "GB", "MB",
    "KB", "TB",
    // products, systems and models
    "WIN", "IBM", "RHEL", "CENTOS", "UBUNTU", "DEBIAN", "FEDORA", "JDK8", "K8S", "PG", "MS", "GPT", "LLAMA",
    "CLAUDE", "GEMINI", "COVID", "SARS",
    // time and planning
    "UTC", "GMT", "CET", "PST", "EST", "WEEK", "DAY", "Q1", "Q2", "Q3", "Q4", "H1", "H2", "FY", "SPRINT",
    // versions and words
    "V", "R", "Q", "X", "Y", "RC", "BETA", "ALPHA", "TOP", "TODO", "FIXME", "DO", "API",
    // GitHub's own forms (GH-12, PR-12): the GitHub tracker declares them
    "GH", "PR"};

// Prefixes written as examples of a key, not a key: ABC-123, PROJ-123.
const char* const kPlaceholders[] = {"ABC",   "ABCD",  "PROJ", "PROJECT", "XXX",  "XXXX",   "XYZ", "FOO",
                                     "BAR",   "BAZ",   "KEY",  "TICKET",  "ISSUE", "JIRA",  "EXAMPLE", "MYPROJ",
                                     "PRJ",   "TEAM",  "QUX",  "NNN",     "AAA",  "SAMPLE", "DEMO"};

bool listed(const char* const* list, size_t n, std::string_view prefix) {
  for (size_t k = 0; k < n; ++k)
    if (prefix == list[k]) return true;
  return false;
}

bool known_non_key(std::string_view prefix) {
  return listed(kNotKeys, std::size(kNotKeys), prefix) || listed(kPlaceholders, std::size(kPlaceholders), prefix);
}

void add(std::vector<Ticket>& out, Ticket t) {
  if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
}

// The dash between a key's prefix and number: '-', or one of the dashes
// editors and phones put in its place (U+2010..U+2015, U+2212, in UTF-8).
// Returns its length in bytes, or 0.
size_t dash_at(std::string_view t, size_t i) {
  if (i < t.size() && t[i] == '-') return 1;
  if (i + 2 < t.size() && static_cast<unsigned char>(t[i]) == 0xE2) {
    auto b = static_cast<unsigned char>(t[i + 1]), c = static_cast<unsigned char>(t[i + 2]);
    if ((b == 0x80 && c >= 0x90 && c <= 0x95) || (b == 0x88 && c == 0x92)) return 3;
  }
  return 0;
}

// Whether `a` is `b` with two neighbouring letters swapped (KAKFA, KAFKA).
bool transposed(std::string_view a, std::string_view b) {
  return a.size() >= 3 && swapped_at(a, b) != std::string_view::npos;
}

// The configured prefix `upper` names: itself, or the one it is a typo of.
const std::string* configured_prefix(const TrackerSyntax& tracker, std::string_view upper, bool allow_typo) {
  for (const auto& p : tracker.prefixes)
    if (p == upper) return &p;
  if (allow_typo)
    for (const auto& p : tracker.prefixes)
      if (transposed(upper, p)) return &p;
  return nullptr;
}

bool is_word_prefix(const TrackerSyntax& tracker, const std::string& prefix) {
  return std::find(tracker.word_prefixes.begin(), tracker.word_prefixes.end(), prefix) != tracker.word_prefixes.end();
}

bool all_upper_letters(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
}

// The digits of a key's number at t[n]: their end, or 0 when they are no
// key's number (a leading zero, too long, a word or version goes on).
size_t key_number_end(std::string_view t, size_t n) {
  if (n >= t.size() || !is_digit(t[n]) || t[n] == '0') return 0;
  size_t digits = n;
  while (digits < t.size() && is_digit(t[digits])) ++digits;
  if (digits - n > 7) return 0;
  if (digits < t.size() && (std::isalpha(static_cast<unsigned char>(t[digits])) ||
                            (t[digits] == '.' && digits + 1 < t.size() && is_digit(t[digits + 1]))))
    return 0;  // "ABC-12b", version numbers like "ABC-1.2"
  return digits;
}

// An issue key at `pos`, or 0; its length is returned and its canonical
// form (PRX-123) goes to `key`. Any tracker's key is [A-Z][A-Z0-9]+-N in
// upper case; a prefix the user configured for the tracker is stronger
// evidence, so it is also taken in the forms people write it in a hurry:
// lower case (prx-123), a typographic dash (PRX‑123), no dash (PRX123), a
// space (PRX 123), or with two letters swapped (RPX-123). Where the prefix
// is also an everyday word of the user's projects ("spark", "web"), the
// dashless and spaced forms need upper case or three digits ("web 2" and
// "spark3" are no keys). `configured` tells which kind was found.
size_t key_at(std::string_view t, size_t pos, const TrackerSyntax& tracker, bool require_upper, std::string* key,
              bool* configured) {
  if (pos >= t.size() || !std::isalpha(static_cast<unsigned char>(t[pos]))) return 0;
  size_t i = pos;
  while (i < t.size() && is_alnum(t[i]) && i - pos < 16) ++i;
  if (i < t.size() && is_alnum(t[i])) return 0;  // no key prefix is that long
  std::string_view written = t.substr(pos, i - pos);
  std::string upper = to_upper(written);
  auto finish = [&](const std::string& prefix, size_t number, size_t end) {
    *key = prefix + "-" + std::string(t.substr(number, end - number));
    return end - pos;
  };
  // PREFIX-N, with any dash.
  if (size_t dash = dash_at(t, i); dash && written.size() >= 2 && i + dash < t.size() && is_digit(t[i + dash])) {
    size_t end = key_number_end(t, i + dash);
    if (!end) return 0;
    bool upper_case = all_upper_letters(written);
    const std::string* prefix = configured_prefix(tracker, upper, upper_case || end - (i + dash) >= 3);
    *configured = prefix != nullptr;
    if (*configured) return finish(*prefix, i + dash, end);
    // Any tracker's key is written the regular way: upper case, '-'.
    if ((require_upper && !upper_case) || dash != 1 || known_non_key(upper)) return 0;
    if (!std::all_of(upper.begin(), upper.end(), [](char ch) { return is_upper(ch) || is_digit(ch); })) return 0;
    if (std::count_if(upper.begin(), upper.end(), is_upper) < 2) return 0;
    // "CVE-2024-1234"-like chains of numbers are not keys.
    if (end + 1 < t.size() && t[end] == '-' && is_digit(t[end + 1])) return 0;
    return finish(upper, i + dash, end);
  }
  // Only a configured prefix from here: PRX123, PRX 123, PRX_123,
  // PRX:123, PRX- 123.
  for (const auto& prefix : tracker.prefixes) {
    bool strong = all_upper_letters(written.substr(0, std::min(prefix.size(), written.size())));
    size_t min_digits = strong || !is_word_prefix(tracker, prefix) ? 1 : 3;
    if (upper.size() > prefix.size() && upper.compare(0, prefix.size(), prefix) == 0) {
      size_t number = pos + prefix.size();
      size_t end = key_number_end(t, number);
      if (end == i && end - number >= std::max<size_t>(min_digits, 2)) {
        *configured = true;
        return finish(prefix, number, end);
      }
    } else if (upper == prefix) {
      size_t number = i;
      if (t.compare(i, 2, "- ") == 0) number = i + 2;
      else if (i < t.size() && (t[i] == ' ' || t[i] == '_' || t[i] == ':')) number = i + 1;
      if (number == i) continue;
      size_t end = key_number_end(t, number);
      // Not a version or a ratio: "Spark 3:5", "kafka 2.8" (key_number_end), "web 100%".
      bool ratio = end < t.size() && (t[end] == '%' || (t[end] == ':' && end + 1 < t.size() && is_digit(t[end + 1])));
      if (end && end - number >= min_digits && !ratio) {
        *configured = true;
        return finish(prefix, number, end);
      }
    }
  }
  return 0;
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
    // owner/name, each with a letter or digit: GitLab's "/-/" is no repo.
    auto named = [&](size_t from, size_t to) { return std::any_of(t.begin() + from, t.begin() + to, is_alnum); };
    size_t owner = run(pos, repo_char);
    if (owner > pos && owner < t.size() && t[owner] == '/' && named(pos, owner)) {
      size_t name = run(owner + 1, repo_char);
      if (name > owner + 1 && named(owner + 1, name)) end = name;
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

// Hosts of forges no bundled tracker speaks for (gitlab.com, a company's
// gitlab.example.com, bitbucket.org...): a form for any host ("*") does not
// read their URLs, whose paths look like GitHub's. A tracker that declares
// such a host by name still gets it.
bool other_forge(const std::string& host) {
  for (const char* forge : {"gitlab", "bitbucket", "codeberg", "gitee", "gitea", "forgejo", "sourcehut"}) {
    size_t at = host.find(forge);
    if (at != std::string::npos && (at == 0 || host[at - 1] == '.') && host.size() > at + std::strlen(forge) &&
        host[at + std::strlen(forge)] == '.')
      return true;
  }
  return host == "sr.ht" || (host.size() > 6 && host.compare(host.size() - 6, 6, ".sr.ht") == 0) ||
         host == "salsa.debian.org" || host == "invent.kde.org" || host == "dev.azure.com" ||
         host == "sourceforge.net";
}

bool host_fits(const Form& form, const std::string& host, bool exact_pass) {
  for (const auto& h : form.hosts)
    if (exact_pass ? h == host : h == "*" && !other_forge(host)) return true;
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

// A link written without its scheme (github.com/acme/web/pull/5,
// trello.com/c/Ab12Cd34): a host with a dot and a top-level domain of
// letters, then a path. Returns the host's length, or 0.
size_t bare_host_at(std::string_view t, size_t i) {
  if (i > 0 && (is_alnum(t[i - 1]) || std::strchr("./@_-:", t[i - 1]))) return 0;
  size_t e = i, last_dot = std::string_view::npos;
  while (e < t.size() && (is_alnum(t[e]) || t[e] == '-' || t[e] == '.') && e - i < 253) {
    if (t[e] == '.') last_dot = e;
    ++e;
  }
  if (last_dot == std::string_view::npos || e >= t.size() || t[e] != '/' || last_dot + 2 >= e) return 0;
  for (size_t k = last_dot + 1; k < e; ++k)
    if (!std::isalpha(static_cast<unsigned char>(t[k]))) return 0;
  return e - i;
}

std::string_view url_at(std::string_view t, size_t i, size_t* end) {
  *end = i;
  while (*end < t.size() && url_char(t[*end])) ++*end;
  std::string_view url = t.substr(i, *end - i);
  while (!url.empty() && std::strchr(".,;:!?", url.back())) url.remove_suffix(1);
  return url;
}

// The word right before t[pos], with only spaces (or "no.") between;
// "" when something else stands between: "batch (#12)" names #12.
std::string previous_word(std::string_view t, size_t pos) {
  size_t e = pos;
  while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '.') && pos - e < 2) --e;
  if (e > 0 && !is_alnum(t[e - 1])) return "";
  size_t s = e;
  while (s > 0 && is_alnum(t[s - 1])) --s;
  return to_lower(t.substr(s, e - s));
}

std::string next_word(std::string_view t, size_t pos, size_t* after = nullptr) {
  size_t s = pos;
  while (s < t.size() && t[s] == ' ') ++s;
  size_t e = s;
  while (e < t.size() && is_alnum(t[e])) ++e;
  if (after) *after = e;
  return to_lower(t.substr(s, e - s));
}


// "#N" that counts or ranks rather than names an issue: "#1 priority",
// "step #2 of the checklist", "build #4512", "color: #123456".
bool counts_rather_than_names(std::string_view t, size_t start, size_t end) {
  std::string before = previous_word(t, start);
  if (one_of(before, {"step", "steps", "phase", "stage", "part", "item", "point", "number", "no", "rank", "ranked",
                      "place", "top", "option", "round", "attempt", "try", "take", "day", "week", "chapter",
                      "section", "slide", "page", "episode", "level", "tier", "build", "builds", "run", "job",
                      "pipeline", "workflow", "ci", "iteration", "sprint", "line", "row", "column", "seed",
                      "player", "match", "game", "entry", "question", "rule", "color", "colour", "background",
                      "bg", "fill", "stroke", "border", "hex", "rgb", "foreground", "fg", "tip", "lesson", "video",
                      "post", "volume", "vol", "exercise", "worker", "thread", "shard",
                      "replica", "partition", "core", "cpu", "gpu", "slot", "room", "floor", "gate", "channel"}))
    return true;
  size_t after = 0;
  std::string next = next_word(t, end, &after);
  if (one_of(next, {"priority", "priorities", "concern", "concerns", "cause", "reason", "thing", "choice", "spot",
                    "fan", "goal", "pick", "complaint", "killer", "contributor", "seller", "favorite", "favourite",
                    "position", "ranked", "most", "rule", "tip", "mistake", "problem", "source", "offender"}))
    return true;
  // "#2 of the checklist", "#3 of 5"
  if (next == "of") {
    std::string then = next_word(t, after);
    if (one_of(then, {"the", "my", "our", "your", "them", "these", "those", "this"}) ||
        (!then.empty() && is_digit(then[0])))
      return true;
  }
  return false;
}

}  // namespace

// "Merge pull request #12 from someone/fix-PRX-3": the branch after "from"
// is where the change came from, not a reference. Returns where it ends,
// or `i`.
size_t skip_merged_branch(std::string_view t, size_t i) {
  static constexpr std::string_view kFrom = "from ";
  if (i < kFrom.size() || t.compare(i - kFrom.size(), kFrom.size(), kFrom) != 0) return i;
  std::string before = to_lower(t.substr(0, i));
  if (before.rfind("merge pull request #", 0) != 0 && before.find(" merge pull request #") == std::string::npos)
    return i;
  size_t e = i;
  while (e < t.size() && !std::isspace(static_cast<unsigned char>(t[e]))) ++e;
  return e;
}

// A bare #12 and acme/web#12 of one tracker in one text are one ticket:
// the one that names its repository.
void drop_less_specific(std::vector<Ticket>& out) {
  auto covered = [&](const Ticket& t) {
    return std::any_of(out.begin(), out.end(), [&](const Ticket& o) {
      if (&o == &t || o.tracker != t.tracker || o.fields.size() != t.fields.size()) return false;
      bool wider = false;
      for (size_t k = 0; k < t.fields.size(); ++k) {
        if (t.fields[k].value == o.fields[k].value) continue;
        if (!t.fields[k].value.empty()) return false;
        wider = true;  // o has a field t leaves open
      }
      return wider;
    });
  };
  std::vector<Ticket> kept;
  for (const auto& t : out)
    if (!covered(t)) kept.push_back(t);
  out = std::move(kept);
}

std::vector<Ticket> find_tickets(std::string_view t, const Context& c, std::vector<Ambiguous>* ambiguous) {
  std::vector<Ticket> out;
  size_t i = 0;
  while (i < t.size()) {
    if (size_t past = skip_merged_branch(t, i); past != i) {
      i = past;
      continue;
    }
    // URLs first: what is inside them is not scanned again.
    if ((t.compare(i, 7, "http://") == 0 || t.compare(i, 8, "https://") == 0) && (i == 0 || !is_alnum(t[i - 1]))) {
      size_t end = 0;
      tickets_from_url(url_at(t, i, &end), c, out, ambiguous);
      i = end;
      continue;
    }
    if (bare_host_at(t, i)) {
      size_t end = 0;
      tickets_from_url("https://" + std::string(url_at(t, i, &end)), c, out, ambiguous);
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
      if (!(t[i] == '#' && counts_rather_than_names(t, i, best[0].end)))
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
  drop_less_specific(out);
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
