#define BOOST_DLL_USE_STD_FS
#include "plugin/loader.h"

#include <dlfcn.h>
#include <elf.h>

#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include "plugin/ticket_syntax.h"
#include "util/library_loading.h"

namespace devtrack {

namespace {

// Opened libraries are parked here for the life of the process and never
// closed (the vector itself is leaked on purpose: no destructor at exit).
std::vector<boost::dll::shared_library>& keep_loaded() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}
std::mutex keep_loaded_mu;

// The smallest descriptor this host accepts: everything up to and including
// get_interface, i.e. the 0.1 layout.
constexpr size_t kMinDescriptorSize = offsetof(dt_plugin_descriptor, get_interface) + sizeof(void*);

bool valid_id(const char* id) {
  if (!id || !*id || std::strlen(id) > 64) return false;
  if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9'))) return false;
  for (const char* p = id; *p; ++p) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool valid_option_name(const char* name) {
  if (!name || !*name || std::strlen(name) > 64) return false;
  for (const char* p = name; *p; ++p) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool refuse(PluginInfo& info, std::string reason) {
  info.refused = true;
  info.error = std::move(reason);
  return false;
}

bool read_options(const dt_option* options, PluginInfo& info) {
  if (!options) return true;
  for (int i = 0; options[i].name; ++i) {
    if (i >= 256) return refuse(info, "malformed descriptor: option table has no end (name NULL) within 256 entries");
    const dt_option& o = options[i];
    if (!valid_option_name(o.name))
      return refuse(info, std::string("malformed descriptor: option name '") + o.name + "' is not [a-z0-9_]+");
    const char* type = option_type_name(o.type);
    if (!type)
      return refuse(info, std::string("malformed descriptor: option '") + o.name + "' has unknown type " +
                              std::to_string(o.type));
    if (info.option(o.name))
      return refuse(info, std::string("malformed descriptor: option '") + o.name + "' is declared twice");
    info.options.push_back({o.name, type, o.default_value ? o.default_value : "", o.doc ? o.doc : ""});
  }
  return true;
}

// ABI 1.1: a tracker's ticket syntax, checked before any parser sees it.
bool read_ticket_syntax(const dt_plugin_descriptor& d, PluginInfo& info) {
  if (!d.tickets) return true;
  if (info.kind != "tracker") return refuse(info, "malformed descriptor: only a tracker declares tickets");
  std::string why;
  info.tickets_json = checked_ticket_syntax(d.tickets, &why);
  if (info.tickets_json.empty()) return refuse(info, "malformed descriptor: tickets " + why);
  return true;
}

// Validates a descriptor copied into `d` (zero-filled past struct_size).
bool read_descriptor(const dt_plugin_descriptor& d, PluginInfo& info) {
  info.abi_major = static_cast<int>(d.abi_major);
  info.abi_minor = static_cast<int>(d.abi_minor);
  std::string host_abi = std::to_string(DEVTRACK_ABI_MAJOR) + "." + std::to_string(DEVTRACK_ABI_MINOR);
  if (d.abi_major != DEVTRACK_ABI_MAJOR)
    return refuse(info, "built for plugin ABI " + info.abi() + ", this devtrack speaks " + host_abi +
                            " (major version differs): rebuild it against this SDK");
  // While 0.x the minor must match exactly; from 1.0 an older minor is fine.
  bool minor_ok = DEVTRACK_ABI_MAJOR == 0 ? d.abi_minor == DEVTRACK_ABI_MINOR : d.abi_minor <= DEVTRACK_ABI_MINOR;
  if (!minor_ok)
    return refuse(info, "built for plugin ABI " + info.abi() + ", this devtrack speaks " + host_abi +
                            (d.abi_minor > DEVTRACK_ABI_MINOR ? " (newer minor): upgrade devtrack"
                                                              : " (0.x minors must match): rebuild it"));
  if (!valid_id(d.id))
    return refuse(info, std::string("malformed descriptor: id '") + (d.id ? d.id : "(null)") +
                            "' is not [a-z0-9][a-z0-9_-]* (at most 64 characters)");
  info.id = d.id;
  if (!d.name || !*d.name) return refuse(info, "malformed descriptor: no name");
  if (!d.version || !*d.version) return refuse(info, "malformed descriptor: no version");
  const char* kind = kind_name(d.kind);
  if (!kind) return refuse(info, "unknown plugin kind " + std::to_string(d.kind));
  const char* runs_in = runs_in_name(d.runs_in);
  if (!runs_in) return refuse(info, "malformed descriptor: unknown runs_in " + std::to_string(d.runs_in));
  if (!d.create || !d.destroy || !d.get_interface)
    return refuse(info, "malformed descriptor: create, destroy and get_interface are required");
  info.name = d.name;
  info.version = d.version;
  info.kind = kind;
  info.runs_in = runs_in;
  info.description = d.description ? d.description : "";
  return read_options(d.options, info) && read_ticket_syntax(d, info);
}

}  // namespace

const char* kind_name(dt_kind kind) {
  switch (kind) {
    case DT_KIND_TRIGGER: return "trigger";
    case DT_KIND_SURFACE: return "surface";
    case DT_KIND_PARSER: return "parser";
    case DT_KIND_TRACKER: return "tracker";
    case DT_KIND_SINK: return "sink";
    case DT_KIND_SYNC: return "sync";
    default: return nullptr;
  }
}

const char* runs_in_name(dt_runs_in runs_in) {
  switch (runs_in) {
    case DT_RUNS_IN_DAEMON: return "daemon";
    case DT_RUNS_IN_WORKER: return "worker";
    case DT_RUNS_IN_CLIENT: return "client";
    default: return nullptr;
  }
}

const char* option_type_name(dt_option_type type) {
  switch (type) {
    case DT_OPT_STRING: return "string";
    case DT_OPT_INT: return "int";
    case DT_OPT_BOOL: return "bool";
    case DT_OPT_DURATION: return "duration";
    case DT_OPT_LIST: return "list";
    case DT_OPT_SECRET: return "secret";
    case DT_OPT_URL: return "url";
    case DT_OPT_MAP: return "map";
    default: return nullptr;
  }
}

const char* interface_id_for_kind(const std::string& kind) {
  if (kind == "trigger") return DEVTRACK_TRIGGER_V1;
  if (kind == "surface") return DEVTRACK_SURFACE_V1;
  if (kind == "parser") return DEVTRACK_PARSER_V1;
  if (kind == "tracker") return DEVTRACK_TRACKER_V1;
  if (kind == "sink") return DEVTRACK_SINK_V1;
  if (kind == "sync") return DEVTRACK_SYNC_V1;
  return nullptr;
}

std::string check_shared_library(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open the file: " + std::string(std::strerror(errno));
  Elf64_Ehdr header{};
  in.read(reinterpret_cast<char*>(&header), sizeof header);
  if (in.gcount() < static_cast<std::streamsize>(EI_NIDENT) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return "not a shared library (no ELF header)";
  if (in.gcount() < static_cast<std::streamsize>(sizeof header)) return "not a shared library (truncated ELF header)";
  // e_type sits at the same offset in 32- and 64-bit headers.
  if (header.e_type != ET_DYN) return "not a shared library (ELF file of another type)";
  return "";
}

const dt_plugin_descriptor* load_plugin(PluginInfo& info) {
  std::string bad = check_shared_library(info.path);
  if (!bad.empty()) {
    refuse(info, bad);
    return nullptr;
  }
  require_library_loading("the plugin " + info.path);
  boost::dll::shared_library lib;
  std::error_code ec;
  lib.load(info.path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // Boost.DLL reports every dlopen failure as "Bad file descriptor"; the
    // real reason (missing symbol, wrong architecture...) is in dlerror().
    const char* why = dlerror();
    refuse(info, std::string("cannot load: ") + (why ? why : ec.message()));
    return nullptr;
  }
  if (!lib.has(DEVTRACK_ENTRY_SYMBOL)) {
    {
      std::lock_guard lock(keep_loaded_mu);
      keep_loaded().push_back(std::move(lib));
    }
    refuse(info, "no " DEVTRACK_ENTRY_SYMBOL " symbol: not a DevTrack plugin");
    return nullptr;
  }
  auto entry = lib.get<const dt_plugin_descriptor*()>(DEVTRACK_ENTRY_SYMBOL);
  {
    std::lock_guard lock(keep_loaded_mu);
    keep_loaded().push_back(std::move(lib));
  }
  const dt_plugin_descriptor* raw = entry();
  if (!raw) {
    refuse(info, DEVTRACK_ENTRY_SYMBOL "() returned no descriptor");
    return nullptr;
  }
  // Read the three leading fields, valid in every ABI version, before
  // trusting anything else.
  if (raw->struct_size < kMinDescriptorSize && raw->abi_major == DEVTRACK_ABI_MAJOR) {
    refuse(info, "malformed descriptor: struct_size " + std::to_string(raw->struct_size) + " is smaller than " +
                     std::to_string(kMinDescriptorSize));
    return nullptr;
  }
  dt_plugin_descriptor copy;
  std::memset(&copy, 0, sizeof copy);
  std::memcpy(&copy, raw, std::min<size_t>(raw->struct_size, sizeof copy));
  if (!read_descriptor(copy, info)) return nullptr;
  // The host calls through this zero-filled copy, so fields an older plugin
  // does not have read as NULL. It lives as long as the library: forever.
  return new dt_plugin_descriptor(copy);
}

}  // namespace devtrack
