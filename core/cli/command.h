// The CLI's command table. Each command lives in its own file under
// core/cli/ and defines one `Command`: its name ("plugins list"), a summary,
// its options and positional arguments, and run(). Parsing, --help, the
// exit codes, completions and the man-page test all work from this table.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace devtrack::cli {

namespace po = boost::program_options;

struct Positional {
  std::string name;  // "ID"
  int max = 1;       // -1: any number
  bool required = true;
};

struct Spec {
  po::options_description options{"Options"};
  std::vector<Positional> positionals;
  std::string completion;  // what positionals complete to: "plugins", "files", or words
};

struct Command {
  const char* name;     // "plugins list"
  const char* summary;  // one line
  const char* details;  // paragraphs for --help and the man page, or ""
  void (*define)(Spec& spec);
  int (*run)(const po::variables_map& args);
};

// Every command, in the order --help lists them.
const std::vector<const Command*>& commands();

// The daemon-control commands `devtrackctl` (the seed's name) accepts.
bool is_control_command(const std::string& name);

// The full --help text of a command.
std::string help_text(const Command& command);

// Exit codes.
constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

int main(int argc, char** argv);

}  // namespace devtrack::cli
