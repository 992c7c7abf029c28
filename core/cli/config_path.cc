// devtrack config path: where the config file is.
#include <iostream>

#include "cli/command.h"
#include "util/paths.h"

namespace devtrack::cli {

extern const Command kConfigPath = {
    "config path",
    "print the path of the config file",
    "",
    [](Spec&) {},
    [](const po::variables_map&) {
      std::cout << paths::config_file() << "\n";
      return kOk;
    },
    Loads::kNoCode,
};

}  // namespace devtrack::cli
