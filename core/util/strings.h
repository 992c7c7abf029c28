// Small string helpers shared by the config checker and the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace devtrack {

// Edit distance between two strings (Levenshtein), for "did you mean".
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a likely typo,
// else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// FNV-1a, 64-bit: a stable hash for keys that are stored or shared with
// other programs (the hook computes the same for the socket path).
uint64_t fnv1a64(std::string_view text);

std::vector<std::string> split(std::string_view text, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// A status as people read it: "in_progress" -> "in progress".
std::string status_text(std::string_view status);
// Text for HTML element content and attribute values: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace devtrack
