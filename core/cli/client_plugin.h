// One plugin loaded in this short-lived client process (the parser for
// `devtrack parse` and `checkin`, the tty surface), with a private loop and
// bus: what the plugin host needs, nothing running in the background.
#pragma once

#include <memory>
#include <string>

#include "config/plugin_info.h"

namespace devtrack::cli {

class ClientPlugin {
 public:
  // Throws Error("cannot load <what>: <reason>") if the plugin is refused.
  ClientPlugin(const PluginInfo& info, const std::string& config_json, const std::string& what);
  ~ClientPlugin();
  const void* table(const char* interface_id) const;  // nullptr if it has none
  void* self() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack::cli
