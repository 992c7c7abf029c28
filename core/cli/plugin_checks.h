// The checks enabled plugins offer (devtrack.doctor.v1), run in this
// process: for `doctor` and `config check` (a missing token...). The
// daemon's running plugins answer through the daemon instead.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/plugin_info.h"

namespace devtrack::cli {

struct PluginCheck {
  std::string name;  // "<plugin>: <check>"
  bool ok = true;
  std::string detail;
  std::string fix;
  bool warning = false;  // "severity": "warning": a state, not a fault
};

// Checks of the enabled plugins that do not run in the daemon (worker and
// client plugins), each loaded here for the purpose.
std::vector<PluginCheck> local_plugin_checks(const std::vector<PluginInfo>& plugins, const Config& config);

}  // namespace devtrack::cli
