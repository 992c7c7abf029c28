// Several parser plugins on one answer: which ones, in what order, and how
// their results become one (parse.order, parse.min_confidence). Used by the
// daemon and by `devtrack parse` / `devtrack checkin` alike.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/plugin_info.h"

struct dt_parser_v1;

namespace devtrack {

struct Config;

// The parsers to ask, in order: parse.order when set (those installed and
// enabled), else every enabled parser in search order.
std::vector<std::string> parser_order(const Config& config, const std::vector<PluginInfo>& plugins);

// A running parser: its id and its devtrack.parser.v1 table and instance.
struct ParserHandle {
  std::string id;
  const dt_parser_v1* table = nullptr;
  void* self = nullptr;
};

// Asks each parser in turn and merges what they return into one result
// (JSON text), field by field: project, duration_minutes and status each
// come from the first parser (in order) whose confidence in it (its
// "field_confidence"[field], else its "confidence") is at least
// `min_confidence`, else from the first that gives it at all; tickets and
// ambiguous tickets are the union, deduplicated by tracker and ticket;
// "suggested" and "ambiguous" (projects) come from the first that has them.
// One result alone is returned as it is. With `explain`, "explain" says
// which parser gave each field and ticket: {"project": {"parser",
// "confidence"}, ..., "tickets": [{"text", "parser"}]}. A parser that
// fails or answers no JSON object is left out, its reason added to
// `failures`; "" when none answers.
std::string parse_with(const std::vector<ParserHandle>& parsers, const std::string& text, const std::string& context,
                       double min_confidence, bool explain, std::string* failures);

}  // namespace devtrack
