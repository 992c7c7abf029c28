#include "checkin/parse_merge.h"

#include <devtrack/plugin.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "outbox/outbox.h"
#include "plugin/string_out.h"

using nlohmann::json;

namespace devtrack {

namespace {

struct ParserResult {
  std::string parser;      // plugin id
  nlohmann::json* result;  // its dt_parser_v1 output (an object)
};

const char* const kFields[] = {"project", "duration_minutes", "status"};

bool gives(const json& r, const char* field) {
  return r.is_object() && r.contains(field) && !r[field].is_null() && !(r[field].is_string() && r[field] == "");
}

double confidence_in(const json& r, const char* field) {
  if (r.contains("field_confidence") && r["field_confidence"].is_object() &&
      r["field_confidence"].contains(field) && r["field_confidence"][field].is_number())
    return r["field_confidence"][field].get<double>();
  return r.contains("confidence") && r["confidence"].is_number() ? r["confidence"].get<double>() : 0;
}

// The first result that is sure enough of `field`, else the first giving it.
const ParserResult* source_of(const std::vector<ParserResult>& results, const char* field, double min_confidence) {
  const ParserResult* first = nullptr;
  for (const auto& r : results) {
    if (!gives(*r.result, field)) continue;
    if (confidence_in(*r.result, field) >= min_confidence) return &r;
    if (!first) first = &r;
  }
  return first;
}

// What identifies a ticket across parsers: its tracker and how it reads.
std::string ticket_key(const json& t) { return tracker_of(t) + "\n" + ticket_text(t); }

void union_tickets(const std::vector<ParserResult>& results, json& merged, json* explain) {
  json tickets = json::array(), open = json::array();
  std::vector<std::string> seen, seen_open;
  for (const auto& r : results) {
    for (const auto& t : r.result->value("tickets", json::array())) {
      std::string key = ticket_key(t);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      tickets.push_back(t);
      if (explain) (*explain)["tickets"].push_back({{"text", ticket_text(t)}, {"parser", r.parser}});
    }
    for (const auto& a : r.result->value("ambiguous_tickets", json::array())) {
      std::string key = a.is_object() ? a.value("text", "") : "";
      if (std::find(seen_open.begin(), seen_open.end(), key) != seen_open.end()) continue;
      seen_open.push_back(key);
      open.push_back(a);
    }
  }
  merged["tickets"] = tickets;
  if (!open.empty()) merged["ambiguous_tickets"] = open;
}

json merge_parses(const std::vector<ParserResult>& results, double min_confidence, bool explain) {
  json why = {{"tickets", json::array()}};
  if (results.empty()) return json::object();
  json merged = results.size() == 1 ? *results[0].result : json::object();
  if (results.size() > 1) {
    union_tickets(results, merged, &why);
    double confidence = 0;
    for (const auto& r : results) confidence = std::max(confidence, confidence_in(*r.result, "confidence"));
    merged["confidence"] = confidence;
    for (const char* key : {"suggested", "ambiguous"})
      for (const auto& r : results)
        if (r.result->contains(key) && !(*r.result)[key].empty()) {
          merged[key] = (*r.result)[key];
          break;
        }
  } else {
    for (const auto& t : merged.value("tickets", json::array()))
      why["tickets"].push_back({{"text", ticket_text(t)}, {"parser", results[0].parser}});
  }
  for (const char* field : kFields) {
    const ParserResult* from = source_of(results, field, results.size() == 1 ? 0 : min_confidence);
    merged[field] = from ? (*from->result)[field] : json(nullptr);
    why[field] = from ? json{{"parser", from->parser}, {"confidence", confidence_in(*from->result, field)}} : json(nullptr);
  }
  if (merged.contains("project") && !merged["project"].is_null() && results.size() > 1) merged.erase("ambiguous");
  if (explain) merged["explain"] = why;
  return merged;
}

}  // namespace

std::vector<std::string> parser_order(const Config& config, const std::vector<PluginInfo>& plugins) {
  auto usable = [&](const std::string& id) {
    for (const auto& p : plugins)
      if (p.id == id) return !p.refused && p.kind == "parser" && config.plugin_enabled(id);
    return false;
  };
  std::vector<std::string> out;
  for (const auto& id : config.parse.order)
    if (usable(id) && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  if (!config.parse.order.empty()) return out;
  for (const auto& p : plugins)
    if (usable(p.id) && std::find(out.begin(), out.end(), p.id) == out.end()) out.push_back(p.id);
  return out;
}

std::string parse_with(const std::vector<ParserHandle>& parsers, const std::string& text, const std::string& context,
                       double min_confidence, bool explain, std::string* failures) {
  std::vector<json> outputs;
  std::vector<std::string> ids;
  for (const auto& p : parsers) {
    StringOut out;
    json r;
    if (p.table->parse(p.self, text.c_str(), context.c_str(), &out.out) == DT_OK) r = json::parse(out.text, nullptr, false);
    if (!r.is_object()) {
      *failures += (failures->empty() ? "" : "; ") + p.id + ": " + (out.text.empty() ? "no result" : out.text.substr(0, 200));
      continue;
    }
    outputs.push_back(std::move(r));
    ids.push_back(p.id);
  }
  if (outputs.empty()) return "";
  std::vector<ParserResult> results;
  for (size_t i = 0; i < outputs.size(); ++i) results.push_back({ids[i], &outputs[i]});
  return merge_parses(results, min_confidence, explain).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace devtrack
