// Where DevTrack keeps and finds things. All paths derive from DEVTRACK_HOME
// (default ~/.devtrack) or from the location of the running executable, so
// any install prefix works and test homes never meet the user's.
#pragma once

#include <string>
#include <vector>

namespace devtrack::paths {

std::string home();         // $DEVTRACK_HOME or ~/.devtrack
std::string config_file();  // home()/config.yaml
std::string database();     // home()/devtrack.db
std::string cache_dir();    // home()/cache
std::string user_plugin_dir();  // home()/plugins

// Directory of the running executable (resolved through /proc/self/exe).
std::string executable_dir();

// The install prefix, derived from executable_dir() (…/bin or …/libexec/devtrack).
std::string install_prefix();

// Plugin search path in order: $DEVTRACK_PLUGIN_PATH entries, the user dir,
// the bundled dir relative to the executable.
struct PluginDir {
  std::string path;
  std::string source;  // "env" | "user" | "bundled"
};
std::vector<PluginDir> plugin_search_path();

// Helper executables (devtrack-worker, ...) installed beside or under libexec.
std::string helper(const std::string& name);

// Creates a directory and its parents with mode 0700 if missing.
void ensure_private_dir(const std::string& path);

// Writes `content` to `path` atomically (temp file, fsync, rename).
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0600);

// Reads a whole file; throws Error with the path on failure.
std::string read_file(const std::string& path);

}  // namespace devtrack::paths
