#include "secret/secret.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "log/log.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/process.h"

using nlohmann::json;

namespace devtrack {

namespace {

// A cmd: secret's command may hang (a password manager waiting for a
// prompt nobody sees) or flood: it gets kCommandTimeout and kCommandOutput.
constexpr std::chrono::seconds kCommandTimeout{10};
constexpr size_t kCommandOutput = 64 * 1024;

// The first line of `text`, without a trailing \r.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> from_command(const std::string& command, std::string* error) {
  BoundedResult r = run_bounded({"/bin/sh", "-c", command}, kCommandTimeout, kCommandOutput);
  std::optional<std::string> value;
  if (r.timed_out) {
    *error = "the command did not finish within " + std::to_string(kCommandTimeout.count()) + " s and was killed";
  } else if (r.too_large) {
    *error = "the command printed more than " + std::to_string(kCommandOutput / 1024) +
             " KiB and was stopped (a secret is its first line)";
  } else if (r.status != 0) {
    // Its stderr says why (never stdout, which would hold the secret).
    std::string why = first_line(r.err).substr(0, 200);
    *error = r.status < 0 ? r.error : "the command failed (exit status " + std::to_string(r.status) + ")";
    if (!why.empty()) *error += ": " + why;
  } else if (std::string line = first_line(r.out); line.empty()) {
    *error = "the command printed nothing";
  } else {
    value = std::move(line);
  }
  sodium_memzero(r.out.data(), r.out.size());
  return value;
}

std::string secrets_file() { return paths::home() + "/secrets.json"; }
std::string key_file() { return paths::home() + "/secret.key"; }

void init_sodium() {
  if (sodium_init() < 0) throw Error("cannot initialise libsodium");
}

// The key, made on first use with mode 0600; refused if others can read it.
std::string load_key(bool create) {
  std::string path = key_file();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (st.st_mode & 077) throw Error(path + " is readable by others: chmod 600 " + path);
    std::string key = paths::read_file(path);
    if (key.size() != crypto_secretbox_KEYBYTES) throw Error(path + " is not a DevTrack secret key");
    return key;
  }
  if (!create) throw Error("no secret key (" + path + "): store a secret first with devtrack secret set");
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  paths::ensure_private_dir(paths::home());
  paths::write_file_atomic(path, key, 0600);
  return key;
}

json load_secrets() {
  std::error_code ec;
  if (!std::filesystem::exists(secrets_file(), ec)) return json::object();
  json j = json::parse(paths::read_file(secrets_file()), nullptr, false);
  if (!j.is_object()) throw Error(secrets_file() + " is damaged (not a JSON object)");
  return j;
}

std::string to_base64(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> from_base64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

std::optional<std::string> decrypt(const std::string& name, std::string* error) {
  init_sodium();
  json secrets = load_secrets();
  if (!secrets.contains(name) || !secrets[name].is_string()) {
    *error = "no encrypted secret named '" + name + "' (devtrack secret set " + name + ")";
    return std::nullopt;
  }
  auto blob = from_base64(secrets[name].get<std::string>());
  if (!blob || blob->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    *error = "the encrypted secret '" + name + "' is damaged";
    return std::nullopt;
  }
  std::string key = load_key(false);
  std::string plain(blob->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(blob->data());
  const auto* cipher = nonce + crypto_secretbox_NONCEBYTES;
  int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), cipher,
                                      blob->size() - crypto_secretbox_NONCEBYTES, nonce,
                                      reinterpret_cast<const unsigned char*>(key.data()));
  sodium_memzero(key.data(), key.size());  // the key opens every secret: no copy left in freed memory
  if (rc != 0) {
    *error = "the secret '" + name + "' does not decrypt with " + key_file() + " (another key?)";
    return std::nullopt;
  }
  return plain;
}

std::optional<std::string> from_keyring(const std::string& name, std::string* error) {
  std::string out, err;
  int rc = run_capture({"secret-tool", "lookup", "service", "devtrack", "name", name}, &out, &err);
  if (rc < 0) {
    *error = "keyring: needs secret-tool (Debian: libsecret-tools) and a running Secret Service";
    return std::nullopt;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (rc != 0 || out.empty()) {
    *error = "no secret '" + name + "' in the keyring (devtrack secret set --keyring " + name + ")";
    return std::nullopt;
  }
  return out;
}

}  // namespace

bool valid_secret_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

std::optional<std::string> resolve_secret(const std::string& reference, std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  std::optional<std::string> value;
  try {
    if (reference.rfind("env:", 0) == 0) {
      const char* v = std::getenv(reference.c_str() + 4);
      if (!v || !*v) *error = "environment variable " + reference.substr(4) + " is not set";
      else value = v;
    } else if (reference.rfind("cmd:", 0) == 0) {
      value = from_command(reference.substr(4), error);
    } else if (reference.rfind("enc:", 0) == 0) {
      value = decrypt(reference.substr(4), error);
    } else if (reference.rfind("keyring:", 0) == 0) {
      value = from_keyring(reference.substr(8), error);
    } else {
      *error = "not a secret reference (env:NAME, cmd:COMMAND, keyring:NAME or enc:NAME)";
    }
  } catch (const Error& e) {
    *error = e.what();
    value.reset();
  }
  if (value) log::add_secret(*value);
  return value;
}

void store_encrypted_secret(const std::string& name, const std::string& value) {
  if (!valid_secret_name(name)) throw Error("a secret name is letters, digits, '.', '_' or '-'");
  init_sodium();
  std::string key = load_key(true);
  std::string blob(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + value.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(blob.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(value.data()),
                        value.size(), nonce, reinterpret_cast<const unsigned char*>(key.data()));
  json secrets = load_secrets();
  secrets[name] = to_base64(blob);
  paths::write_file_atomic(secrets_file(), secrets.dump(1) + "\n", 0600);
}

bool remove_encrypted_secret(const std::string& name) {
  json secrets = load_secrets();
  if (!secrets.contains(name)) return false;
  secrets.erase(name);
  paths::write_file_atomic(secrets_file(), secrets.dump(1) + "\n", 0600);
  return true;
}

std::vector<std::string> encrypted_secret_names() {
  std::vector<std::string> names;
  json secrets = load_secrets();  // items() must not outlive its object
  for (const auto& [name, v] : secrets.items()) names.push_back(name);
  return names;
}

void store_keyring_secret(const std::string& name, const std::string& value) {
  if (!valid_secret_name(name)) throw Error("a secret name is letters, digits, '.', '_' or '-'");
  // secret-tool reads the value on stdin; it never appears in argv.
  std::string command = "secret-tool store --label='DevTrack " + name + "' service devtrack name '" + name + "'";
  FILE* p = ::popen(command.c_str(), "w");
  if (!p) throw Error("keyring: cannot run secret-tool");
  std::fwrite(value.data(), 1, value.size(), p);
  int status = ::pclose(p);
  if (status != 0)
    throw Error("keyring: secret-tool could not store the secret (is secret-tool installed and a Secret Service "
                "running? Debian: libsecret-tools, gnome-keyring)");
}

std::string redact_reference(const std::string& reference) {
  for (const char* scheme : {"env:", "cmd:", "keyring:", "enc:"})
    if (reference.rfind(scheme, 0) == 0) return reference;
  return "(a value that is not a reference)";
}

}  // namespace devtrack
