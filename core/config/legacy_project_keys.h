// The project keys from before projects[].trackers — `github: owner/name`,
// `jira: [KEYS]`, `trello: board` — in this one place, the only part of
// core that names trackers: the config reads each as the generic mapping
// (and `config check` suggests the new form), and the parsers' context
// carries them back for parsers built against ABI 1.0.
#pragma once

#include <string>
#include <vector>

namespace devtrack {

struct LegacyProjectKey {
  const char* key;      // the old key under projects[]
  const char* tracker;  // the tracker plugin id it names the project for
  bool list;            // a list of names (key prefixes) rather than one
  // Whether one name is well formed, and what one looks like for the error.
  bool (*valid)(const std::string& name);
  const char* shape;
};

const std::vector<LegacyProjectKey>& legacy_project_keys();

}  // namespace devtrack
