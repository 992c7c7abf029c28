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

// Whether a command may load code: plugins (a surface, a parser, a
// plugin's config check, the daemon's), the time zone module (any local
// time shown) or libsystemd. `bin/devtrack` is a static executable, quick
// to start because it has no dynamic loader, and cannot load any; it runs
// the commands marked kNoCode itself and hands the others, with exec, to
// libexec/devtrack/devtrack-full, the same CLI linked dynamically
// (util/library_loading.h; docs/architecture.md, "Start-up"). Mark a
// command kNoCode only when nothing it calls can load code: if it does,
// the static devtrack stops it with an internal error instead.
enum class Loads { kCode, kNoCode };

struct Command {
  const char* name;     // "plugins list"
  const char* summary;  // one line
  const char* details;  // paragraphs for --help and the man page, or ""
  void (*define)(Spec& spec);
  int (*run)(const po::variables_map& args);
  Loads loads = Loads::kCode;
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

// The CLI, in devtrack-full (and in bin/devtrack where it is not linked
// statically, as in the sanitizer build).
int main(int argc, char** argv);

// bin/devtrack: forbids loading code, then main(); a command that loads
// code is handed to devtrack-full.
int main_static(int argc, char** argv);

}  // namespace devtrack::cli
