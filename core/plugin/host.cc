#include "plugin/host.h"

#include <devtrack/plugin.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"
#include "plugin/fetcher.h"
#include "plugin/loader.h"
#include "plugin/string_out.h"
#include "secret/secret.h"
#include "store/store.h"

namespace devtrack {

struct PluginHost::Instance {
  PluginHost* owner = nullptr;
  PluginInfo info;
  const dt_plugin_descriptor* descriptor = nullptr;
  void* self = nullptr;
  dt_host host{};
  std::set<uint64_t> timers;   // loop thread only
  std::set<uint64_t> fetches;  // loop thread only
};

namespace {

PluginHost::Instance& instance_of(const dt_host* h) { return *static_cast<PluginHost::Instance*>(h->host_data); }

bool append(const dt_out* out, const std::string& s) { return out && out->write && out->write(out, s.data(), s.size()); }

// Human text from a plugin's error output ({"message": ...} or plain text).
std::string error_message(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  return text.empty() ? "no reason given" : text;
}

}  // namespace

// The C side of dt_host: each function finds its Instance through host_data.
struct HostServices {
  static void log(const dt_host* h, dt_log_level level, const char* message) {
    if (!message) return;
    log::Level l = level <= DT_LOG_DEBUG ? log::kDebug
                   : level == DT_LOG_INFO ? log::kInfo
                   : level == DT_LOG_WARN ? log::kWarn
                                          : log::kError;
    log::write(l, h->plugin_id, message);
  }

  static dt_status publish(const dt_host* h, const char* topic, const char* payload) {
    if (!topic || !payload || !Bus::valid_topic(topic)) return DT_INVALID;
    if (!nlohmann::json::accept(payload)) {
      log::warn(h->plugin_id, "refused an event on {}: the payload is not valid JSON", topic);
      return DT_INVALID;
    }
    // Marked as the plugin's, so the host can tell a surface's answer from
    // its own announcement of it.
    instance_of(h).owner->bus_.publish(topic, payload, std::string("plugin:") + h->plugin_id);
    return DT_OK;
  }

  static uint64_t subscribe(const dt_host* h, const char* pattern, dt_event_fn fn, void* user) {
    if (!pattern || !fn) return 0;
    return instance_of(h).owner->bus_.subscribe(
        pattern, [fn, user](const Event& e) { fn(user, e.topic.c_str(), e.payload.c_str()); }, h->plugin_id);
  }

  static void unsubscribe(const dt_host* h, uint64_t id) { instance_of(h).owner->bus_.unsubscribe(id); }

  static dt_status kv_get(const dt_host* h, const char* key, const dt_out* value) {
    Store* store = instance_of(h).owner->store_;
    if (!store) return DT_UNSUPPORTED;
    if (!key) return DT_INVALID;
    try {
      std::lock_guard lock(store_mu());
      auto v = store->kv_get(h->plugin_id, key);
      if (!v) return DT_NOT_FOUND;
      return append(value, *v) ? DT_OK : DT_INVALID;
    } catch (const std::exception& e) {
      log::error(h->plugin_id, "key/value read failed: {}", e.what());
      return DT_RETRY;
    }
  }

  static dt_status kv_set(const dt_host* h, const char* key, const char* value) {
    Store* store = instance_of(h).owner->store_;
    if (!store) return DT_UNSUPPORTED;
    if (!key || std::strlen(key) > 1024 || (value && std::strlen(value) > (1u << 20))) return DT_INVALID;
    try {
      std::lock_guard lock(store_mu());
      if (value) store->kv_set(h->plugin_id, key, value);
      else store->kv_erase(h->plugin_id, key);
      return DT_OK;
    } catch (const std::exception& e) {
      log::error(h->plugin_id, "key/value write failed: {}", e.what());
      return DT_RETRY;
    }
  }

  static dt_status secret(const dt_host* h, const char* reference, const dt_out* value) {
    if (!reference) return DT_INVALID;
    std::string error;
    auto v = resolve_secret(reference, &error);
    if (!v) {
      log::debug(h->plugin_id, "secret {}: {}", redact_reference(reference), error);  // plugins may probe several
      return DT_NOT_FOUND;
    }
    return append(value, *v) ? DT_OK : DT_INVALID;
  }

  static int64_t now_ms(const dt_host* h) { return instance_of(h).owner->loop_.clock().now_ms(); }

  static uint64_t timer_start(const dt_host* h, int64_t due_ms, dt_timer_fn fn, void* user) {
    if (!fn) return 0;
    PluginHost::Instance& inst = instance_of(h);
    auto id = std::make_shared<uint64_t>(0);
    *id = inst.owner->loop_.call_at(from_ms(due_ms), [&inst, fn, user, id] {
      inst.timers.erase(*id);
      fn(user, *id);
    });
    inst.timers.insert(*id);
    return *id;
  }

  static void timer_cancel(const dt_host* h, uint64_t id) {
    PluginHost::Instance& inst = instance_of(h);
    if (inst.timers.erase(id)) inst.owner->loop_.cancel(id);
  }

  // A request the worker runs; its answer comes back on the loop. Checked
  // here so that a malformed one fails at the call, not later.
  static uint64_t fetch(const dt_host* h, const char* request, dt_fetch_fn fn, void* user) {
    PluginHost::Instance& inst = instance_of(h);
    if (!fn || !request || !inst.owner->fetcher_) return 0;
    auto req = nlohmann::json::parse(request, nullptr, false);
    if (!req.is_object() || !req.contains("url") || !req["url"].is_string()) {
      log::warn(h->plugin_id, "refused a fetch: the request is not a JSON object with a \"url\"");
      return 0;
    }
    auto id = std::make_shared<uint64_t>(0);
    *id = inst.owner->fetcher_->fetch(inst.info.id, request, [&inst, fn, user, id](dt_status s, const std::string& r) {
      inst.fetches.erase(*id);
      fn(user, *id, s, r.c_str());
    });
    inst.fetches.insert(*id);
    return *id;
  }

