// Tickets: GitHub issues (#12, owner/name#12, URLs), Jira keys (PRX-123,
// URLs), Trello cards (URLs); and the tickets a branch name suggests.
#include <algorithm>
#include <cstring>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {

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

}  // namespace rules
