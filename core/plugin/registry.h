// The plugin registry: every plugin file on the search path with its
// descriptor or the reason it was refused, cached in
// $DEVTRACK_HOME/cache/registry.msgpack (MessagePack, which every command
// reads: half the cost of lexing the same as JSON text). Only `devtrack-worker --scan` loads
// libraries to fill it (loading maps a library for good); the CLI and the
// daemon read the cache and re-run the scan when a file's size or mtime
// changed — as GStreamer's registry does.
#pragma once

#include <string>
#include <vector>

#include "config/plugin_info.h"

namespace devtrack {
struct Config;
}

namespace devtrack {

// Plugin files (*.so) on the search path, in search order, with their
// size and mtime (descriptor fields empty).
std::vector<PluginInfo> find_plugin_files();

// Loads every changed file (reusing cached entries for unchanged ones),
// writes the cache and returns the registry. Only for short-lived processes.
std::vector<PluginInfo> scan_plugins(bool force);

// The registry for the current search path: the cache when it is fresh,
// else the result of running `devtrack-worker --scan`. Duplicate ids are
// marked refused (the first on the search path wins). Throws Error if the
// registry cannot be built.
std::vector<PluginInfo> load_registry();

// Fills in each usable plugin's description and option docs, which
// load_registry() leaves out (only `plugins info` shows them: kept in a
// file of their own, $DEVTRACK_HOME/cache/registry-docs.json, they are
// not read by every command). Runs the scan when they are missing.
void load_plugin_docs(std::vector<PluginInfo>& plugins);

// Marks every plugin whose id an earlier one already has as refused.
void refuse_duplicates(std::vector<PluginInfo>& plugins);

const PluginInfo* find_plugin(const std::vector<PluginInfo>& plugins, const std::string& id);
// The usable plugin with this id, or throws Error saying it is refused (and
// why) or not installed (with "did you mean").
const PluginInfo& require_plugin(const std::vector<PluginInfo>& plugins, const std::string& id);
std::vector<std::string> plugin_ids(const std::vector<PluginInfo>& plugins);
// The ids of the usable plugins of `kind` ("tracker", "sink"...) that the
// config enables, in registry order.
std::vector<std::string> enabled_plugins(const std::vector<PluginInfo>& plugins, const Config& config,
                                         const std::string& kind);

std::string registry_cache_path();

}  // namespace devtrack
