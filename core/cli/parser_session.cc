#include "cli/parser_session.h"

#include "event/bus.h"
#include "event/clock.h"
#include "event/loop.h"
#include "plugin/host.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "util/error.h"

namespace devtrack::cli {

struct ParserSession::Impl {
  ManualClock clock{process_clock().now()};
  EventLoop loop{clock, 1};
  Bus bus{loop};
  PluginHost host{loop, bus, nullptr, "client"};
  const dt_parser_v1* parser = nullptr;
  void* self = nullptr;
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
  std::string error;
  if (!impl_->host.start(info, config.plugin_config_json(id), &error))
    throw Error("cannot load the parser " + id + ": " + error);
  auto iface = impl_->host.interface(id, DEVTRACK_PARSER_V1);
  impl_->parser = static_cast<const dt_parser_v1*>(iface.table);
  impl_->self = iface.self;
}

ParserSession::~ParserSession() = default;

std::string ParserSession::parse(const std::string& text, const std::string& context_json) {
  StringOut out;
  if (impl_->parser->parse(impl_->self, text.c_str(), context_json.c_str(), &out.out) != DT_OK)
    throw Error("the parser failed: " + out.text);
  return out.text;
}

}  // namespace devtrack::cli
