// The fault rules of DEVTRACK_FAULTS (grammar in fault.h). Compiled only
// with DEVTRACK_FAULT_INJECTION.
#include "util/fault.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

namespace devtrack::fault {

namespace {

struct Rule {
  std::string point;    // a fault point name, or "" for a sqlite rule
  std::string op;       // sqlite: write | sync | truncate | lock | io
  std::string file;     // sqlite: a prefix of the file's base name
  std::string action;   // kill | abort | throw | full | ioerr | busy
  long nth = 0;         // 0: every call
  bool from_nth = false;
  std::string control;  // "" or a file that must exist
  std::atomic<long> calls{0};
};

using Rules = std::vector<std::unique_ptr<Rule>>;

[[noreturn]] void bad_rule(const std::string& rule, const std::string& why) {
  std::fprintf(stderr, "devtrack: bad %s rule '%s': %s\n", kEnv, rule.c_str(), why.c_str());
  std::abort();
}

bool one_of(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s == w) return true;
  return false;
}

// "ACTION[@N[+]][?FILE]" into the rule.
void parse_action(const std::string& text, const std::string& whole, Rule& r) {
  std::string rest = text;
  if (auto q = rest.find('?'); q != std::string::npos) {
    r.control = rest.substr(q + 1);
    if (r.control.empty()) bad_rule(whole, "'?' needs a file name");
    rest.resize(q);
  }
  if (auto at = rest.find('@'); at != std::string::npos) {
    std::string n = rest.substr(at + 1);
    if (!n.empty() && n.back() == '+') r.from_nth = true, n.pop_back();
    char* end = nullptr;
    r.nth = n.empty() ? 0 : std::strtol(n.c_str(), &end, 10);
    if (r.nth < 1 || *end) bad_rule(whole, "@ needs a count from 1 (@3, or @3+ for the 3rd on)");
    rest.resize(at);
  }
  r.action = rest;
}

std::unique_ptr<Rule> parse_rule(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) bad_rule(text, "expected TARGET=ACTION");
  auto r = std::make_unique<Rule>();
  std::string target = text.substr(0, eq);
  parse_action(text.substr(eq + 1), text, *r);
  if (target.rfind("sqlite.", 0) == 0) {
    auto colon = target.find(':');
    if (colon == std::string::npos) bad_rule(text, "expected sqlite.OP:FILE");
    r->op = target.substr(7, colon - 7);
    r->file = target.substr(colon + 1);
    if (!one_of(r->op, {"write", "sync", "truncate", "lock", "io"}))
      bad_rule(text, "the operation is one of write, sync, truncate, lock, io");
    if (r->file.empty()) bad_rule(text, "no file name after ':'");
    if (!one_of(r->action, {"full", "ioerr", "busy"})) bad_rule(text, "a sqlite fault is full, ioerr or busy");
  } else {
    if (target.empty()) bad_rule(text, "no fault point name");
    r->point = target;
    if (!one_of(r->action, {"kill", "abort", "throw"})) bad_rule(text, "a fault point does kill, abort or throw");
  }
  return r;
}

Rules parse_rules(const char* spec) {
  Rules rules;
  std::string s = spec ? spec : "";
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) rules.push_back(parse_rule(s.substr(start, end - start)));
    start = end + 1;
  }
  return rules;
}

// Read once: a process's faults are fixed when it starts.
const Rules& rules() {
  static const Rules parsed = parse_rules(std::getenv(kEnv));
  return parsed;
}

// Counts the call and says whether the rule fires on it.
bool fires(Rule& r) {
  long n = ++r.calls;
  if (r.nth && (r.from_nth ? n < r.nth : n != r.nth)) return false;
  return r.control.empty() || ::access(r.control.c_str(), F_OK) == 0;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool op_matches(const std::string& rule_op, const char* op) {
  std::string o = op;
  return rule_op == o || (rule_op == "io" && o != "lock");
}

}  // namespace

void point(const char* name) {
  for (const auto& r : rules()) {
    if (r->point != name || !fires(*r)) continue;
    std::fprintf(stderr, "devtrack: injected fault at %s: %s\n", name, r->action.c_str());
    if (r->action == "kill") ::raise(SIGKILL);
    if (r->action == "abort") std::abort();
    throw std::runtime_error(std::string("injected fault at ") + name);
  }
}

SqliteFault sqlite_fault(const char* op, const std::string& file) {
  SqliteFault result = SqliteFault::none;
  std::string base = base_name(file);
  // Every matching rule counts the call, so @N means the same whichever
  // rule fires first.
  for (const auto& r : rules()) {
    if (!r->point.empty() || !op_matches(r->op, op) || base.rfind(r->file, 0) != 0) continue;
    if (!fires(*r) || result != SqliteFault::none) continue;
    result = r->action == "full" ? SqliteFault::full : r->action == "busy" ? SqliteFault::busy : SqliteFault::ioerr;
  }
  return result;
}

bool has_sqlite_rules() {
  for (const auto& r : rules())
    if (r->point.empty()) return true;
  return false;
}

}  // namespace devtrack::fault
