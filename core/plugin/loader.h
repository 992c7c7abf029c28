// Loads plugin libraries and checks their descriptors. Libraries are opened
// with RTLD_NOW | RTLD_LOCAL through Boost.DLL and never unloaded while the
// process lives (code and callbacks must not outlive their library), so only
// short-lived `devtrack-worker --scan` loads a plugin just to describe it.
#pragma once

#include <devtrack/plugin.h>

#include <string>

#include "config/plugin_info.h"

namespace devtrack {

// Loads the library at info.path and validates its descriptor against this
// host's ABI. On success fills the descriptor fields of `info` and returns
// a zero-filled copy of the descriptor, valid for the life of the process. On refusal sets
// info.refused and info.error — one line saying what is wrong — and returns
// nullptr. Never throws for a bad file.
const dt_plugin_descriptor* load_plugin(PluginInfo& info);

// Checks that `path` is an ELF shared library; "" if so, else the reason.
std::string check_shared_library(const std::string& path);

const char* kind_name(dt_kind kind);          // nullptr for unknown
const char* runs_in_name(dt_runs_in runs_in);  // nullptr for unknown
const char* option_type_name(dt_option_type type);
const char* interface_id_for_kind(const std::string& kind);

}  // namespace devtrack
