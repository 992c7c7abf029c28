// Shared by the fuzz targets: a check that aborts (a failed property is a
// crash to libFuzzer and a failed replay in ctest), splitting an input into
// fields, and a minimal dt_host for driving a plugin through its C ABI the
// way the host does.
#pragma once

#include <devtrack/plugin.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz check failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// A property of the code under test; `detail` says what broke it.
#define FUZZ_CHECK(cond, detail) \
  do {                           \
    if (!(cond)) ::fuzz::fail(#cond, (detail)); \
  } while (0)

inline std::string_view bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input cut at `sep` into at most `max` fields (the last keeps the rest).
inline std::vector<std::string> split(std::string_view in, char sep, size_t max) {
  std::vector<std::string> out;
  while (out.size() + 1 < max) {
    size_t at = in.find(sep);
    if (at == std::string_view::npos) break;
    out.emplace_back(in.substr(0, at));
    in.remove_prefix(at + 1);
  }
  out.emplace_back(in);
  return out;
}

// A dt_out that collects into a string.
struct StringOut {
  std::string text;
  dt_out out{this, [](const dt_out* o, const char* d, size_t n) {
               static_cast<StringOut*>(o->ctx)->text.append(d, n);
               return true;
             }};
};

// The host services a parser or tracker uses: logging (dropped), secrets
// (every reference resolves to "secret"), a fixed clock, and HTTP answered
// by `http` (nullptr: none, as outside the worker). No bus, timers or files.
struct Host {
  using Http = std::function<dt_status(const std::string& request, std::string& response)>;
  Http http;
  dt_host raw{};

  explicit Host(const char* plugin_id, Http handler = nullptr) : http(std::move(handler)) {
    raw.struct_size = sizeof raw;
    raw.abi_major = DEVTRACK_ABI_MAJOR;
    raw.abi_minor = DEVTRACK_ABI_MINOR;
    raw.host_data = this;
    raw.plugin_id = plugin_id;
    raw.runs_in = "worker";
    raw.log = [](const dt_host*, dt_log_level, const char*) {};
    raw.publish = [](const dt_host*, const char*, const char*) { return DT_OK; };
    raw.kv_get = [](const dt_host*, const char*, const dt_out*) { return DT_NOT_FOUND; };
    raw.kv_set = [](const dt_host*, const char*, const char*) { return DT_OK; };
    raw.secret = [](const dt_host*, const char*, const dt_out* value) {
      value->write(value, "secret", 6);
      return DT_OK;
    };
    raw.now_ms = [](const dt_host*) { return int64_t{1780000000000}; };
    if (http)
      raw.http = [](const dt_host* h, const char* request, const dt_out* response) {
        std::string reply;
        dt_status s = static_cast<Host*>(h->host_data)->http(request, reply);
        response->write(response, reply.data(), reply.size());
        return s;
      };
  }
};

// One plugin instance from a descriptor (an entry compiled in), destroyed
// with this object, as the host does with a loaded .so.
class Instance {
 public:
  Instance(const dt_plugin_descriptor* d, const dt_host* host, const char* config_json) : d_(d) {
    StringOut error;
    self_ = d->create(host, config_json, &error.out);
    if (!self_) fail("create() refused the fuzz config", error.text);
  }
  ~Instance() { d_->destroy(self_); }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  template <class Table>
  const Table* table(const char* interface_id) const {
    auto t = static_cast<const Table*>(d_->get_interface(self_, interface_id));
    if (!t) fail("the plugin lacks its interface", interface_id);
    return t;
  }
  void* self() const { return self_; }

 private:
  const dt_plugin_descriptor* d_;
  void* self_;
};

}  // namespace fuzz
