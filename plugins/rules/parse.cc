#include "parse.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace rules {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = lower(c);
  return r;
}

std::string to_upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// Letter-digit prefixes that look like Jira keys but are standards, hashes,
// encodings, CPUs and vulnerabilities: UTF-8, SHA-256, ISO-8601, CVE-...
const char* const kNotJira[] = {
    "UTF",  "UCS",   "SHA",   "MD",    "ISO",   "CVE",  "CWE",  "GHSA", "RFC",  "AES",  "RSA",   "DES",  "CRC",
    "HTTP", "TLS",   "SSL",   "IPV",   "IP",    "TCP",  "UDP",  "X86",  "ARM",  "ARM64", "AMD",  "GPT",  "PEP",
    "ECMA", "ES",    "IEEE",  "IEC",   "ANSI",  "DIN",  "EN",   "BS",   "COVID", "SARS", "USB",  "HDMI", "PCI",
    "DDR",  "LTE",   "WPA",   "WCAG",  "OWASP", "ASCII", "LATIN", "WIN", "CP",   "IBM",  "BASE", "MP",   "H",
    "RAID", "CAT",   "PR",    "TODO",  "FIXME", "V",    "R",    "Q",    "GB",   "MB",   "KB",   "TB",   "GH",
    "NIST", "FIPS",  "OAUTH", "JSR",   "JEP",   "KEP",  "PSR",  "ISBN", "EAN",  "DO",   "PG",   "MS",   "API"};

bool known_non_jira(std::string_view prefix) {
  for (const char* p : kNotJira)
    if (prefix == p) return true;
  return false;
}

void add(std::vector<Ticket>& out, Ticket t) {
  if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
}

bool configured_jira(const Context& c, std::string_view prefix) {
  for (const auto& p : c.projects)
    for (const auto& k : p.jira)
      if (k == prefix) return true;
  return false;
}

// A Jira key at `pos` ([A-Z][A-Z0-9]+-[1-9][0-9]*), or 0. Returns its length.
size_t jira_key_at(std::string_view t, size_t pos, const Context& c, bool require_upper, std::string* key) {
  size_t i = pos;
  if (i >= t.size() || !std::isalpha(static_cast<unsigned char>(t[i]))) return 0;
  while (i < t.size() && is_alnum(t[i]) && i - pos < 12) ++i;
  std::string prefix(t.substr(pos, i - pos));
  if (i >= t.size() || t[i] != '-' || prefix.size() < 2) return 0;
  std::string upper = to_upper(prefix);
  bool configured = configured_jira(c, upper);
  if (!configured) {
    if (require_upper && prefix != upper) return 0;
    if (known_non_jira(upper)) return 0;
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
  if (digits + 1 < t.size() && t[digits] == '-' && is_digit(t[digits + 1]) && !configured) return 0;
  *key = upper + std::string(t.substr(i, digits - i));
  return digits - pos;
}

// Parses a URL and adds the ticket it names, if any.
void ticket_from_url(std::string_view url, std::vector<Ticket>& out, const Context& c) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  std::string_view rest = url.substr(scheme + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return;
  std::string host = to_lower(rest.substr(0, slash));
  std::string_view path = rest.substr(slash);
  // Trello: /c/<shortLink>[/...]
  if (host == "trello.com" || host == "www.trello.com") {
    if (path.rfind("/c/", 0) == 0) {
      std::string_view card = path.substr(3);
      card = card.substr(0, card.find_first_of("/?#"));
      if (card.size() >= 6 && card.size() <= 24 && std::all_of(card.begin(), card.end(), is_alnum)) {
        Ticket t;
        t.system = "trello";
        t.card = std::string(card);
        add(out, t);
      }
    }
    return;
  }
  // Jira: .../browse/KEY-1 or ?selectedIssue=KEY-1
  for (const char* marker : {"/browse/", "selectedIssue="}) {
    size_t at = url.find(marker);
    if (at == std::string_view::npos) continue;
    std::string key;
    if (jira_key_at(url, at + std::strlen(marker), c, false, &key)) {
      Ticket t;
      t.system = "jira";
      t.key = key;
      add(out, t);
      return;
    }
  }
  // GitHub (or Enterprise): /owner/repo/(issues|pull)/N
  std::vector<std::string_view> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find_first_of("/?#", start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    if (end >= path.size() || path[end] != '/') break;
    start = end + 1;
  }
  for (size_t i = 0; i + 3 < parts.size(); ++i) {
    std::string_view kind = parts[i + 2];
    std::string_view num = parts[i + 3];
    if ((kind == "issues" || kind == "pull" || kind == "pulls") && !num.empty() &&
        std::all_of(num.begin(), num.end(), is_digit) && num.size() <= 9 && !parts[i].empty() && !parts[i + 1].empty()) {
      Ticket t;
      t.system = "github";
      t.repo = std::string(parts[i]) + "/" + std::string(parts[i + 1]);
      t.number = std::stol(std::string(num));
      add(out, t);
      return;
    }
  }
}

bool url_char(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != '<' && c != '>' && c != '"' && c != '\'' && c != ')' &&
         c != ']';
}

bool repo_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }

}  // namespace

