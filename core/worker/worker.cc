#include "worker/worker.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <devtrack/text.hpp>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/line_channel.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/loader.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "store/log_table.h"
#include "store/store.h"
#include "util/paths.h"
#include "worker/deliver.h"
#include "worker/fetch.h"
#include "worker/sync.h"

namespace asio = boost::asio;
using nlohmann::json;

namespace devtrack {

namespace {

// The daemon reads lines of at most 1 MiB (worker_link.cc); we stay well
// below, so that one big reply never costs the link.
constexpr size_t kMaxLine = 512 * 1024;
// What the daemon sends (jobs: a commit to read, an update to post) is
// bounded by what it stores; a longer line is dropped, not fatal.
constexpr size_t kMaxDaemonLine = 1 << 24;
constexpr size_t kMaxShrunkString = 4096;

// `v` with every string cut to kMaxShrunkString bytes (valid UTF-8).
json shrink(const json& v) {
  if (v.is_string()) return sdk::bounded_utf8(v.get_ref<const std::string&>(), kMaxShrunkString);
  if (!v.is_structured()) return v;
  json out = v.is_array() ? json::array() : json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (v.is_array()) out.push_back(shrink(*it));
    else out[it.key()] = shrink(*it);
  }
  return out;
}

// The line that carries an event to the daemon, or "" if even its shrunk
// form is too long (then the daemon's job for it is settled by the link).
std::string event_line(const Event& e) {
  json payload = json::parse(e.payload, nullptr, false);
  auto line = [&](const json& p) {
    return json{{"topic", e.topic}, {"payload", p}}.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string text = line(payload);
  if (text.size() < kMaxLine) return text;
  text = line(shrink(payload));
  if (text.size() < kMaxLine) {
    log::warn("worker", "{}: cut the long texts of a {} byte event for the link", e.topic, e.payload.size());
    return text;
  }
  log::error("worker", "{}: dropped an event of {} bytes, too large for the link", e.topic, e.payload.size());
  return "";
}

class Worker {
 public:
  Worker(int fd, std::chrono::seconds idle, NetworkFactory network)
      : store_(paths::database()),
        loop_(process_clock()),
        bus_(loop_),
        host_(loop_, bus_, &store_, "worker"),
        pipe_(std::make_shared<LineChannel>(
            asio::local::stream_protocol::socket(loop_.io_context(), asio::local::stream_protocol(), fd),
            kMaxDaemonLine)),
        idle_(idle),
        network_(network) {}

  int run() {
    configure();
    start_delivery(bus_, host_, store_);
    start_fetch_service(bus_, &http_);
    start_sync_service(bus_, host_);
    // Everything the plugins publish goes to the daemon; what came from the
    // daemon is not sent back.
    bus_.subscribe(
        "*",
        [this](const Event& e) {
          if (e.origin == "daemon") return;
          if (std::string line = event_line(e); !line.empty()) send(std::move(line));
        },
        "bridge");
    hello();
    pipe_->start({[this](const std::string& line) { on_line(line); },
                  [] { log::error("worker", "dropped a message from the daemon over {} bytes", kMaxDaemonLine); },
                  [this] { loop_.stop(); }});  // the daemon is gone
    touch();
    loop_.run();
    host_.stop_all();
    return 0;
  }

 private:
  // Reads the config and starts the enabled worker plugins with it; again
  // (all stopped first) when the daemon's config is reloaded.
  void configure() {
    host_.stop_all();
    auto plugins = load_registry();
    ConfigResult config = load_config(paths::config_file(), plugins);
    if (!config.ok()) {
      log::error("worker", "the config has errors; no worker plugin started");
      return;
    }
    log::set_level(log::parse_level(config.config.logging.level, log::kInfo));
    log::set_content_logging(config.config.logging.content);
    // The send lease outlasts one HTTP request (outbox_store.h).
    set_delivery_http_timeout(config.config.network.timeout);
    if (network_) {
      NetworkServices net = network_(config.config);
      host_.set_http(net.http);
      host_.set_smtp(net.smtp);
      http_ = net.http;
    }
    start_plugins(plugins, config.config);
  }

  // Tells the daemon which topics this worker takes.
  void hello() {
    send(json{{"hello", {{"pid", ::getpid()}, {"subscriptions", bus_.patterns("bridge")}}}}.dump());
  }

  void start_plugins(const std::vector<PluginInfo>& plugins, const Config& config) {
    for (const auto& p : plugins) {
      if (p.refused || p.runs_in != "worker" || !config.plugin_enabled(p.id)) continue;
      if (find_plugin(plugins, p.id)->path != p.path) continue;
      std::string error;
      if (!host_.start(p, config.plugin_config_json(p.id), &error)) continue;
      if (auto iface = host_.interface(p.id, DEVTRACK_TRIGGER_V1); iface.table) {
        StringOut err;
        if (static_cast<const dt_trigger_v1*>(iface.table)->start(iface.self, &err.out) != DT_OK)
          log::error("plugins", "{} failed to start: {}", p.id, err.text);
      }
    }
  }

  void on_line(const std::string& line) {
    json m = json::parse(line, nullptr, false);
    if (m.is_object() && m.contains("reload")) {
      log::info("worker", "the config changed: restarting the worker plugins");
      configure();
      hello();
    } else if (m.is_object() && m.contains("topic") && m["topic"].is_string() && m.contains("payload")) {
      bus_.publish(m["topic"].get<std::string>(), m["payload"].dump(), "daemon");
    }
    touch();
  }

  void send(std::string line) {
    pipe_->send(std::move(line));
    touch();
  }

  // Exits after `idle_` without traffic: the daemon starts us again on demand.
  void touch() {
    if (idle_timer_) loop_.cancel(idle_timer_);
    idle_timer_ = loop_.call_at(loop_.clock().now() + idle_, [this] {
      idle_timer_ = 0;
      if (pipe_->is_open() && pipe_->sending()) return touch();
      log::info("worker", "idle for {} s: exiting", idle_.count());
      loop_.stop();
    });
  }

  Store store_;
  EventLoop loop_;
  Bus bus_;
  PluginHost host_;
  std::shared_ptr<LineChannel> pipe_;  // to the daemon
  std::chrono::seconds idle_;
  EventLoop::TimerId idle_timer_ = 0;
  NetworkFactory network_;
  PluginHost::HttpFn http_ = nullptr;  // for the daemon's fetches (fetch.h)
};

}  // namespace

int run_worker(int bus_fd, std::chrono::seconds idle, NetworkFactory network) {
  log::init_service("worker", log_table_writer(paths::database()), log::kInfo);
  int rc = 1;
  try {
    rc = Worker(bus_fd, idle, network).run();
  } catch (const std::exception& e) {
    log::error("worker", "{}", e.what());
  }
  log::shutdown();
  return rc;
}

}  // namespace devtrack
