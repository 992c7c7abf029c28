#include "sync/segment.h"

#include <sodium.h>

#include <algorithm>

#include "util/error.h"

namespace devtrack {

namespace {

constexpr char kMagic[] = "DTS1";
constexpr size_t kMagicBytes = 4;
constexpr char kKeyPrefix[] = "dtsync1:";

void need_sodium() {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// One key, two uses: a subkey each (libsodium's KDF), never the key itself.
enum Subkey : uint64_t { kSealing = 1, kNaming = 2 };
std::string subkey(const std::string& key, Subkey id) {
  if (key.size() != kSyncKeyBytes) throw Error("the sync key has the wrong size");
  std::string sub(crypto_secretbox_KEYBYTES, '\0');
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(sub.data()), sub.size(), id, "dtsync01", bytes(key));
  return sub;
}

}  // namespace

std::string new_sync_key() {
  need_sodium();
  std::string key(kSyncKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string sync_key_text(const std::string& key) {
  std::string out(sodium_base64_ENCODED_LEN(key.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes(key), key.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return kKeyPrefix + out;
}

std::optional<std::string> parse_sync_key_text(const std::string& text) {
  need_sodium();
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.rfind(kKeyPrefix, 0) != 0) return std::nullopt;
  t = t.substr(sizeof kKeyPrefix - 1);
  std::string key(kSyncKeyBytes, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), t.data(), t.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len != kSyncKeyBytes)
    return std::nullopt;
  return key;
}

std::string seal_segment(const std::string& key, const std::string& plaintext) {
  need_sodium();
  std::string box_key = subkey(key, kSealing);
  std::string out(kMagicBytes + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  out.replace(0, kMagicBytes, kMagic, kMagicBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + kMagicBytes);
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, bytes(plaintext), plaintext.size(), nonce, bytes(box_key));
  return out;
}

std::optional<std::string> open_segment(const std::string& key, const std::string& sealed) {
  need_sodium();
  size_t head = kMagicBytes + crypto_secretbox_NONCEBYTES;
  if (key.size() != kSyncKeyBytes || sealed.size() < head + crypto_secretbox_MACBYTES ||
      sealed.compare(0, kMagicBytes, kMagic) != 0)
    return std::nullopt;
  std::string box_key = subkey(key, kSealing), plain(sealed.size() - head - crypto_secretbox_MACBYTES, '\0');
  const auto* nonce = bytes(sealed) + kMagicBytes;
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - head, nonce, bytes(box_key)) != 0)
    return std::nullopt;
  return plain;
}

std::string opaque_name(const std::string& key, const std::string& what, size_t hex_chars) {
  need_sodium();
  std::string name_key = subkey(key, kNaming);
  unsigned char hash[32];
  crypto_generichash(hash, sizeof hash, bytes(what), what.size(), bytes(name_key), name_key.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return std::string(hex, std::min<size_t>(hex_chars, 64));
}

}  // namespace devtrack