std::vector<Ticket> find_tickets(std::string_view t, const Context& c) {
  std::vector<Ticket> out;
  size_t i = 0;
  while (i < t.size()) {
    // URLs first: what is inside them is not scanned again.
    if ((t.compare(i, 7, "http://") == 0 || t.compare(i, 8, "https://") == 0) && (i == 0 || !is_alnum(t[i - 1]))) {
      size_t end = i;
      while (end < t.size() && url_char(t[end])) ++end;
      std::string_view url = t.substr(i, end - i);
      while (!url.empty() && std::strchr(".,;:!?", url.back())) url.remove_suffix(1);
      ticket_from_url(url, out, c);
      i = end;
      continue;
    }
    char ch = t[i];
    bool word_start = i == 0 || !(is_alnum(t[i - 1]) || t[i - 1] == '_');
    // #123 and owner/repo#123
    if (ch == '#' && i + 1 < t.size() && is_digit(t[i + 1])) {
      size_t d = i + 1;
      while (d < t.size() && is_digit(t[d])) ++d;
      bool ends = d == t.size() || !(is_alnum(t[d]) || t[d] == '_' || t[d] == '#');
      bool heading = i > 0 && t[i - 1] == '#';  // "##12": Markdown, not a ticket
      if (ends && !heading && d - i - 1 <= 7 && t[i + 1] != '0') {
        // Look back for owner/repo right before the '#'.
        size_t b = i;
        while (b > 0 && (repo_char(t[b - 1]) || t[b - 1] == '/')) --b;
        std::string_view before = t.substr(b, i - b);
        Ticket tk;
        tk.system = "github";
        tk.number = std::stol(std::string(t.substr(i + 1, d - i - 1)));
        size_t slash = before.find('/');
        if (!before.empty() && slash != std::string_view::npos && slash > 0 && slash + 1 < before.size() &&
            before.find('/', slash + 1) == std::string_view::npos) {
          tk.repo = std::string(before);
          add(out, tk);
        } else if (before.empty()) {
          add(out, tk);
        }
        i = d;
        continue;
      }
    }
    if (word_start && std::isalpha(static_cast<unsigned char>(ch))) {
      // GH-123
      if ((ch == 'G' || ch == 'g') && i + 3 < t.size() && (t[i + 1] == 'H' || t[i + 1] == 'h') && t[i + 2] == '-' &&
          is_digit(t[i + 3])) {
        size_t d = i + 3;
        while (d < t.size() && is_digit(t[d])) ++d;
        if ((d == t.size() || !is_alnum(t[d])) && d - i - 3 <= 7) {
          Ticket tk;
          tk.system = "github";
          tk.number = std::stol(std::string(t.substr(i + 3, d - i - 3)));
          add(out, tk);
          i = d;
          continue;
        }
      }
      std::string key;
      if (size_t len = jira_key_at(t, i, c, true, &key)) {
        Ticket tk;
        tk.system = "jira";
        tk.key = key;
        add(out, tk);
        i += len;
        continue;
      }
      while (i < t.size() && (is_alnum(t[i]) || t[i] == '_')) ++i;  // skip the word
      continue;
    }
    ++i;
  }
  return out;
}

