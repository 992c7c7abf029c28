// bin/devtrack: the CLI linked statically (no dynamic loader at start-up);
// commands that load code run in devtrack-full (command.h, Loads).
#include "cli/command.h"

int main(int argc, char** argv) { return devtrack::cli::main_static(argc, argv); }
