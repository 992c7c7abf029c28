// "owner/name" from a remote URL: git@host:o/n.git, https://host/o/n,
// ssh://git@host:22/o/n.git ("" when it has no such two parts). Header-only
// and free of the host's other code, so the git plugin (which must not
// link the host) compiles the same function.
#pragma once

#include <string>

namespace devtrack::git {

inline std::string slug_of_url(std::string url) {
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (url.size() > 4 && url.compare(url.size() - 4, 4, ".git") == 0) url.resize(url.size() - 4);
  while (!url.empty() && url.back() == '/') url.pop_back();
  size_t last = url.find_last_of("/:");
  if (last == std::string::npos || last == 0) return "";
  size_t before = url.find_last_of("/:", last - 1);
  if (before == std::string::npos) return "";
  std::string owner = url.substr(before + 1, last - before - 1), name = url.substr(last + 1);
  if (owner.empty() || name.empty() || owner.find('@') != std::string::npos) return "";
  return owner + "/" + name;
}

}  // namespace devtrack::git
