// DevTrack plugin SDK — header-only C++ layer over plugin.h.
//
// SPDX-License-Identifier: MIT
//
// Write a plugin as one small class and expose it with DEVTRACK_PLUGIN(...):
//
//   class Hello : public devtrack::sdk::Tracker {
//    public:
//     Hello(const dt_host* host, std::string_view config_json) : Tracker(host) {}
//     std::string resolve(std::string_view request) override { ... }
//     std::string post(std::string_view update) override { ... }
//     std::string find(std::string_view update) override { throw NotFound(); }
//     std::string list_assigned(std::string_view) override { return R"({"tickets":[]})"; }
//   };
//   DEVTRACK_PLUGIN(Hello, "hello", "Hello", "0.1.0", DT_RUNS_IN_WORKER,
//                   "An example tracker.", nullptr)
//
// A tracker says what its tickets look like (ABI 1.1) with a static member
// the descriptor picks up, in the template language of devtrack/tickets.hpp:
//
//     static constexpr const char* ticket_syntax =
//         R"({"show": "HELLO-{number}", "text": ["HELLO-{number}"]})";
//
// Everything here compiles into the plugin, so nothing C++ crosses the ABI.
// Every exception thrown by a plugin method is caught at the boundary and
// turned into a status code plus a message: throw devtrack::sdk::Error(DT_RETRY,
// "...") to choose the status; any other std::exception becomes DT_PERMANENT.
#ifndef DEVTRACK_SDK_HPP
#define DEVTRACK_SDK_HPP

#include <devtrack/plugin.h>
#include <devtrack/text.hpp>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devtrack::sdk {

// A failure with a status code for the host (DT_RETRY, DT_AUTH, ...) and,
// for an HTTP error reply, the HTTP status (0 otherwise).
class Error : public std::runtime_error {
 public:
  Error(dt_status status, const std::string& message, int retry_after_s = -1, int http_status = 0)
      : std::runtime_error(message), status_(status), retry_after_s_(retry_after_s), http_status_(http_status) {}
  dt_status status() const { return status_; }
  int retry_after_s() const { return retry_after_s_; }
  int http_status() const { return http_status_; }

 private:
  dt_status status_;
  int retry_after_s_;
  int http_status_;
};

// [any-thread] Percent-encodes everything but RFC 3986's unreserved
// characters: for path segments and query values.
inline std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved) out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

// [any-thread] The one policy for an HTTP error reply, which every bundled
// tracker follows: 429 and 5xx are retried (not before retry_after_s when
// the server said), 401 and 403 mean the credentials were refused (the
// host blocks that tracker's updates), any other status is permanent.
[[noreturn]] inline void throw_for_http_status(int status, const std::string& message, int retry_after_s = -1) {
  if (status == 429 || status >= 500) throw Error(DT_RETRY, message, retry_after_s, status);
  if (status == 401 || status == 403) throw Error(DT_AUTH, message, -1, status);
  throw Error(DT_PERMANENT, message, -1, status);
}

// Thrown by find() / resolve() when there is nothing: becomes DT_NOT_FOUND.
class NotFound : public Error {
 public:
  NotFound() : Error(DT_NOT_FOUND, "not found") {}
};

// Escapes a string for inclusion in JSON text (with the quotes).
inline std::string json_quote(std::string_view s) {
  std::string r;
  r.reserve(s.size() + 2);
  r += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': r += "\\\""; break;
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char hex[] = "0123456789abcdef";
          r += "\\u00";
          r += hex[c >> 4];
          r += hex[c & 15];
        } else {
          r += static_cast<char>(c);
        }
    }
  }
  r += '"';
  return r;
}

// Appends text to a host-owned writer. Returns false if the host refused it.
inline bool write_out(const dt_out* out, std::string_view text) {
  if (!out || !out->write) return false;
  return out->write(out, text.data(), text.size());
}

