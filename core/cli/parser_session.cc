#include "cli/parser_session.h"

#include <devtrack/plugin.h>

#include <nlohmann/json.hpp>

#include "checkin/parse_merge.h"
#include "cli/client_plugin.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "util/error.h"

namespace devtrack::cli {

struct ParserSession::Impl {
  struct Loaded {
    std::string id;
    std::unique_ptr<ClientPlugin> plugin;
    const dt_parser_v1* parser = nullptr;
  };
  std::vector<Loaded> parsers;
  double min_confidence = 0.5;
};

ParserSession::ParserSession(const std::vector<PluginInfo>& plugins, const Config& config, const std::string& wanted)
    : impl_(std::make_unique<Impl>()) {
  std::vector<std::string> ids = wanted.empty() ? parser_order(config, plugins) : std::vector<std::string>{wanted};
  if (ids.empty()) ids = {"rules"};
  for (const auto& id : ids) {
    const PluginInfo& info = require_plugin(plugins, id);
    if (info.kind != "parser") throw Error("plugin '" + id + "' is a " + info.kind + ", not a parser");
    auto plugin = std::make_unique<ClientPlugin>(info, config.plugin_config_json(id), "the parser " + id);
    auto table = static_cast<const dt_parser_v1*>(plugin->table(DEVTRACK_PARSER_V1));
    impl_->parsers.push_back({id, std::move(plugin), table});
  }
  impl_->min_confidence = config.parse.min_confidence;
}

ParserSession::~ParserSession() = default;

std::string ParserSession::parse(const std::string& text, const std::string& context_json, bool explain) {
  std::vector<nlohmann::json> outputs;
  std::vector<std::string> ids;
  std::string failures;
  for (const auto& p : impl_->parsers) {
    StringOut out;
    nlohmann::json r;
    if (p.parser->parse(p.plugin->self(), text.c_str(), context_json.c_str(), &out.out) == DT_OK)
      r = nlohmann::json::parse(out.text, nullptr, false);
    if (!r.is_object()) {
      failures += (failures.empty() ? "" : "; ") + p.id + ": " + (out.text.empty() ? "no result" : out.text.substr(0, 200));
      continue;
    }
    outputs.push_back(std::move(r));
    ids.push_back(p.id);
  }
  if (outputs.empty()) throw Error("the parser failed: " + failures);
  std::vector<ParserResult> results;
  for (size_t i = 0; i < outputs.size(); ++i) results.push_back({ids[i], &outputs[i]});
  return merge_parses(results, impl_->min_confidence, explain).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace devtrack::cli
