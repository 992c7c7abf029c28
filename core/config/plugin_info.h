// What the host knows about one plugin file: its descriptor, copied into
// plain C++ values (the registry cache stores exactly this), or why it was
// refused. Here, below the plugin module, because the config is checked
// against the plugins' option tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

struct OptionInfo {
  std::string name;
  std::string type;           // "string" | "int" | "bool" | "duration" | "list" | "secret" | "url"
  std::string default_value;  // JSON/YAML text, "" for none
  std::string doc;
};

struct PluginInfo {
  // The file.
  std::string path;
  std::string source;  // "env" | "user" | "bundled": which search-path entry
  uint64_t size = 0;
  int64_t mtime_ns = 0;

  // Refused plugins keep the reason; the descriptor fields may be empty.
  bool refused = false;
  std::string error;

  // The descriptor.
  std::string id;
  std::string name;
  std::string version;
  std::string kind;     // "trigger" | "surface" | "parser" | "tracker" | "sink"
  std::string runs_in;  // "daemon" | "worker" | "client"
  std::string description;
  int abi_major = 0;
  int abi_minor = 0;
  std::vector<OptionInfo> options;
  std::string tickets_json;  // a tracker's ticket syntax (ABI 1.1), checked; "" for none

  std::string abi() const { return std::to_string(abi_major) + "." + std::to_string(abi_minor); }
  const OptionInfo* option(const std::string& option_name) const {
    for (const auto& o : options)
      if (o.name == option_name) return &o;
    return nullptr;
  }
};

}  // namespace devtrack
