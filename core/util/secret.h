// Secret references: config values never hold a secret in clear, only a
// reference to where it is: env:NAME, cmd:COMMAND (its first output line),
// keyring:NAME (Secret Service) or enc:... (libsodium, key file 0600).
// Every resolved value is registered with the log redaction.
#pragma once

#include <optional>
#include <string>

namespace devtrack {

// The secret's value, or nullopt with `error` saying why (never containing
// the value).
std::optional<std::string> resolve_secret(const std::string& reference, std::string* error);

// The reference as it may be shown: "env:GH_TOKEN", "cmd:gh auth token",
// "enc:…" (ciphertext elided).
std::string redact_reference(const std::string& reference);

}  // namespace devtrack
