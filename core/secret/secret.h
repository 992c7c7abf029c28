// Secret references: config values never hold a secret in clear, only a
// reference to where it is: env:NAME, cmd:COMMAND (its first output line),
// keyring:NAME (Secret Service) or enc:... (libsodium, key file 0600).
// Every resolved value is registered with the log redaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace devtrack {

// The secret's value, or nullopt with `error` saying why (never containing
// the value).
std::optional<std::string> resolve_secret(const std::string& reference, std::string* error);

// enc: secrets live encrypted (libsodium secretbox) in
// $DEVTRACK_HOME/secrets.json under their name; the key is
// $DEVTRACK_HOME/secret.key (mode 0600), made on first use.
void store_encrypted_secret(const std::string& name, const std::string& value);
bool remove_encrypted_secret(const std::string& name);
std::vector<std::string> encrypted_secret_names();

// keyring: secrets live in the desktop's Secret Service (GNOME Keyring,
// KWallet...), reached through `secret-tool` only when one is used.
void store_keyring_secret(const std::string& name, const std::string& value);

// Secret names: [A-Za-z0-9_.-]+.
bool valid_secret_name(const std::string& name);

// The reference as it may be shown: "env:GH_TOKEN", "cmd:gh auth token",
// "enc:…" (ciphertext elided).
std::string redact_reference(const std::string& reference);

}  // namespace devtrack
