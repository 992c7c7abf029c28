// libexec/devtrack/devtrack-full: the CLI linked dynamically, for the
// commands that load code (command.h, Loads) and for the daemon.
#include "cli/command.h"

int main(int argc, char** argv) { return devtrack::cli::main(argc, argv); }