inline std::string error_json(std::string_view message, int retry_after_s = -1) {
  std::string r = "{\"message\":" + json_quote(message);
  if (retry_after_s >= 0) r += ",\"retry_after_s\":" + std::to_string(retry_after_s);
  return r + "}";
}

// Runs `body` (returning the JSON result) and maps exceptions to statuses.
template <class F>
dt_status guarded(const dt_out* out, F&& body) noexcept {
  try {
    std::string result = body();
    write_out(out, result);
    return DT_OK;
  } catch (const Error& e) {
    if (e.status() != DT_NOT_FOUND) write_out(out, error_json(e.what(), e.retry_after_s()));
    return e.status();
  } catch (const std::exception& e) {
    write_out(out, error_json(std::string("plugin error: ") + e.what()));
    return DT_PERMANENT;
  } catch (...) {
    write_out(out, error_json("plugin error: unknown exception"));
    return DT_PERMANENT;
  }
}

// The host's services, as C++. Thread rules are those of dt_host in plugin.h.
class Host {
 public:
  explicit Host(const dt_host* host) : host_(host) {}
  const dt_host* raw() const { return host_; }
  std::string_view plugin_id() const { return host_->plugin_id; }

  // [any-thread]
  void log(dt_log_level level, const std::string& message) const {
    host_->log(host_, level, message.c_str());
  }
  void info(const std::string& m) const { log(DT_LOG_INFO, m); }
  void warn(const std::string& m) const { log(DT_LOG_WARN, m); }
  void error(const std::string& m) const { log(DT_LOG_ERROR, m); }

  // [any-thread] Returns false if the host refused the event.
  bool publish(const std::string& topic, const std::string& payload_json) const {
    return host_->publish(host_, topic.c_str(), payload_json.c_str()) == DT_OK;
  }

  // [bus, create] The callback lives as long as this Host object or until
  // unsubscribe(); the host drops subscriptions before destroy().
  using EventHandler = std::function<void(std::string_view topic, std::string_view payload)>;
  uint64_t subscribe(const std::string& pattern, EventHandler handler) {
    handlers_.push_back(std::make_unique<EventHandler>(std::move(handler)));
    return host_->subscribe(host_, pattern.c_str(), &Host::on_event, handlers_.back().get());
  }
  void unsubscribe(uint64_t id) { host_->unsubscribe(host_, id); }

  // [any-thread]
  std::optional<std::string> kv_get(const std::string& key) const {
    std::string value;
    dt_out out = string_out(&value);
    if (host_->kv_get(host_, key.c_str(), &out) != DT_OK) return std::nullopt;
    return value;
  }
  bool kv_set(const std::string& key, const std::string& value) const {
    return host_->kv_set(host_, key.c_str(), value.c_str()) == DT_OK;
  }
  bool kv_erase(const std::string& key) const {
    return host_->kv_set(host_, key.c_str(), nullptr) == DT_OK;
  }

  // [any-thread, blocking] Throws Error for an unresolvable reference.
  std::string secret(const std::string& reference) const {
    std::string value;
    dt_out out = string_out(&value);
    dt_status s = host_->secret(host_, reference.c_str(), &out);
    if (s != DT_OK) throw Error(s == DT_NOT_FOUND ? DT_AUTH : s, "secret " + reference + " not available");
    return value;
  }

  // [any-thread] The value of the first reference that resolves, skipping
  // empty ones ("" if none does): a configured reference, then the
  // environment variables a tool conventionally reads.
  std::string first_secret(std::initializer_list<std::string> references) const {
    for (const auto& reference : references) {
      if (reference.empty()) continue;
      std::string value;
      dt_out out = string_out(&value);
      if (host_->secret(host_, reference.c_str(), &out) == DT_OK) return value;
    }
    return "";
  }

  // [any-thread, blocking] HTTP through the host (worker only). Returns the
  // response JSON; throws Error(DT_RETRY / DT_UNSUPPORTED) on transport errors.
  std::string http(const std::string& request_json) const {
    if (!host_->http) throw Error(DT_UNSUPPORTED, "HTTP is not available in this process");
    std::string response;
    dt_out out = string_out(&response);
    dt_status s = host_->http(host_, request_json.c_str(), &out);
    if (s != DT_OK) throw Error(s, response.empty() ? "HTTP request failed" : response);
    return response;
  }

