#include "config/legacy_project_keys.h"

#include <algorithm>

#include "util/strings.h"

namespace devtrack {

namespace {

bool owner_name(const std::string& s) {
  auto parts = split(s, '/');
  return parts.size() == 2 && !parts[0].empty() && !parts[1].empty();
}

bool key_prefix(const std::string& s) {
  if (s.size() < 2 || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

bool anything(const std::string& s) { return !s.empty(); }

}  // namespace

const std::vector<LegacyProjectKey>& legacy_project_keys() {
  static const std::vector<LegacyProjectKey> keys = {
      {"github", "github", false, owner_name, "owner/name"},
      {"jira", "jira", true, key_prefix, "a Jira project key like PRX"},
      {"trello", "trello", false, anything, "a board id or short link"},
  };
  return keys;
}

}  // namespace devtrack
