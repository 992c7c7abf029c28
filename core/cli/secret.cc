// devtrack secret set | list | remove: secrets for the config, never in
// clear on disk. `set` reads the value without echo (or from stdin).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "secret/secret.h"
#include "util/error.h"

namespace devtrack::cli {

namespace {

// From the terminal with echo off, else all of stdin (one trailing newline
// dropped).
std::string read_value(bool force_stdin) {
  std::string value;
  if (!force_stdin && ::isatty(STDIN_FILENO)) {
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::cerr << "value (not shown): " << std::flush;
    std::getline(std::cin, value);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  } else {
    value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  if (value.empty()) throw Error("empty value: nothing stored");
  return value;
}

int set(const po::variables_map& args) {
  std::string name = args["NAME"].as<std::string>();
  if (!valid_secret_name(name)) throw UsageError("NAME is letters, digits, '.', '_' or '-'");
  std::string value = read_value(args.count("stdin") > 0);
  bool keyring = args.count("keyring") > 0;
  if (keyring) store_keyring_secret(name, value);
  else store_encrypted_secret(name, value);
  std::string ref = (keyring ? "keyring:" : "enc:") + name;
  std::cout << "stored; refer to it as " << ref << " in config.yaml (e.g. plugins.ID.token: " << ref << ")\n";
  return kOk;
}

int list(const po::variables_map& args) {
  auto names = encrypted_secret_names();
  if (args.count("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : names) out.push_back({{"name", n}, {"reference", "enc:" + n}});
    std::cout << out.dump(2) << "\n";
  } else if (names.empty()) {
    std::cout << "no encrypted secrets (devtrack secret set NAME)\n";
  } else {
    for (const auto& n : names) std::cout << "enc:" << n << "\n";
  }
  return kOk;
}

int remove(const po::variables_map& args) {
  std::string name = args["NAME"].as<std::string>();
  if (!remove_encrypted_secret(name)) throw Error("no encrypted secret named '" + name + "'");
  std::cout << "removed enc:" << name << "\n";
  return kOk;
}

}  // namespace

extern const Command kSecretSet = {
    "secret set",
    "store a secret encrypted (or in the keyring) for use as enc:NAME in the config",
    "The value is read without echo from the terminal, or from stdin. enc: secrets\n"
    "are encrypted with libsodium under $DEVTRACK_HOME/secret.key (mode 0600);\n"
    "--keyring stores in the desktop's Secret Service instead (keyring:NAME).",
    [](Spec& s) {
      s.options.add_options()("keyring", "store in the Secret Service (needs secret-tool)")(
          "stdin", "read the value from stdin even in a terminal");
      s.positionals.push_back({"NAME"});
    },
    set,
};

extern const Command kSecretList = {
    "secret list", "list the names of the encrypted secrets (never their values)", "",
    [](Spec& s) { s.options.add_options()("json", "print a JSON array"); },
    list,
};

extern const Command kSecretRemove = {
    "secret remove", "remove an encrypted secret", "", [](Spec& s) { s.positionals.push_back({"NAME"}); }, remove,
};

}  // namespace devtrack::cli