namespace {

struct Word {
  std::string text;  // lower case
  size_t pos;
};

std::vector<Word> words_of(std::string_view t) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < t.size()) {
    if (is_alnum(t[i]) || t[i] == '\'') {
      size_t s = i;
      while (i < t.size() && (is_alnum(t[i]) || t[i] == '\'')) ++i;
      words.push_back({to_lower(t.substr(s, i - s)), s});
    } else {
      ++i;
    }
  }
  return words;
}

bool has_phrase(const std::vector<Word>& w, size_t at, std::initializer_list<const char*> phrase) {
  size_t k = 0;
  for (const char* p : phrase) {
    if (at + k >= w.size() || w[at + k].text != p) return false;
    ++k;
  }
  return true;
}

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

}  // namespace

std::optional<int> find_duration(std::string_view text) {
  std::string t = to_lower(text);
  double total = 0;
  bool found = false;
  // Numbers with units: 2h, 1.5 hours, 90 min, 1h30, 1h 30m, 1:30h.
  size_t i = 0;
  while (i < t.size()) {
    bool starts = is_digit(t[i]) && (i == 0 || !(is_alnum(t[i - 1]) || t[i - 1] == '#' || t[i - 1] == '-' ||
                                                 t[i - 1] == '.' || t[i - 1] == '/' || t[i - 1] == ':'));
    if (!starts) {
      ++i;
      continue;
    }
    size_t s = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i - s > 5) continue;  // no duration has that many digits
    double value = std::stod(t.substr(s, i - s));
    if (i + 1 < t.size() && (t[i] == '.' || t[i] == ',') && is_digit(t[i + 1])) {
      size_t f = i + 1;
      while (f < t.size() && is_digit(t[f])) ++f;
      if (f - i > 4) {
        i = f;
        continue;
      }
      value = std::stod(t.substr(s, i - s) + "." + t.substr(i + 1, f - i - 1));
      i = f;
    }
    // 1:30 (hours:minutes) followed by h / hours
    int colon_minutes = -1;
    if (i + 2 < t.size() && t[i] == ':' && is_digit(t[i + 1]) && is_digit(t[i + 2])) {
      colon_minutes = (t[i + 1] - '0') * 10 + (t[i + 2] - '0');
      i += 3;
    }
    size_t u = i;
    while (u < t.size() && t[u] == ' ') ++u;
    size_t ue = u;
    while (ue < t.size() && std::isalpha(static_cast<unsigned char>(t[ue]))) ++ue;
    Unit unit = unit_of(std::string_view(t).substr(u, ue - u));
    if (unit == kNone && ue == u && u < t.size() && t[u] == '\'') unit = kMinutes;  // 45'
    if (unit == kNone) {
      i = std::max(i, ue);
      continue;
    }
    if (colon_minutes >= 0 && unit == kHours) value += colon_minutes / 60.0;
    double minutes = unit == kHours ? value * 60 : value;
    i = ue;
    // "1h30" / "1h 30": minutes after hours without a unit of their own
    if (unit == kHours) {
      size_t m = i;
      while (m < t.size() && t[m] == ' ') ++m;
      if (m < t.size() && is_digit(t[m])) {
        size_t me = m;
        while (me < t.size() && is_digit(t[me])) ++me;
        if (me - m > 4) continue;
        size_t after = me;
        while (after < t.size() && t[after] == ' ') ++after;
        size_t ae = after;
        while (ae < t.size() && std::isalpha(static_cast<unsigned char>(t[ae]))) ++ae;
        Unit next = unit_of(std::string_view(t).substr(after, ae - after));
        bool attached = m == i;  // "1h30": minutes written right after the hours
        if (next == kMinutes || (attached && next != kHours)) {
          minutes += std::stod(t.substr(m, me - m));
          i = next == kMinutes ? ae : me;
        }
      }
    }
    if (minutes > 0 && minutes <= 24 * 60) {
      total += minutes;
      found = true;
    }
  }
  // Words: half an hour, an hour, quarter of an hour, two hours, an hour and a half.
  auto w = words_of(text);
  for (size_t k = 0; k < w.size(); ++k) {
    if (has_phrase(w, k, {"half", "an", "hour"}) || has_phrase(w, k, {"half", "hour"}) ||
        has_phrase(w, k, {"half", "a", "hour"})) {
      total += 30;
      found = true;
      k += 2;
    } else if (has_phrase(w, k, {"quarter", "of", "an", "hour"}) || has_phrase(w, k, {"quarter", "hour"})) {
      total += 15;
      found = true;
      k += 3;
    } else if (has_phrase(w, k, {"couple", "of", "hours"}) || has_phrase(w, k, {"couple", "hours"})) {
      total += 120;
      found = true;
      k += 2;
    } else if ((w[k].text == "an" || w[k].text == "one" || w[k].text == "a") && k + 1 < w.size() &&
               w[k + 1].text == "hour" && !(k > 0 && (w[k - 1].text == "half" || w[k - 1].text == "of"))) {
      total += 60;
      found = true;
      if (has_phrase(w, k + 2, {"and", "a", "half"})) {
        total += 30;
        k += 3;
      }
      k += 1;
    } else if (int n = number_word(w[k].text); n > 0 && k + 1 < w.size()) {
      Unit unit = unit_of(w[k + 1].text);
      if (unit == kNone) continue;
      total += unit == kHours ? n * 60 : n;
      found = true;
      ++k;
    }
  }
  if (!found) return std::nullopt;
  return static_cast<int>(total + 0.5);
}