  // [any-thread, blocking] Sends one e-mail through the host (worker only);
  // throws Error with the server's answer on failure.
  void smtp(const std::string& request_json) const {
    if (!host_->smtp) throw Error(DT_UNSUPPORTED, "SMTP is not available in this process");
    std::string error;
    dt_out out = string_out(&error);
    dt_status s = host_->smtp(host_, request_json.c_str(), &out);
    if (s != DT_OK) throw Error(s, error.empty() ? "SMTP failed" : error);
  }

  // [any-thread]
  int64_t now_ms() const { return host_->now_ms(host_); }

  // [bus, create] An HTTP request the worker runs for a daemon plugin
  // (dt_host.fetch, ABI 1.1): `done` runs later on the bus thread with the
  // status and the response (http()'s JSON on DT_OK, one line otherwise).
  // Returns 0, and never calls `done`, if this process offers no fetch or
  // the request has no "url". Pending fetches end with this Host.
  using FetchHandler = std::function<void(dt_status status, std::string_view response)>;
  bool can_fetch() const { return DT_HOST_HAS(host_, fetch_cancel); }
  uint64_t fetch(const std::string& request_json, FetchHandler done) {
    if (!can_fetch()) return 0;
    auto call = std::make_unique<FetchCall>(FetchCall{this, std::move(done)});
    uint64_t id = host_->fetch(host_, request_json.c_str(), &Host::on_fetched, call.get());
    if (id) fetches_[id] = std::move(call);
    return id;
  }
  void fetch_cancel(uint64_t id) {
    if (fetches_.erase(id) && can_fetch()) host_->fetch_cancel(host_, id);
  }

  ~Host() {
    for (const auto& [id, call] : fetches_)
      if (can_fetch()) host_->fetch_cancel(host_, id);
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

 private:
  struct FetchCall {
    Host* self;
    FetchHandler done;
  };
  static void on_fetched(void* user, uint64_t id, dt_status status, const char* response) {
    Host* self = static_cast<FetchCall*>(user)->self;
    auto it = self->fetches_.find(id);
    if (it == self->fetches_.end()) return;
    std::unique_ptr<FetchCall> call = std::move(it->second);
    self->fetches_.erase(it);
    try {
      call->done(status, response ? response : "");
    } catch (...) {
      // As for events: exceptions never cross into the host.
    }
  }

  static void on_event(void* user, const char* topic, const char* payload) {
    try {
      (*static_cast<EventHandler*>(user))(topic, payload);
    } catch (...) {
      // Exceptions never cross into the host; the host logs nothing here
      // because it cannot know what failed: handlers should catch their own.
    }
  }
  static dt_out string_out(std::string* target) {
    return dt_out{target, [](const dt_out* o, const char* d, size_t n) {
                    static_cast<std::string*>(o->ctx)->append(d, n);
                    return true;
                  }};
  }

  const dt_host* host_;
  std::vector<std::unique_ptr<EventHandler>> handlers_;
  std::map<uint64_t, std::unique_ptr<FetchCall>> fetches_;
};

// Base of every plugin class: holds the host services.
class Plugin {
 public:
  explicit Plugin(const dt_host* host) : host_(host) {}
  virtual ~Plugin() = default;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  Host& host() { return host_; }

  // Returns the interface table for `id`, or nullptr. Kind bases override
  // and fall back to this for the interfaces every kind may have.
  virtual const void* interface(const char* id) {
    static const dt_doctor_v1 doctor = {
        [](void* s, const dt_out* out) { return guarded(out, [&] { return static_cast<Plugin*>(s)->doctor(); }); },
    };
    return std::strcmp(id, DEVTRACK_DOCTOR_V1) == 0 ? &doctor : nullptr;
  }

