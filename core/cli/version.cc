// devtrack version: the version, and with --json the ABI for scripts.
#include <devtrack/plugin.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"

#ifndef DEVTRACK_VERSION
#define DEVTRACK_VERSION "0.0.0"
#endif

namespace devtrack::cli {

extern const Command kVersion = {
    "version",
    "print the version and the plugin ABI version",
    "",
    [](Spec& s) { s.options.add_options()("json", "print a JSON object"); },
    [](const po::variables_map& args) {
      std::string abi = std::to_string(DEVTRACK_ABI_MAJOR) + "." + std::to_string(DEVTRACK_ABI_MINOR);
      if (args.count("json"))
        std::cout << nlohmann::json{{"version", DEVTRACK_VERSION}, {"abi", abi}}.dump() << "\n";
      else
        std::cout << "devtrack " DEVTRACK_VERSION " (plugin ABI " << abi << ")\n";
      return kOk;
    },
    Loads::kNoCode,
};

}  // namespace devtrack::cli