std::string find_status(std::string_view text) {
  auto w = words_of(text);
  bool blocked = false, done = false, progress = false, negated_done = false;
  static const char* const done_words[] = {"done",     "finished", "fixed",    "merged",   "completed", "complete",
                                           "shipped",  "resolved", "closed",   "deployed", "released",  "landed",
                                           "finalized", "delivered", "solved", "fixes",   "closes",    "resolves"};
  static const char* const progress_words[] = {"wip", "started", "starting", "continuing", "continued",
                                               "ongoing", "halfway", "partially", "progressing", "drafted"};
  for (size_t k = 0; k < w.size(); ++k) {
    const std::string& x = w[k].text;
    if (x == "blocked" || x == "stuck" || x == "blocker" || x == "blocking" || has_phrase(w, k, {"waiting", "on"}) ||
        has_phrase(w, k, {"waiting", "for"}) || has_phrase(w, k, {"on", "hold"}) || has_phrase(w, k, {"can't", "proceed"}))
      blocked = true;
    for (const char* d : done_words)
      if (x == d) {
        bool neg = (k > 0 && (w[k - 1].text == "not" || w[k - 1].text == "isn't" || w[k - 1].text == "never")) ||
                   (k > 1 && w[k - 1].text == "yet" && w[k - 2].text == "not") ||
                   (k > 1 && w[k - 2].text == "not" && (w[k - 1].text == "quite" || w[k - 1].text == "yet")) ||
                   (k > 0 && (w[k - 1].text == "partially" || w[k - 1].text == "half" ||
                              w[k - 1].text == "almost" || w[k - 1].text == "nearly" || w[k - 1].text == "mostly"));
        if (neg) negated_done = true;
        else done = true;
      }
    for (const char* p : progress_words)
      if (x == p) progress = true;
    if (has_phrase(w, k, {"in", "progress"}) || has_phrase(w, k, {"working", "on"}) ||
        has_phrase(w, k, {"still", "working"}) || has_phrase(w, k, {"more", "work"}) ||
        has_phrase(w, k, {"work", "in", "progress"}) || has_phrase(w, k, {"not", "finished"}))
      progress = true;
  }
  if (blocked) return "blocked";
  if (done && !negated_done) return "done";
  if (progress || negated_done) return "in_progress";
  return "";
}