  // Checks for `devtrack doctor`: {"checks": [{"name", "ok", "detail", "fix"}]}.
  virtual std::string doctor() { return "{\"checks\":[]}"; }

 private:
  Host host_;
};

template <class Self>
Self* self_of(void* p) {
  return static_cast<Self*>(static_cast<Plugin*>(p));
}

class Tracker : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_TRACKER;
  using Plugin::Plugin;
  // Each method gets the request JSON and returns the result JSON (see
  // plugin.h, dt_tracker_v1). Throw Error / NotFound for other outcomes;
  // an HTTP 404 or 410 thrown by throw_for_http_status() from resolve()
  // reaches the host as NotFound (the ticket does not exist).
  virtual std::string resolve(std::string_view request) = 0;
  virtual std::string post(std::string_view update) = 0;
  virtual std::string find(std::string_view update) = 0;
  virtual std::string list_assigned(std::string_view request) = 0;
  virtual std::string amend(std::string_view) { throw Error(DT_UNSUPPORTED, "amend is not supported"); }
  virtual std::string transition(std::string_view) {
    throw Error(DT_UNSUPPORTED, "transition is not supported");
  }

  const void* interface(const char* id) override {
    static const dt_tracker_v1 table = {
        [](void* s, const char* in, const dt_out* out) {
          // A ticket the server answers 404 for does not exist: DT_NOT_FOUND,
          // so that the host stops proposing it (docs/parsing.md, "Learning").
          return guarded(out, [&] {
            try {
              return self_of<Tracker>(s)->resolve(in);
            } catch (const Error& e) {
              if (e.http_status() == 404 || e.http_status() == 410) throw NotFound();
              throw;
            }
          });
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Tracker>(s)->post(in); });
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Tracker>(s)->find(in); });
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Tracker>(s)->amend(in); });
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Tracker>(s)->transition(in); });
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Tracker>(s)->list_assigned(in); });
        },
    };
    return std::strcmp(id, DEVTRACK_TRACKER_V1) == 0 ? &table : Plugin::interface(id);
  }
};

class Trigger : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_TRIGGER;
  using Plugin::Plugin;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual std::string control(std::string_view) { throw Error(DT_UNSUPPORTED, "unknown command"); }

  const void* interface(const char* id) override {
    static const dt_trigger_v1 table = {
        [](void* s, const dt_out* err) {
          return guarded(err, [&] {
            self_of<Trigger>(s)->start();
            return std::string();
          });
        },
        [](void* s) {
          try {
            self_of<Trigger>(s)->stop();
          } catch (...) {
          }
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Trigger>(s)->control(in); });
        },
    };
    return std::strcmp(id, DEVTRACK_TRIGGER_V1) == 0 ? &table : Plugin::interface(id);
  }
};

class Surface : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_SURFACE;
  using Plugin::Plugin;
  virtual bool available() = 0;
  // Returns the answer JSON, or throws Error(DT_PENDING, "") when the answer
  // will arrive on the bus.
  virtual std::string show(std::string_view prompt) = 0;
  virtual void withdraw(std::string_view) {}

  const void* interface(const char* id) override {
    static const dt_surface_v1 table = {
        [](void* s) {
          try {
            return self_of<Surface>(s)->available();
          } catch (...) {
            return false;
          }
        },
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Surface>(s)->show(in); });
        },
        [](void* s, const char* prompt_id) {
          try {
            self_of<Surface>(s)->withdraw(prompt_id);
          } catch (...) {
          }
        },
    };
    return std::strcmp(id, DEVTRACK_SURFACE_V1) == 0 ? &table : Plugin::interface(id);
  }
};

class Parser : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_PARSER;
  using Plugin::Plugin;
  virtual std::string parse(std::string_view text, std::string_view context) = 0;

  const void* interface(const char* id) override {
    static const dt_parser_v1 table = {
        [](void* s, const char* text, const char* ctx, const dt_out* out) {
          return guarded(out, [&] { return self_of<Parser>(s)->parse(text, ctx ? ctx : "{}"); });
        },
    };
    return std::strcmp(id, DEVTRACK_PARSER_V1) == 0 ? &table : Plugin::interface(id);
  }
};

