#include "sync/sync.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>

#include "secret/secret.h"
#include "store/store.h"
#include "sync/segment.h"
#include "util/error.h"
#include "util/paths.h"

namespace fs = std::filesystem;

namespace devtrack {

namespace {

constexpr const char* kKv = "@sync";  // '@': no plugin id has one
constexpr const char* kKeySecret = "sync-key";
constexpr size_t kSegmentBytes = 256 * 1024;

std::string random_hex_id() {
  if (sodium_init() < 0) throw Error("libsodium could not be initialised");
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace

std::optional<SyncSetup> sync_setup(Store& store) {
  auto remote = store.kv_get(kKv, "remote");
  auto id = store.kv_get(kKv, "device_id");
  if (!remote || remote->empty() || !id) return std::nullopt;
  SyncSetup s;
  s.remote = *remote;
  s.branch = store.kv_get(kKv, "branch").value_or("devtrack-sync");
  s.me = {*id, store.kv_get(kKv, "device_name").value_or(*id)};
  return s;
}

void save_sync_setup(Store& store, SyncSetup setup) {
  if (setup.me.id.empty()) setup.me.id = store.kv_get(kKv, "device_id").value_or(random_hex_id());
  store.kv_set(kKv, "remote", setup.remote);
  store.kv_set(kKv, "branch", setup.branch);
  store.kv_set(kKv, "device_id", setup.me.id);
  store.kv_set(kKv, "device_name", setup.me.name);
}

void clear_sync_setup(Store& store) { store.kv_erase(kKv, "remote"); }

std::string local_device_id(Store& store) { return store.kv_get(kKv, "device_id").value_or(""); }

SyncOutcome sync_outcome(Store& store) {
  return {store.kv_get_int(kKv, "last_ok_ms"), store.kv_get_int(kKv, "last_try_ms"), store.kv_get(kKv, "last_error"),
          store.kv_get(kKv, "head").value_or("")};
}

void note_sync_try(Store& store, int64_t now_ms) { store.kv_set(kKv, "last_try_ms", std::to_string(now_ms)); }

void note_sync_end(Store& store, const std::string& error, int64_t now_ms) {
  if (!error.empty()) return store.kv_set(kKv, "last_error", error);
  store.kv_set(kKv, "last_ok_ms", std::to_string(now_ms));
  store.kv_erase(kKv, "last_error");
}

void note_sync_head(Store& store, const std::string& head) { store.kv_set(kKv, "head", head); }

std::optional<std::string> sync_key() {
  std::string error;
  auto text = resolve_secret(std::string("enc:") + kKeySecret, &error);
  if (!text) return std::nullopt;
  return parse_sync_key_text(*text);
}

void save_sync_key(const std::string& key) { store_encrypted_secret(kKeySecret, sync_key_text(key)); }

std::string sync_dir() { return paths::home() + "/sync"; }

std::string device_dir(const std::string& key, const SyncDevice& me) { return opaque_name(key, "device:" + me.id, 16); }

int seal_outgoing(Store& store, const SyncSetup& setup, const std::string& key, int max_segments) {
  claim_local_records(store, setup.me);
  std::string out_dir = sync_dir() + "/out";
  paths::ensure_private_dir(sync_dir());
  paths::ensure_private_dir(out_dir);
  int records = 0;
  for (int i = 0; i < max_segments; ++i) {
    SyncExport changes = export_changes(store, setup.me, kSegmentBytes);
    if (changes.records == 0) break;
    int64_t seq = store.kv_get_int(kKv, "seq").value_or(0) + 1;
    store.kv_set(kKv, "seq", std::to_string(seq));  // a name is never used twice, even after a crash
    std::string name = opaque_name(key, "segment:" + setup.me.id + ":" + std::to_string(seq));
    paths::write_file_atomic(out_dir + "/" + name, seal_segment(key, changes.lines), 0600);
    mark_exported(store, changes);
    records += changes.records;
  }
  return records;
}

namespace {

// The names in in/ besides `names`: what a round that stopped left.
std::vector<std::string> waiting_in(const std::string& in_dir, std::vector<std::string> names) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(in_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && name.find('.') == std::string::npos &&
        std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  return names;
}

void add(SyncImport& total, const SyncImport& one) {
  total.added += one.added;
  total.updated += one.updated;
  total.kept += one.kept;
  total.refused += one.refused;
  total.edited_here.insert(total.edited_here.end(), one.edited_here.begin(), one.edited_here.end());
}

}  // namespace

SyncIntake take_incoming(Store& store, const SyncSetup& setup, const std::string& key,
                         const std::vector<std::string>& names, int64_t now_ms) {
  SyncIntake intake;
  std::string in_dir = sync_dir() + "/in";
  for (const auto& name : waiting_in(in_dir, names)) {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') continue;
    std::string path = in_dir + "/" + name;
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    auto plain = open_segment(key, paths::read_file(path));
    if (!plain) {  // another key's, or changed on the remote: kept to look at, not merged
      intake.problems.push_back(name);
      fs::rename(path, path + ".bad", ec);
      continue;
    }
    add(intake.merged, import_records(store, *plain, setup.me, now_ms));
    ++intake.segments;
    fs::remove(path, ec);
  }
  return intake;
}

}  // namespace devtrack
