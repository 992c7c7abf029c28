#include "cli/parser_session.h"

#include <devtrack/plugin.h>

#include "cli/client_plugin.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "util/error.h"

namespace devtrack::cli {

struct ParserSession::Impl {
  std::unique_ptr<ClientPlugin> plugin;
  const dt_parser_v1* parser = nullptr;
};

ParserSession::ParserSession(const std::vector<PluginInfo>& plugins, const Config& config, const std::string& wanted)
    : impl_(std::make_unique<Impl>()) {
  std::string id = wanted;
  if (id.empty())
    for (const auto& p : plugins)
      if (!p.refused && p.kind == "parser" && config.plugin_enabled(p.id)) {
        id = p.id;
        break;
      }
  if (id.empty()) id = "rules";
  const PluginInfo& info = require_plugin(plugins, id);
  if (info.kind != "parser") throw Error("plugin '" + id + "' is a " + info.kind + ", not a parser");
  impl_->plugin = std::make_unique<ClientPlugin>(info, config.plugin_config_json(id), "the parser " + id);
  impl_->parser = static_cast<const dt_parser_v1*>(impl_->plugin->table(DEVTRACK_PARSER_V1));
}

ParserSession::~ParserSession() = default;

std::string ParserSession::parse(const std::string& text, const std::string& context_json) {
  StringOut out;
  if (impl_->parser->parse(impl_->plugin->self(), text.c_str(), context_json.c_str(), &out.out) != DT_OK)
    throw Error("the parser failed: " + out.text);
  return out.text;
}

}  // namespace devtrack::cli