class Sink : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_SINK;
  using Plugin::Plugin;
  virtual std::string deliver(std::string_view summary) = 0;

  const void* interface(const char* id) override {
    static const dt_sink_v1 table = {
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Sink>(s)->deliver(in); });
        },
    };
    return std::strcmp(id, DEVTRACK_SINK_V1) == 0 ? &table : Plugin::interface(id);
  }
};

class Sync : public Plugin {
 public:
  static constexpr dt_kind kind = DT_KIND_SYNC;
  using Plugin::Plugin;
  // dt_sync_v1.exchange: request JSON in, {"head", "pushed", "incoming"} out.
  virtual std::string exchange(std::string_view request) = 0;

  const void* interface(const char* id) override {
    static const dt_sync_v1 table = {
        [](void* s, const char* in, const dt_out* out) {
          return guarded(out, [&] { return self_of<Sync>(s)->exchange(in); });
        },
    };
    return std::strcmp(id, DEVTRACK_SYNC_V1) == 0 ? &table : Plugin::interface(id);
  }
};

// T::ticket_syntax when the class declares one (a tracker's ticket syntax,
// dt_plugin_descriptor.tickets), else NULL.
template <class T, class = void>
struct TicketSyntaxOf {
  static constexpr const char* value = nullptr;
};
template <class T>
struct TicketSyntaxOf<T, std::void_t<decltype(T::ticket_syntax)>> {
  static constexpr const char* value = T::ticket_syntax;
};

// The C entry points for a plugin class T (constructible from
// (const dt_host*, std::string_view config_json)).
template <class T>
struct Glue {
  static void* create(const dt_host* host, const char* config_json, const dt_out* error) {
    try {
      Plugin* p = new T(host, config_json ? config_json : "{}");
      return p;
    } catch (const std::exception& e) {
      write_out(error, e.what());
    } catch (...) {
      write_out(error, "unknown exception in the plugin's constructor");
    }
    return nullptr;
  }
  static void destroy(void* self) {
    try {
      delete static_cast<Plugin*>(self);
    } catch (...) {
    }
  }
  static const void* get_interface(void* self, const char* id) {
    try {
      return self && id ? static_cast<Plugin*>(self)->interface(id) : nullptr;
    } catch (...) {
      return nullptr;
    }
  }
  static dt_plugin_descriptor describe(const char* id, const char* name, const char* version,
                                       dt_runs_in runs_in, const char* description,
                                       const dt_option* options) {
    dt_plugin_descriptor d;
    std::memset(&d, 0, sizeof d);
    d.abi_major = DEVTRACK_ABI_MAJOR;
    d.abi_minor = DEVTRACK_ABI_MINOR;
    d.struct_size = sizeof d;
    d.id = id;
    d.name = name;
    d.version = version;
    d.kind = T::kind;
    d.runs_in = runs_in;
    d.description = description;
    d.options = options;
    d.create = &Glue::create;
    d.destroy = &Glue::destroy;
    d.get_interface = &Glue::get_interface;
    d.tickets = TicketSyntaxOf<T>::value;
    return d;
  }
};

}  // namespace devtrack::sdk

// Exports the plugin class CLASS as the library's one entry symbol. OPTIONS
// is a static dt_option array ending with {nullptr}, or nullptr.
#define DEVTRACK_PLUGIN(CLASS, ID, NAME, VERSION, RUNS_IN, DESCRIPTION, OPTIONS)              \
  extern "C" DEVTRACK_EXPORT const dt_plugin_descriptor* devtrack_plugin_entry(void) {          \
    static const dt_plugin_descriptor descriptor =                                              \
        ::devtrack::sdk::Glue<CLASS>::describe(ID, NAME, VERSION, RUNS_IN, DESCRIPTION, OPTIONS); \
    return &descriptor;                                                                         \
  }

#endif  // DEVTRACK_SDK_HPP