namespace {

// Whole-word, case-insensitive occurrence of `phrase` in `lower_text`.
bool mentions(const std::string& lower_text, const std::string& phrase) {
  if (phrase.empty()) return false;
  std::string p = to_lower(phrase);
  for (size_t at = lower_text.find(p); at != std::string::npos; at = lower_text.find(p, at + 1)) {
    bool left = at == 0 || !is_alnum(lower_text[at - 1]);
    size_t end = at + p.size();
    bool right = end >= lower_text.size() || !is_alnum(lower_text[end]);
    if (left && right) return true;
  }
  return false;
}

bool project_has_repo(const Project& p, const std::string& repo) {
  if (repo.empty()) return false;
  if (p.github == repo) return true;
  for (const auto& r : p.repos) {
    if (r == repo) return true;
    // A path ending in the configured one (~/src/x vs /home/me/src/x).
    std::string tail = r.rfind("~/", 0) == 0 ? r.substr(1) : r;
    if (!tail.empty() && tail[0] == '/' && repo.size() >= tail.size() &&
        repo.compare(repo.size() - tail.size(), tail.size(), tail) == 0)
      return true;
  }
  return false;
}

std::vector<std::string> projects_for_tickets(const std::vector<Ticket>& tickets, const Context& c) {
  std::vector<std::string> ids;
  for (const auto& t : tickets)
    for (const auto& p : c.projects) {
      bool match = false;
      if (t.system == "jira") {
        std::string prefix = t.key.substr(0, t.key.find('-'));
        match = std::find(p.jira.begin(), p.jira.end(), prefix) != p.jira.end();
      } else if (t.system == "github" && !t.repo.empty()) {
        match = project_has_repo(p, t.repo);
      } else if (t.system == "trello") {
        match = !p.trello.empty() && p.trello == t.card;  // a card's board is not in its link
      }
      if (match && std::find(ids.begin(), ids.end(), p.id) == ids.end()) ids.push_back(p.id);
    }
  return ids;
}

std::vector<Ticket> tickets_in_branch(const std::string& branch, const Context& c) {
  std::vector<Ticket> out;
  if (branch.empty()) return out;
  // Jira keys are often lower-cased in branch names: feature/prx-123-login.
  std::string upper = to_upper(branch);
  for (size_t i = 0; i < upper.size(); ++i) {
    if (i > 0 && is_alnum(upper[i - 1])) continue;
    std::string key;
    if (size_t len = jira_key_at(upper, i, c, true, &key)) {
      bool plausible = configured_jira(c, key.substr(0, key.find('-'))) || branch.compare(i, len, key) == 0;
      if (plausible) add(out, Ticket{"jira", "", 0, key, ""});
      i += len;
    }
  }
  if (!out.empty()) return out;
  // fix/12-login, issue-12, 12-login, gh-12
  std::string last = branch.substr(branch.rfind('/') == std::string::npos ? 0 : branch.rfind('/') + 1);
  std::string l = to_lower(last);
  for (const char* prefix : {"issue-", "issues-", "gh-", "bug-", ""}) {
    if (l.rfind(prefix, 0) != 0) continue;
    size_t d = std::strlen(prefix);
    size_t e = d;
    while (e < l.size() && is_digit(l[e])) ++e;
    if (e > d && e - d <= 7 && (e == l.size() || l[e] == '-' || l[e] == '_') && l[d] != '0') {
      add(out, Ticket{"github", "", std::stol(l.substr(d, e - d)), "", ""});
      break;
    }
  }
  return out;
}

}  // namespace

Result parse(std::string_view text, const Context& c) {
  Result r;
  r.tickets = find_tickets(text, c);
  r.duration_minutes = find_duration(text);
  r.status = find_status(text);
  r.branch_tickets = tickets_in_branch(c.branch, c);

  // Project: named in the answer > implied by its tickets > the branch's
  // tickets > the trigger's repository.
  std::string lower_text = to_lower(text);
  std::vector<std::string> named;
  for (const auto& p : c.projects) {
    bool hit = mentions(lower_text, p.id) || (p.name != p.id && mentions(lower_text, p.name));
    for (const auto& a : p.aliases) hit = hit || mentions(lower_text, a);
    if (hit) named.push_back(p.id);
  }
  std::vector<std::string> candidates = named;
  if (candidates.empty()) candidates = projects_for_tickets(r.tickets, c);
  if (candidates.empty()) candidates = projects_for_tickets(r.branch_tickets, c);
  if (candidates.empty())
    for (const auto& p : c.projects)
      if (project_has_repo(p, c.repo) || project_has_repo(p, c.slug)) candidates.push_back(p.id);
  if (candidates.size() == 1) r.project = candidates[0];
  else if (candidates.size() > 1) r.ambiguous = candidates;

  bool empty = std::all_of(text.begin(), text.end(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
  if (!empty) {
    r.confidence = 0.4;
    if (!r.tickets.empty()) r.confidence += 0.3;
    if (!r.project.empty()) r.confidence += 0.1;
    if (r.duration_minutes) r.confidence += 0.1;
    if (!r.status.empty()) r.confidence += 0.1;
    if (!r.ambiguous.empty()) r.confidence -= 0.2;
  }
  return r;
}

}  // namespace rules
