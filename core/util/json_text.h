// JSON text that never throws on bad bytes. Strings from outside (paths,
// branch names, commit messages, server replies) may hold bytes that are
// not UTF-8; nlohmann::json::dump() throws on them, which once took the
// daemon down. Where such a string can reach a dump, dump with this: each
// invalid byte becomes U+FFFD. (Text that must stay exact — a git_dir the
// worker opens — is made valid at the source with <devtrack/text.hpp>.)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace devtrack {

inline std::string dump_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace devtrack
