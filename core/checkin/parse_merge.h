// Several parser plugins on one answer: which ones, in what order, and how
// their results become one (parse.order, parse.min_confidence). Used by the
// daemon and by `devtrack parse` / `devtrack checkin` alike.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/plugin_info.h"

namespace devtrack {

struct Config;

// The parsers to ask, in order: parse.order when set (those installed and
// enabled), else every enabled parser in search order.
std::vector<std::string> parser_order(const Config& config, const std::vector<PluginInfo>& plugins);

struct ParserResult {
  std::string parser;      // plugin id
  nlohmann::json* result;  // its dt_parser_v1 output (an object)
};

// One result from several, field by field: project, duration_minutes and
// status each come from the first parser (in order) whose confidence in it
// (its "field_confidence"[field], else its "confidence") is at least
// `min_confidence`, else from the first that gives it at all; tickets and
// ambiguous tickets are the union, deduplicated by tracker and ticket;
// "suggested" and "ambiguous" (projects) come from the first that has them.
// With `explain`, "explain" says which parser gave each field and ticket:
// {"project": {"parser", "confidence"}, ..., "tickets": [{"text", "parser"}]}.
// One result alone is returned as it is (plus "explain").
nlohmann::json merge_parses(const std::vector<ParserResult>& results, double min_confidence, bool explain);

}  // namespace devtrack
