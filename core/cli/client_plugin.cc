#include "cli/client_plugin.h"

#include "event/bus.h"
#include "event/loop.h"
#include "plugin/host.h"
#include "util/clock.h"
#include "util/error.h"

namespace devtrack::cli {

struct ClientPlugin::Impl {
  ManualClock clock{process_clock().now()};
  EventLoop loop{clock, 1};
  Bus bus{loop};
  PluginHost host{loop, bus, nullptr, "client"};
  std::string id;
};

ClientPlugin::ClientPlugin(const PluginInfo& info, const std::string& config_json, const std::string& what)
    : impl_(std::make_unique<Impl>()) {
  impl_->id = info.id;
  std::string error;
  if (!impl_->host.start(info, config_json, &error)) throw Error("cannot load " + what + ": " + error);
}

ClientPlugin::~ClientPlugin() = default;

const void* ClientPlugin::table(const char* interface_id) const {
  return impl_->host.interface(impl_->id, interface_id).table;
}

void* ClientPlugin::self() const { return impl_->host.instance(impl_->id); }

}  // namespace devtrack::cli
