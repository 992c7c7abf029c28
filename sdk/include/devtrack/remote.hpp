// DevTrack SDK — the repository a git remote URL names.
//
// SPDX-License-Identifier: MIT
//
// "owner/name" from a remote URL — git@host:o/n.git, https://host/o/n,
// ssh://git@host:22/o/n.git — as the host reads it from .git/config and the
// git plugin from libgit2, and as a tracker for another forge may need it.
// Header-only, no ABI: nothing here crosses the .so boundary.
#ifndef DEVTRACK_REMOTE_HPP
#define DEVTRACK_REMOTE_HPP

#include <string>

namespace devtrack::sdk {

// [any-thread] "owner/name", or "" when the URL has no such two parts.
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

}  // namespace devtrack::sdk

#endif  // DEVTRACK_REMOTE_HPP
