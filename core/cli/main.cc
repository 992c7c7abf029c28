// devtrack: parses the global options, finds the command in the table and
// runs it. Exit codes: 0 ok, 1 failure, 2 usage.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "log/log.h"
#include "util/error.h"
#include "util/library_loading.h"
#include "util/paths.h"
#include "util/process.h"
#include "util/strings.h"

#ifndef DEVTRACK_VERSION
#define DEVTRACK_VERSION "0.0.0"
#endif

namespace devtrack::cli {

namespace {

std::string usage_line(const Command& c, const Spec& spec) {
  std::string u = std::string("devtrack ") + c.name + " [options]";
  for (const auto& p : spec.positionals) {
    std::string arg = p.name + (p.max == 1 ? "" : "...");
    u += p.required ? " " + arg : " [" + arg + "]";
  }
  return u;
}

std::string top_level_help() {
  std::ostringstream s;
  s << "Usage: devtrack [--version] [--help] [-v] <command> [options]\n\n"
       "DevTrack notices your commits and time, asks what you worked on, and keeps\n"
       "your issue trackers up to date.\n\nCommands:\n";
  size_t width = 0;
  for (const auto* c : commands()) width = std::max(width, std::strlen(c->name));
  for (const auto* c : commands())
    s << "  " << c->name << std::string(width - std::strlen(c->name) + 3, ' ') << c->summary << "\n";
  s << "\nGlobal options:\n"
       "  -h [ --help ]     show this help, or a command's with `devtrack <command> --help`\n"
       "  --version         print the version\n"
       "  -v [ --verbose ]  log debug details to stderr\n"
       "\nRun `devtrack <command> --help` for a command's options; `man devtrack` for more.\n";
  return s.str();
}

// Commands under a group word ("plugins" -> "plugins list", ...).
std::vector<const Command*> group(const std::string& word) {
  std::vector<const Command*> out;
  for (const auto* c : commands())
    if (std::string(c->name).rfind(word + " ", 0) == 0) out.push_back(c);
  return out;
}

std::string group_help(const std::string& word) {
  std::ostringstream s;
  s << "Usage: devtrack " << word << " <command> [options]\n\nCommands:\n";
  for (const auto* c : group(word)) s << "  devtrack " << c->name << "  —  " << c->summary << "\n";
  return s.str();
}

char** command_line = nullptr;  // main()'s argv, for run_in_full()

// The static devtrack cannot load code: the same command line, unchanged,
// runs in devtrack-full instead (command.h, Loads).
[[noreturn]] void run_in_full() {
  std::string full = paths::helper("devtrack-full");
  std::fflush(stdout);
  std::string why = replace_process(full, command_line);
  throw Error("cannot run " + full + ": " + why + " (reinstall devtrack)");
}

int run_command(const Command& c, const std::vector<std::string>& args) {
  if (c.loads == Loads::kCode && !library_loading_allowed()) run_in_full();
  Spec spec;
  c.define(spec);
  spec.options.add_options()("help,h", "show this help");
  po::options_description hidden;
  po::positional_options_description positional;
  for (const auto& p : spec.positionals) {
    if (p.max == 1) hidden.add_options()(p.name.c_str(), po::value<std::string>());
    else hidden.add_options()(p.name.c_str(), po::value<std::vector<std::string>>());
    positional.add(p.name.c_str(), p.max);
  }
  po::options_description all;
  all.add(spec.options).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    std::vector<std::string> known;
    for (const auto& o : spec.options.options()) known.push_back("--" + o->long_name());
    throw UsageError("unknown option '" + name + "'" + did_you_mean(name, known) + "\nUsage: " + usage_line(c, spec) +
                     "\nTry 'devtrack " + c.name + " --help'.");
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError("too many arguments (a value with spaces needs quotes, like --for '2 hours')\nUsage: " +
                     usage_line(c, spec) + "\nTry 'devtrack " + c.name + " --help'.");
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\nUsage: " + usage_line(c, spec) + "\nTry 'devtrack " + c.name +
                     " --help'.");
  }
  if (vm.count("help")) {
    std::cout << help_text(c);
    return kOk;
  }
  for (const auto& p : spec.positionals)
    if (p.required && !vm.count(p.name))
      throw UsageError("missing " + p.name + "\nUsage: " + usage_line(c, spec));
  return c.run(vm);
}

