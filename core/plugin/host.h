// The plugin host: creates plugin instances in this process, hands each a
// dt_host of services (log, bus, key/value store, secrets, clock, timers,
// and where the process has them HTTP, SMTP or fetch),
// and tears them down in the safe order: subscriptions and timers first,
// then destroy(). Libraries stay loaded for the life of the process.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <devtrack/plugin.h>

#include "config/plugin_info.h"

namespace devtrack {

class Bus;
class EventLoop;
class Fetcher;
class Store;

class PluginHost {
 public:
  // `process` is "daemon" | "worker" | "client" (given to plugins as
  // dt_host.runs_in). `store` may be null (then kv_* return DT_UNSUPPORTED).
  PluginHost(EventLoop& loop, Bus& bus, Store* store, std::string process);
  ~PluginHost();  // stops every plugin
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Host services only some processes offer (the worker's HTTP, SMTP):
  // set before start(); nullptr where absent.
  using HttpFn = dt_status (*)(const dt_host*, const char*, const dt_out*);
  void set_http(HttpFn fn) { http_ = fn; }
  void set_smtp(HttpFn fn) { smtp_ = fn; }
  // The daemon's dt_host.fetch (requests the worker runs); nullptr = none.
  void set_fetcher(Fetcher* fetcher) { fetcher_ = fetcher; }

  // [loop thread] Loads the library and creates an instance with the given
  // options. On refusal (bad library, descriptor, create failing or
  // throwing) logs one line naming the file and the reason, fills `error`,
  // and returns false; the host keeps running.
  bool start(const PluginInfo& info, const std::string& options_json, std::string* error);

  // [loop thread] Removes the plugin's subscriptions and timers, then
  // destroys the instance. No-op for an unknown id.
  void stop(const std::string& id);
  void stop_all();

  // [loop thread] The instance's interface struct (e.g. DEVTRACK_TRACKER_V1)
  // and its instance pointer, or {nullptr, nullptr}.
  struct Interface {
    const void* table = nullptr;
    void* self = nullptr;
  };
  Interface interface(const std::string& id, const char* interface_id) const;
  // [loop thread] The instance pointer of a running plugin, or nullptr.
  void* instance(const std::string& id) const;

  std::vector<std::string> running() const;

  struct Instance;  // public for the C callbacks in host.cc

 private:
  friend struct HostServices;
  void stop_instance(Instance& inst);

  EventLoop& loop_;
  Bus& bus_;
  Store* store_;
  std::string process_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  HttpFn http_ = nullptr;
  HttpFn smtp_ = nullptr;
  Fetcher* fetcher_ = nullptr;
};

}  // namespace devtrack
