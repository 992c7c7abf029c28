#include "plugin/registry.h"

#include "config/config.h"

#include <devtrack/plugin.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "log/log.h"
#include "plugin/loader.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/process.h"
#include "util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace devtrack {

namespace {

// 3: each plugin and option a positional array (kFields): the cache is
// read by every command, and an object per entry was most of its cost.
// 4: descriptions and option docs in a file of their own (docs_path()).
// 5: MessagePack instead of JSON text (registry.msgpack): half the
// instructions to read, and strings kept byte for byte.
constexpr int kCacheFormat = 5;
constexpr int kDocsFormat = 1;

std::string host_abi() {
  return std::to_string(DEVTRACK_ABI_MAJOR) + "." + std::to_string(DEVTRACK_ABI_MINOR);
}

// The order of a plugin's fields in the cache; an option is [name, type,
// default].
enum Field { kPath, kSource, kSize, kMtime, kRefused, kError, kId, kName, kVersion, kKind, kRunsIn,
             kAbiMajor, kAbiMinor, kOptions, kTickets, kFields };

json to_json(const PluginInfo& p) {
  json options = json::array();
  for (const auto& o : p.options) options.push_back({o.name, o.type, o.default_value});
  json e = json::array();
  e.get_ref<json::array_t&>().resize(kFields);
  e[kPath] = p.path, e[kSource] = p.source, e[kSize] = p.size, e[kMtime] = p.mtime_ns;
  e[kRefused] = p.refused, e[kError] = p.error, e[kId] = p.id, e[kName] = p.name;
  e[kVersion] = p.version, e[kKind] = p.kind, e[kRunsIn] = p.runs_in;
  e[kAbiMajor] = p.abi_major, e[kAbiMinor] = p.abi_minor, e[kOptions] = std::move(options);
  e[kTickets] = p.tickets_json;
  return e;
}

// Reads the cache straight into PluginInfo, without a JSON tree of it:
// every command reads the cache, and building and freeing its tree cost
// more than all the rest of `devtrack plugins list`. Anything that is not
// the layout write_cache() makes is an error (the cache is then rebuilt).
class CacheReader final : public nlohmann::json_sax<json> {
 public:
  int format = 0;
  std::string abi;
  std::vector<PluginInfo> plugins;

