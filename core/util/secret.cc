#include "util/secret.h"

#include <cstdio>
#include <cstdlib>

#include "log/log.h"

namespace devtrack {

namespace {

std::optional<std::string> from_command(const std::string& command, std::string* error) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) {
    *error = "cannot run the command";
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0 && out.size() < (1u << 16)) out.append(buf, n);
  int status = ::pclose(p);
  if (status != 0) {
    *error = "the command failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    return std::nullopt;
  }
  size_t nl = out.find('\n');
  if (nl != std::string::npos) out.resize(nl);
  if (!out.empty() && out.back() == '\r') out.pop_back();
  if (out.empty()) {
    *error = "the command printed nothing";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<std::string> resolve_secret(const std::string& reference, std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  std::optional<std::string> value;
  if (reference.rfind("env:", 0) == 0) {
    const char* v = std::getenv(reference.c_str() + 4);
    if (!v || !*v) *error = "environment variable " + reference.substr(4) + " is not set";
    else value = v;
  } else if (reference.rfind("cmd:", 0) == 0) {
    value = from_command(reference.substr(4), error);
  } else if (reference.rfind("keyring:", 0) == 0 || reference.rfind("enc:", 0) == 0) {
    *error = "keyring: and enc: references are not supported by this version yet";
  } else {
    *error = "not a secret reference (env:NAME, cmd:COMMAND, keyring:NAME or enc:...)";
  }
  if (value) log::add_secret(*value);
  return value;
}

std::string redact_reference(const std::string& reference) {
  if (reference.rfind("enc:", 0) == 0) return "enc:…";
  if (reference.rfind("env:", 0) == 0 || reference.rfind("cmd:", 0) == 0 || reference.rfind("keyring:", 0) == 0)
    return reference;
  return "(a value that is not a reference)";
}

}  // namespace devtrack
