// The portable part of the paths: where things live below the home and the
// install prefix. Files and the running executable: paths_posix.cc.
#include "util/paths.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/strings.h"

#ifndef DEVTRACK_PLUGIN_REL
#define DEVTRACK_PLUGIN_REL "lib/devtrack/plugins"
#endif
#ifndef DEVTRACK_HELPER_REL
#define DEVTRACK_HELPER_REL "libexec/devtrack"
#endif

namespace fs = std::filesystem;

namespace devtrack::paths {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string user_home() {
  std::string h = env("HOME");
  if (h.empty()) throw Error("HOME is not set: set HOME or DEVTRACK_HOME");
  return h;
}

}  // namespace

std::string home() {
  std::string h = env("DEVTRACK_HOME");
  if (!h.empty()) return h;
  return user_home() + "/.devtrack";
}

std::string config_file() { return home() + "/config.yaml"; }
std::string database() { return home() + "/devtrack.db"; }
std::string cache_dir() { return home() + "/cache"; }
std::string user_plugin_dir() { return home() + "/plugins"; }

std::string install_prefix() {
  fs::path dir = executable_dir();
  // bin/devtrack or libexec/devtrack/devtrack-worker: the prefix is above.
  fs::path helper_rel = DEVTRACK_HELPER_REL;
  std::string d = dir.string();
  std::string h = "/" + helper_rel.string();
  if (d.size() > h.size() && d.compare(d.size() - h.size(), h.size(), h) == 0)
    return d.substr(0, d.size() - h.size());
  return dir.parent_path().string();
}

std::vector<PluginDir> plugin_search_path() {
  std::vector<PluginDir> dirs;
  // Relative entries are skipped: they would resolve against the current
  // directory, and the hook's inline prompt runs inside the repository.
  for (const auto& p : split(env("DEVTRACK_PLUGIN_PATH"), ':'))
    if (!p.empty() && p[0] == '/') dirs.push_back({p, "env"});
  dirs.push_back({user_plugin_dir(), "user"});
  dirs.push_back({install_prefix() + "/" DEVTRACK_PLUGIN_REL, "bundled"});
  return dirs;
}

std::string helper(const std::string& name) {
  std::string beside = executable_dir() + "/" + name;
  std::error_code ec;
  if (fs::is_regular_file(beside, ec) && (fs::status(beside, ec).permissions() & fs::perms::owner_exec) != fs::perms::none)
    return beside;
  return install_prefix() + "/" DEVTRACK_HELPER_REL "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace devtrack::paths
