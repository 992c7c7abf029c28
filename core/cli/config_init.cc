// devtrack config init: writes the commented default config.
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "config/config.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

int run(const po::variables_map& args) {
  std::string path = paths::config_file();
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !args.count("force"))
    throw Error(path + " already exists; use --force to replace it with the default");
  paths::ensure_private_dir(paths::home());
  paths::write_file_atomic(path, default_config_text(), 0600);
  std::cout << "wrote " << path << "\n";
  return kOk;
}

}  // namespace

extern const Command kConfigInit = {
    "config init",
    "write the commented default config to $DEVTRACK_HOME/config.yaml",
    "",
    [](Spec& s) { s.options.add_options()("force", "replace an existing config file"); },
    run,
};

}  // namespace devtrack::cli