// `devtrackctl` is installed as an alias of the control commands.
bool invoked_as_ctl(const char* argv0) {
  const char* slash = std::strrchr(argv0, '/');
  return std::strcmp(slash ? slash + 1 : argv0, "devtrackctl") == 0;
}

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (invoked_as_ctl(argv[0])) {
    size_t first = 0;
    while (first < args.size() && args[first].size() > 1 && args[first][0] == '-') ++first;
    if (first < args.size() && !is_control_command(args[first]))
      throw UsageError("devtrackctl controls the daemon (status, start, stop, restart, pause, resume, "
                       "set-interval, reload); use devtrack " + args[first]);
  }
  size_t i = 0;
  for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << top_level_help();
      return kOk;
    }
    if (a == "--version") {
      std::cout << "devtrack " DEVTRACK_VERSION "\n";
      return kOk;
    }
    if (a == "-v" || a == "--verbose") {
      log::set_level(log::kDebug);
      continue;
    }
    throw UsageError("unknown option '" + a + "'\nTry 'devtrack --help'.");
  }
  if (i == args.size()) throw UsageError("no command given\n" + top_level_help());

  std::vector<std::string> names;
  for (const auto* c : commands()) names.push_back(c->name);
  std::string word = args[i];
  if (word == "help") {
    std::string topic = i + 1 < args.size() ? args[i + 1] : "";
    for (size_t k = i + 2; k < args.size() && k < i + 4; ++k) topic += " " + args[k];
    for (const auto* c : commands())
      if (topic == c->name) return std::cout << help_text(*c), kOk;
    if (!topic.empty() && !group(topic).empty()) return std::cout << group_help(topic), kOk;
    std::cout << top_level_help();
    return topic.empty() ? kOk : kUsage;
  }
  // The longest command the words spell ("sync-remote key export" before
  // "sync-remote").
  for (size_t n = std::min<size_t>(3, args.size() - i); n >= 1; --n) {
    std::string name = word;
    for (size_t k = 1; k < n; ++k) name += " " + args[i + k];
    for (const auto* c : commands())
      if (name == c->name) return run_command(*c, std::vector<std::string>(args.begin() + i + n, args.end()));
  }
  if (!group(word).empty()) {
    bool asked = i + 1 < args.size() && (args[i + 1] == "--help" || args[i + 1] == "-h");
    if (asked) return std::cout << group_help(word), kOk;
    std::string sub = i + 1 < args.size() ? args[i + 1] : "";
    std::vector<std::string> subs;
    for (const auto* c : group(word)) subs.push_back(std::string(c->name).substr(word.size() + 1));
    throw UsageError((sub.empty() ? "'" + word + "' needs a command" : "unknown command '" + word + " " + sub + "'" + did_you_mean(sub, subs)) +
                     "\n" + group_help(word));
  }
  std::vector<std::string> words;
  for (const auto& n : names) words.push_back(split(n, ' ')[0]);
  throw UsageError("unknown command '" + word + "'" + did_you_mean(word, words) + "\nTry 'devtrack --help'.");
}

}  // namespace

std::string help_text(const Command& c) {
  Spec spec;
  c.define(spec);
  spec.options.add_options()("help,h", "show this help");
  std::ostringstream s;
  s << "Usage: " << usage_line(c, spec) << "\n\n" << c.summary << "\n";
  if (*c.details) s << "\n" << c.details << "\n";
  s << "\n" << spec.options;
  return s.str();
}

int main_static(int argc, char** argv) {
  forbid_library_loading();
  return main(argc, argv);
}

int main(int argc, char** argv) {
  command_line = argv;
  log::init_cli(log::kWarn);
  int rc;
  try {
    rc = dispatch(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "devtrack: error: %s\n", e.what());
    rc = kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "devtrack: error: %s\n", log::redact(e.what()).c_str());
    rc = kFailure;
  }
  std::fflush(stdout);
  log::shutdown();
  return rc;
}

}  // namespace devtrack::cli
