// Helpers the commands share: loading the config with the plugin registry,
// opening the store, printing JSON. Kept free of heavy headers.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "plugin/plugin_info.h"

namespace devtrack::cli {

// The registry and the config, checked. Throws Error listing the config's
// errors (warnings go to stderr) so a broken config is never half-used.
struct Loaded {
  std::vector<PluginInfo> plugins;
  Config config;
};
Loaded load_config_and_plugins();

// Prints a table with left-aligned columns; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);

// True if stdout is a terminal (tables and colours), else plain output.
bool stdout_is_tty();

}  // namespace devtrack::cli
