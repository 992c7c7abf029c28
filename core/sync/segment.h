// Sealed segments (docs/sync.md "Encryption"): what leaves the machine is
// libsodium's secretbox (XSalsa20-Poly1305) of the records under the sync
// key the user's devices share, so the remote's host sees only ciphertext;
// file and folder names are keyed hashes, so they reveal nothing either.
#pragma once

#include <optional>
#include <string>

namespace devtrack {

constexpr size_t kSyncKeyBytes = 32;

// A new random key.
std::string new_sync_key();
// The key as the user moves it between devices ("dtsync1:" + base64url),
// and back; nullopt for text that is not one.
std::string sync_key_text(const std::string& key);
std::optional<std::string> parse_sync_key_text(const std::string& text);

// "DTS1" + nonce + secretbox(plaintext).
std::string seal_segment(const std::string& key, const std::string& plaintext);
// The plaintext, or nullopt when it was not sealed under this key or was
// changed since.
std::optional<std::string> open_segment(const std::string& key, const std::string& sealed);

// A name that says nothing without the key: hex of a keyed BLAKE2b hash of
// `what`, `hex_chars` long.
std::string opaque_name(const std::string& key, const std::string& what, size_t hex_chars = 32);

}  // namespace devtrack
