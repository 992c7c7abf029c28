#include "util/time_zone.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "util/error.h"
#include "util/library_loading.h"
#include "util/paths.h"
#include "util/tz_module.h"

namespace devtrack {

namespace {

std::string module_path() { return paths::install_prefix() + "/" DEVTRACK_TZ_MODULE_REL; }

// Loaded once per process and never unloaded (zones point into it).
const devtrack_tz_api& module() {
  static const devtrack_tz_api* api = [] {
    std::string path = module_path();
    require_library_loading("the time zone module " + path);
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      throw Error("cannot load the time zone module: " + std::string(why ? why : path));
    }
    auto entry = reinterpret_cast<const devtrack_tz_api* (*)()>(dlsym(lib, "devtrack_tz_module"));
    const devtrack_tz_api* a = entry ? entry() : nullptr;
    if (!a || a->version != DEVTRACK_TZ_MODULE_VERSION)
      throw Error("the time zone module " + path + " is not the one this devtrack was built with; reinstall devtrack");
    return a;
  }();
  return *api;
}

}  // namespace

const TimeZone& TimeZone::locate(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<TimeZone>> zones;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = zones.find(name);
  if (it != zones.end()) return *it->second;
  const devtrack_tz_api& api = module();
  char error[256] = "";
  const void* handle = api.locate(name.c_str(), error, sizeof error);
  if (!handle)
    throw Error(name.empty() ? "cannot tell the system's time zone: " + std::string(error)
                             : "'" + name + "' is not a known IANA time zone (like Europe/Berlin)");
  auto zone = std::make_unique<TimeZone>(handle, api.name(handle));
  return *zones.emplace(name, std::move(zone)).first->second;
}

bool TimeZone::exists(const std::string& name) {
  // Area/Location names: no "..", no leading "/", only tzdata's characters.
  if (name.empty() || name.size() > 128 || name[0] == '/' || name.find("..") != std::string::npos) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+') return false;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string(magic, 4) == "TZif";
}

std::chrono::seconds TimeZone::offset_at(date::sys_seconds utc, std::string* abbrev) const {
  char text[32] = "";
  int64_t offset = module().offset_at(handle_, utc.time_since_epoch().count(), text, sizeof text);
  if (abbrev) *abbrev = text;
  return std::chrono::seconds(offset);
}

date::local_time<TimeZone::Millis> TimeZone::to_local(date::sys_time<Millis> utc) const {
  auto offset = offset_at(date::floor<std::chrono::seconds>(utc));
  return date::local_time<Millis>{utc.time_since_epoch() + offset};
}

date::sys_time<TimeZone::Millis> TimeZone::to_sys(date::local_time<Millis> local, Choose choose) const {
  auto whole = date::floor<std::chrono::seconds>(local);
  int64_t utc = module().to_utc(handle_, whole.time_since_epoch().count(), choose == Choose::latest);
  return date::sys_time<Millis>{std::chrono::seconds(utc) + (local - whole)};
}

std::string TimeZone::offset_text(date::sys_seconds utc, bool colon) const {
  int64_t s = offset_at(utc).count();
  char sign = s < 0 ? '-' : '+';
  if (s < 0) s = -s;
  char text[16];
  std::snprintf(text, sizeof text, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, static_cast<int>(s / 3600),
                static_cast<int>(s / 60 % 60));
  return text;
}

}  // namespace devtrack