  bool null() override { return fail(); }
  bool boolean(bool v) override {
    if (depth_ != 3 || field_ != kRefused) return fail();
    plugins.back().refused = v;
    return next();
  }
  bool number_integer(number_integer_t v) override { return number(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return v <= static_cast<uint64_t>(INT64_MAX) ? number(static_cast<int64_t>(v)) : fail();
  }
  bool number_float(number_float_t, const string_t&) override { return fail(); }
  bool binary(binary_t&) override { return fail(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && key_ == "abi") return abi = std::move(v), true;
    if (depth_ == 5 && option_field_ < 3) {
      OptionInfo& o = plugins.back().options.back();
      std::string* fields[] = {&o.name, &o.type, &o.default_value};
      *fields[option_field_++] = std::move(v);
      return true;
    }
    if (depth_ != 3) return fail();
    if (std::string* f = text_field(plugins.back())) return *f = std::move(v), next();
    return fail();
  }
  bool start_object(std::size_t) override { return depth_ == 0 ? (++depth_, true) : fail(); }
  bool key(string_t& k) override { return depth_ == 1 ? (key_ = std::move(k), true) : fail(); }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override {
    // Another version's cache ("format" comes first): stop, it is scanned again.
    if (depth_ == 1 && key_ == "plugins") return format == kCacheFormat && (++depth_, true);
    if (depth_ == 2) return plugins.emplace_back(), field_ = 0, ++depth_, true;
    if (depth_ == 3 && field_ == kOptions) return ++depth_, true;
    if (depth_ == 4) return plugins.back().options.emplace_back(), option_field_ = 0, ++depth_, true;
    return fail();
  }
  bool end_array() override {
    if (depth_ == 3 && field_ != kFields) return fail();
    if (depth_ == 5 && option_field_ != 3) return fail();
    if (depth_ == 4) next();
    return --depth_, true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw Error(e.what());
  }

 private:
  bool fail() { throw Error("not the layout of cache format " + std::to_string(kCacheFormat)); }
  bool next() { return ++field_, true; }
  bool number(int64_t v) {
    if (depth_ == 1 && key_ == "format") return format = static_cast<int>(v), true;
    if (depth_ != 3) return fail();
    PluginInfo& p = plugins.back();
    if (field_ == kSize && v >= 0) p.size = static_cast<uint64_t>(v);
    else if (field_ == kMtime) p.mtime_ns = v;
    else if (field_ == kAbiMajor && v >= 0 && v <= INT32_MAX) p.abi_major = static_cast<int>(v);
    else if (field_ == kAbiMinor && v >= 0 && v <= INT32_MAX) p.abi_minor = static_cast<int>(v);
    else return fail();
    return next();
  }
  std::string* text_field(PluginInfo& p) const {
    switch (field_) {
      case kPath: return &p.path;
      case kSource: return &p.source;
      case kError: return &p.error;
      case kId: return &p.id;
      case kName: return &p.name;
      case kVersion: return &p.version;
      case kKind: return &p.kind;
      case kRunsIn: return &p.runs_in;
      case kTickets: return &p.tickets_json;
      default: return nullptr;
    }
  }

  int depth_ = 0;
  int field_ = 0;
  int option_field_ = 0;
  std::string key_;
};

// Cached entries by path; empty if the cache is missing, unreadable or from
// another host ABI (then everything is scanned again).
std::map<std::string, PluginInfo> read_cache() {
  std::map<std::string, PluginInfo> entries;
  std::error_code ec;
  if (!fs::exists(registry_cache_path(), ec)) return entries;
  try {
    CacheReader reader;
    bool whole = json::sax_parse(paths::read_file(registry_cache_path()), &reader, json::input_format_t::msgpack);
    if (reader.format != kCacheFormat || reader.abi != host_abi()) return entries;
    if (!whole) throw Error("it ends early");
    for (auto& p : reader.plugins) {
      std::string path = p.path;
      entries[path] = std::move(p);
    }
  } catch (const std::exception& e) {
    log::warn("registry", "ignoring unreadable plugin cache {}: {}", registry_cache_path(), e.what());
    entries.clear();
  }
  return entries;
}

// The text only `plugins info` shows, apart from what every command reads:
// {"format": 1, "plugins": {path: [size, mtime_ns, description, [doc of
// each option]]}}.
std::string docs_path() { return paths::cache_dir() + "/registry-docs.json"; }

void write_docs(const std::vector<PluginInfo>& plugins) {
  json entries = json::object();
  for (const auto& p : plugins) {
    json docs = json::array();
    for (const auto& o : p.options) docs.push_back(o.doc);
    entries[p.path] = json::array({p.size, p.mtime_ns, p.description, std::move(docs)});
  }
  json j = {{"format", kDocsFormat}, {"plugins", std::move(entries)}};
  paths::write_file_atomic(docs_path(), j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

// The docs file's entries; empty if it is missing or unreadable.
json read_docs() {
  try {
    json j = json::parse(paths::read_file(docs_path()));
    if (j.at("format") == kDocsFormat && j.at("plugins").is_object()) return j.at("plugins");
  } catch (const std::exception&) {
  }
  return json::object();
}

// Fills p's description and option docs; false when the docs file has none
// for the file as it is now.
bool apply_docs(PluginInfo& p, const json& entries) {
  auto it = entries.find(p.path);
  if (it == entries.end() || !it->is_array() || it->size() != 4) return false;
  const json& e = *it;
  if (e[0] != p.size || e[1] != p.mtime_ns || !e[2].is_string() || !e[3].is_array() ||
      e[3].size() != p.options.size())
    return false;
  p.description = e[2].get<std::string>();
  for (size_t i = 0; i < p.options.size(); ++i) p.options[i].doc = e[3][i].is_string() ? e[3][i].get<std::string>() : "";
  return true;
}

// The docs first: a cache newer than its docs would never be scanned again.
void write_cache(const std::vector<PluginInfo>& plugins) {
  paths::ensure_private_dir(paths::cache_dir());
  write_docs(plugins);
  json list = json::array();
  for (const auto& p : plugins) list.push_back(to_json(p));
  json j = {{"format", kCacheFormat}, {"abi", host_abi()}, {"plugins", list}};
  std::vector<std::uint8_t> bytes = json::to_msgpack(j);
  paths::write_file_atomic(registry_cache_path(), std::string(bytes.begin(), bytes.end()));
  std::error_code ec;
  fs::remove(paths::cache_dir() + "/registry.json", ec);  // formats 4 and older, JSON text
}

// A plugin runs with all of the user's rights, so the file and its folder
// must not be replaceable by anyone else: owned by the user or root, not
// writable by other users (nor by a group other than the user's own).
std::string unsafe_reason(const std::string& path, const struct stat& st) {
  if (st.st_uid != ::getuid() && st.st_uid != 0)
    return path + " belongs to uid " + std::to_string(st.st_uid) + ", not to you or root";
  if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != ::getgid()))
    return path + " is writable by other users (chmod go-w it)";
  return "";
}

std::string unsafe_dir_reason(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "";
  return unsafe_reason(dir, st);
}

bool same_file(const PluginInfo& a, const PluginInfo& b) {
  return a.path == b.path && a.size == b.size && a.mtime_ns == b.mtime_ns;
}

}  // namespace

std::string registry_cache_path() { return paths::cache_dir() + "/registry.msgpack"; }

std::vector<PluginInfo> find_plugin_files() {
  std::vector<PluginInfo> files;
  for (const auto& dir : paths::plugin_search_path()) {
    std::error_code ec;
    std::string dir_unsafe = unsafe_dir_reason(dir.path);
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".so") names.push_back(it->path().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      struct stat st;
      if (::stat(name.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      PluginInfo p;
      p.path = name;
      p.source = dir.source;
      p.size = static_cast<uint64_t>(st.st_size);
      p.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      std::string unsafe = dir_unsafe.empty() ? unsafe_reason(name, st) : dir_unsafe;
      if (!unsafe.empty()) {  // never loaded, not even to read its descriptor
        p.refused = true;
        p.error = "not loaded: " + unsafe;
      }
      files.push_back(std::move(p));
    }
  }
  return files;
}

std::vector<PluginInfo> scan_plugins(bool force) {
  auto cached = force ? std::map<std::string, PluginInfo>{} : read_cache();
  json docs = force ? json::object() : read_docs();
  std::vector<PluginInfo> plugins;
  for (auto& file : find_plugin_files()) {
    if (file.refused) {  // unsafe to load
      plugins.push_back(std::move(file));
      continue;
    }
    auto it = cached.find(file.path);
    if (it != cached.end() && same_file(it->second, file) && apply_docs(it->second, docs)) {
      PluginInfo p = it->second;
      p.source = file.source;
      plugins.push_back(std::move(p));
      continue;
    }
    load_plugin(file);
    if (file.refused) log::warn("registry", "refused plugin {}: {}", file.path, file.error);
    plugins.push_back(std::move(file));
  }
  write_cache(plugins);
  refuse_duplicates(plugins);
  return plugins;
}

namespace {

// `devtrack-worker --scan`: loading libraries is for a short-lived process.
void run_scan() {
  std::string worker = paths::helper("devtrack-worker");
  std::string error;
  int rc = run_program({worker, "--scan", "--quiet"}, &error);
  if (rc != 0)
    throw Error("cannot refresh the plugin registry: " +
                (error.empty() ? worker + " --scan exited with status " + std::to_string(rc) : error));
}

}  // namespace

void load_plugin_docs(std::vector<PluginInfo>& plugins) {
  for (int attempt = 0;; ++attempt) {
    json docs = read_docs();
    bool all = true;
    for (auto& p : plugins)
      if (!p.refused && !apply_docs(p, docs)) all = false;
    if (all || attempt == 1) return;
    run_scan();  // docs missing or older than a file: the scan writes them again
  }
}

std::vector<PluginInfo> load_registry() {
  auto files = find_plugin_files();
  auto cached = read_cache();
  bool fresh = std::all_of(files.begin(), files.end(), [&](const PluginInfo& f) {
    if (f.refused) return true;
    auto it = cached.find(f.path);
    return it != cached.end() && same_file(it->second, f);
  });
  size_t loadable = std::count_if(files.begin(), files.end(), [](const PluginInfo& f) { return !f.refused; });
  if (!fresh || cached.size() != loadable) {
    run_scan();
    cached = read_cache();
  }
  std::vector<PluginInfo> plugins;
  for (auto& f : files) {
    if (f.refused) {  // unsafe to load: whatever the cache says
      plugins.push_back(std::move(f));
      continue;
    }
    auto it = cached.find(f.path);
    if (it == cached.end()) {
      // Appeared between the scan and now: list it, unscanned.
      f.refused = true;
      f.error = "not scanned yet (run the command again)";
      plugins.push_back(std::move(f));
      continue;
    }
    PluginInfo p = std::move(it->second);  // each path once: the map is ours
    p.source = f.source;
    plugins.push_back(std::move(p));
  }
  refuse_duplicates(plugins);
  return plugins;
}

void refuse_duplicates(std::vector<PluginInfo>& plugins) {
  std::map<std::string, std::string> first_path;
  for (auto& p : plugins) {
    if (p.refused || p.id.empty()) continue;
    auto [it, inserted] = first_path.emplace(p.id, p.path);
    if (!inserted) {
      p.refused = true;
      p.error = "duplicate id '" + p.id + "': " + it->second + " comes first on the search path";
    }
  }
}

const PluginInfo* find_plugin(const std::vector<PluginInfo>& plugins, const std::string& id) {
  for (const auto& p : plugins)
    if (!p.refused && p.id == id) return &p;
  return nullptr;
}

std::vector<std::string> enabled_plugins(const std::vector<PluginInfo>& plugins, const Config& config,
                                         const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& p : plugins)
    if (!p.refused && p.kind == kind && config.plugin_enabled(p.id)) out.push_back(p.id);
  return out;
}

const PluginInfo& require_plugin(const std::vector<PluginInfo>& plugins, const std::string& id) {
  if (const PluginInfo* p = find_plugin(plugins, id)) return *p;
  for (const auto& r : plugins)
    if (r.refused && r.id == id) throw Error("plugin '" + id + "' is refused: " + r.path + ": " + r.error);
  throw Error("no plugin '" + id + "' is installed" + did_you_mean(id, plugin_ids(plugins)) +
              "; see devtrack plugins list");
}

std::vector<std::string> plugin_ids(const std::vector<PluginInfo>& plugins) {
  std::vector<std::string> ids;
  for (const auto& p : plugins)
    if (!p.refused && !p.id.empty()) ids.push_back(p.id);
  return ids;
}

}  // namespace devtrack
