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

constexpr int kCacheFormat = 2;  // 2: "tickets"

std::string host_abi() {
  return std::to_string(DEVTRACK_ABI_MAJOR) + "." + std::to_string(DEVTRACK_ABI_MINOR);
}

json to_json(const PluginInfo& p) {
  json options = json::array();
  for (const auto& o : p.options)
    options.push_back({{"name", o.name}, {"type", o.type}, {"default", o.default_value}, {"doc", o.doc}});
  return {{"path", p.path},       {"source", p.source},   {"size", p.size},
          {"mtime_ns", p.mtime_ns}, {"refused", p.refused}, {"error", p.error},
          {"id", p.id},           {"name", p.name},       {"version", p.version},
          {"kind", p.kind},       {"runs_in", p.runs_in}, {"description", p.description},
          {"abi_major", p.abi_major}, {"abi_minor", p.abi_minor}, {"options", options},
          {"tickets", p.tickets_json}};
}

PluginInfo from_json(const json& j) {
  PluginInfo p;
  p.path = j.at("path").get<std::string>();
  p.source = j.at("source").get<std::string>();
  p.size = j.at("size").get<uint64_t>();
  p.mtime_ns = j.at("mtime_ns").get<int64_t>();
  p.refused = j.at("refused").get<bool>();
  p.error = j.at("error").get<std::string>();
  p.id = j.at("id").get<std::string>();
  p.name = j.at("name").get<std::string>();
  p.version = j.at("version").get<std::string>();
  p.kind = j.at("kind").get<std::string>();
  p.runs_in = j.at("runs_in").get<std::string>();
  p.description = j.at("description").get<std::string>();
  p.abi_major = j.at("abi_major").get<int>();
  p.abi_minor = j.at("abi_minor").get<int>();
  p.tickets_json = j.at("tickets").get<std::string>();
  for (const auto& o : j.at("options"))
    p.options.push_back({o.at("name").get<std::string>(), o.at("type").get<std::string>(),
                         o.at("default").get<std::string>(), o.at("doc").get<std::string>()});
  return p;
}

// Cached entries by path; empty if the cache is missing, unreadable or from
// another host ABI (then everything is scanned again).
std::map<std::string, PluginInfo> read_cache() {
  std::map<std::string, PluginInfo> entries;
  std::error_code ec;
  if (!fs::exists(registry_cache_path(), ec)) return entries;
  try {
    json j = json::parse(paths::read_file(registry_cache_path()));
    if (j.at("format").get<int>() != kCacheFormat || j.at("abi").get<std::string>() != host_abi()) return entries;
    for (const auto& e : j.at("plugins")) {
      PluginInfo p = from_json(e);
      entries[p.path] = std::move(p);
    }
  } catch (const std::exception& e) {
    log::warn("registry", "ignoring unreadable plugin cache {}: {}", registry_cache_path(), e.what());
    entries.clear();
  }
  return entries;
}

void write_cache(const std::vector<PluginInfo>& plugins) {
  json list = json::array();
  for (const auto& p : plugins) list.push_back(to_json(p));
  json j = {{"format", kCacheFormat}, {"abi", host_abi()}, {"plugins", list}};
  paths::ensure_private_dir(paths::cache_dir());
  paths::write_file_atomic(registry_cache_path(), j.dump() + "\n");
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

std::string registry_cache_path() { return paths::cache_dir() + "/registry.json"; }

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
  std::vector<PluginInfo> plugins;
  for (auto& file : find_plugin_files()) {
    if (file.refused) {  // unsafe to load
      plugins.push_back(std::move(file));
      continue;
    }
    auto it = cached.find(file.path);
    if (it != cached.end() && same_file(it->second, file)) {
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
    std::string worker = paths::helper("devtrack-worker");
    std::string error;
    int rc = run_program({worker, "--scan", "--quiet"}, &error);
    if (rc != 0)
      throw Error("cannot refresh the plugin registry: " +
                  (error.empty() ? worker + " --scan exited with status " + std::to_string(rc) : error));
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
    PluginInfo p = it->second;
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
