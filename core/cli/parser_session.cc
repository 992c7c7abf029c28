#include "cli/parser_session.h"

#include <devtrack/plugin.h>

#include "checkin/parse_merge.h"
#include "cli/client_plugin.h"
#include "plugin/registry.h"
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
  std::vector<ParserHandle> parsers;
  for (const auto& p : impl_->parsers) parsers.push_back({p.id, p.parser, p.plugin->self()});
  std::string failures;
  std::string merged = parse_with(parsers, text, context_json, impl_->min_confidence, explain, &failures);
  if (merged.empty()) throw Error("the parser failed: " + failures);
  return merged;
}

}  // namespace devtrack::cli
