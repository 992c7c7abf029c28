// libdevtrack-tz.so: date-tz behind the C calls of util/tz_module.h. Nothing
// may escape as an exception: the caller may carry another libstdc++.
#include "util/tz_module.h"

#include <date/tz.h>

#include <cstring>
#include <exception>

namespace {

void copy_out(const std::string& text, char* out, size_t size) {
  if (!out || size == 0) return;
  size_t n = std::min(text.size(), size - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

const void* locate(const char* name, char* error, size_t error_size) {
  try {
    if (!name || !*name) return date::current_zone();
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    copy_out(e.what(), error, error_size);
  } catch (...) {
    copy_out("unknown error", error, error_size);
  }
  return nullptr;
}

const char* name(const void* zone) { return static_cast<const date::time_zone*>(zone)->name().c_str(); }

int64_t offset_at(const void* zone, int64_t utc_s, char* abbrev, size_t abbrev_size) {
  try {
    auto info = static_cast<const date::time_zone*>(zone)->get_info(date::sys_seconds{std::chrono::seconds(utc_s)});
    copy_out(info.abbrev, abbrev, abbrev_size);
    return info.offset.count();
  } catch (...) {
    copy_out("UTC", abbrev, abbrev_size);
    return 0;
  }
}

int64_t to_utc(const void* zone, int64_t local_s, int latest) {
  try {
    auto local = date::local_seconds{std::chrono::seconds(local_s)};
    auto how = latest ? date::choose::latest : date::choose::earliest;
    return static_cast<const date::time_zone*>(zone)->to_sys(local, how).time_since_epoch().count();
  } catch (...) {
    return local_s;
  }
}

const devtrack_tz_api kApi = {DEVTRACK_TZ_MODULE_VERSION, locate, name, offset_at, to_utc};

}  // namespace

extern "C" __attribute__((visibility("default"))) const devtrack_tz_api* devtrack_tz_module(void) { return &kApi; }
