// The config file's YAML tree, kept from its last clean check.
//
// yaml-cpp's scanner costs about 2,500 instructions a byte: 2.2 M for the
// file `config init` writes, more than anything else a command like
// `devtrack plugins list` does. The tree of a file that checked clean is
// kept as JSON (a tenth of that to read back) under the file's path and a
// hash of its whole text, so an unchanged file is never scanned twice.
// The checks still run on the tree every time: they depend on the plugins
// installed and on other files, not only on the text. A tree rebuilt from
// the cache has no positions, so a caller that gets any diagnostic from it
// parses the file again to report where.
//
// Only core/config uses this. Callers: any thread, one file at a time.
#pragma once

#include <yaml-cpp/node/node.h>

#include <optional>
#include <string>

namespace devtrack::yaml_cache {

// The tree kept for `path` if it was made from exactly `text`.
std::optional<YAML::Node> load(const std::string& path, const std::string& text);

// Keeps `root`, parsed from `text` at `path`, replacing what was kept. A
// cache that cannot be written (a full disk, a read-only home) is skipped.
void store(const std::string& path, const std::string& text, const YAML::Node& root);

// Where the cache lives ($DEVTRACK_HOME/cache/config-tree.msgpack, MessagePack).
std::string file();

}  // namespace devtrack::yaml_cache