  static void fetch_cancel(const dt_host* h, uint64_t id) {
    PluginHost::Instance& inst = instance_of(h);
    if (inst.fetches.erase(id)) inst.owner->fetcher_->cancel(id);
  }

  static std::mutex& store_mu() {
    static std::mutex mu;
    return mu;
  }
};

PluginHost::PluginHost(EventLoop& loop, Bus& bus, Store* store, std::string process)
    : loop_(loop), bus_(bus), store_(store), process_(std::move(process)) {}

PluginHost::~PluginHost() { stop_all(); }

bool PluginHost::start(const PluginInfo& wanted, const std::string& options_json, std::string* error) {
  auto refuse = [&](const std::string& path, const std::string& why) {
    log::error("plugins", "refused plugin {}: {}", path, why);
    if (error) *error = why;
    return false;
  };
  if (instances_.count(wanted.id)) return refuse(wanted.path, "plugin '" + wanted.id + "' is already running");

  auto inst = std::make_unique<Instance>();
  inst->owner = this;
  inst->info.path = wanted.path;
  inst->descriptor = load_plugin(inst->info);
  if (!inst->descriptor) return refuse(wanted.path, inst->info.error);
  if (inst->info.id != wanted.id)
    return refuse(wanted.path, "its id changed from '" + wanted.id + "' to '" + inst->info.id + "' since the scan");

  dt_host& h = inst->host;
  h.struct_size = sizeof(dt_host);
  h.abi_major = DEVTRACK_ABI_MAJOR;
  h.abi_minor = DEVTRACK_ABI_MINOR;
  h.host_data = inst.get();
  h.plugin_id = inst->info.id.c_str();
  h.runs_in = process_.c_str();
  h.log = &HostServices::log;
  h.publish = &HostServices::publish;
  h.subscribe = &HostServices::subscribe;
  h.unsubscribe = &HostServices::unsubscribe;
  h.kv_get = &HostServices::kv_get;
  h.kv_set = &HostServices::kv_set;
  h.secret = &HostServices::secret;
  h.http = http_;  // the worker's (libcurl); nullptr elsewhere
  h.smtp = smtp_;
  h.now_ms = &HostServices::now_ms;
  h.timer_start = &HostServices::timer_start;
  h.timer_cancel = &HostServices::timer_cancel;
  h.watch = nullptr;  // provided by the daemon's file watcher
  h.unwatch = nullptr;
  h.fetch = fetcher_ ? &HostServices::fetch : nullptr;
  h.fetch_cancel = fetcher_ ? &HostServices::fetch_cancel : nullptr;

  StringOut err;
  try {
    inst->self = inst->descriptor->create(&inst->host, options_json.c_str(), &err.out);
  } catch (...) {
    // A C++ plugin that lets an exception escape create() breaks the ABI
    // contract; we still survive it when the runtimes match.
    inst->self = nullptr;
    if (err.text.empty()) err.text = "create() threw an exception";
  }
  if (!inst->self) {
    bus_.unsubscribe_owner(inst->info.id);
    for (auto id : inst->timers) loop_.cancel(id);
    for (auto id : inst->fetches) fetcher_->cancel(id);
    return refuse(wanted.path, "create failed: " + error_message(err.text));
  }
  if (!inst->descriptor->get_interface(inst->self, interface_id_for_kind(inst->info.kind))) {
    std::string kind = inst->info.kind;
    stop_instance(*inst);
    return refuse(wanted.path, "it has no " + std::string(interface_id_for_kind(kind)) + " interface");
  }
  log::info("plugins", "started {} {} ({})", inst->info.id, inst->info.version, inst->info.path);
  std::string id = inst->info.id;
  instances_[id] = std::move(inst);
  return true;
}

void PluginHost::stop_instance(Instance& inst) {
  bus_.unsubscribe_owner(inst.info.id);
  for (auto id : inst.timers) loop_.cancel(id);
  inst.timers.clear();
  for (auto id : inst.fetches) fetcher_->cancel(id);
  inst.fetches.clear();
  if (inst.self) inst.descriptor->destroy(inst.self);
  inst.self = nullptr;
}

void PluginHost::stop(const std::string& id_ref) {
  std::string id = id_ref;  // a copy: the caller may pass a reference into the map we erase from
  auto it = instances_.find(id);
  if (it == instances_.end()) return;
  stop_instance(*it->second);
  instances_.erase(it);
  log::info("plugins", "stopped {}", id);
}

void PluginHost::stop_all() {
  while (!instances_.empty()) {
    std::string id = instances_.begin()->first;
    stop(id);
  }
}

PluginHost::Interface PluginHost::interface(const std::string& id, const char* interface_id) const {
  auto it = instances_.find(id);
  if (it == instances_.end()) return {};
  const Instance& inst = *it->second;
  return {inst.descriptor->get_interface(inst.self, interface_id), inst.self};
}

void* PluginHost::instance(const std::string& id) const {
  auto it = instances_.find(id);
  return it == instances_.end() ? nullptr : it->second->self;
}

std::vector<std::string> PluginHost::running() const {
  std::vector<std::string> ids;
  for (const auto& [id, inst] : instances_) ids.push_back(id);
  return ids;
}

}  // namespace devtrack
