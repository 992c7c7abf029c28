#include "cli/command.h"

namespace devtrack::cli {

extern const Command kPluginsList, kPluginsInfo, kPluginsEnable, kPluginsDisable;
extern const Command kConfigInit, kConfigCheck, kConfigPath;
extern const Command kLogs, kGc, kCompletion, kVersion;

const std::vector<const Command*>& commands() {
  static const std::vector<const Command*> all = {
      &kPluginsList, &kPluginsInfo, &kPluginsEnable, &kPluginsDisable, &kConfigInit, &kConfigCheck,
      &kConfigPath,  &kLogs,        &kGc,            &kCompletion,     &kVersion,
  };
  return all;
}

}  // namespace devtrack::cli
