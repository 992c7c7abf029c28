#include "daemon/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstring>
#include <date/date.h>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "checkin/parse_merge.h"
#include "config/config.h"
#include "daemon/activity.h"
#include "daemon/capture.h"
#include "daemon/end_of_day.h"
#include "daemon/standup_schedule.h"
#include "daemon/sync.h"
#include "daemon/outbox.h"
#include "daemon/prompts.h"
#include "daemon/service_manager.h"
#include "daemon/surfaces.h"
#include "daemon/fetch.h"
#include "daemon/worker_link.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/ipc.h"
#include "ipc/router.h"
#include "ipc/server.h"
#include "log/log.h"
#include "plugin/host.h"
#include "plugin/loader.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "store/capture_store.h"
#include "store/daemon_state.h"
#include "store/log_table.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/memory.h"
#include "util/home_lock.h"
#include "util/json_text.h"
#include "util/paths.h"

extern char** environ;

namespace asio = boost::asio;
using nlohmann::json;

namespace devtrack {

namespace {

// Sets environment variables without setenv(): the notify surface spawns
// programs from its own threads, and setenv() may free or move the array
// that such a spawn is reading. Instead a whole new array is built and
// published with one pointer store; the old arrays stay valid (they are
// kept, a few bytes each time the desktop session changes).
void replace_environment(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> entries;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (!vars.count(name)) entries.push_back(entry);
  }
  for (const auto& [name, value] : vars) entries.push_back(name + "=" + value);
  auto* array = new char*[entries.size() + 1];
  for (size_t i = 0; i < entries.size(); ++i) array[i] = ::strdup(entries[i].c_str());
  array[entries.size()] = nullptr;
  __atomic_store_n(&environ, array, __ATOMIC_RELEASE);
}

std::string iso(int64_t ms) { return date::format("%FT%TZ", date::floor<std::chrono::seconds>(from_ms(ms))); }

class Daemon {
 public:
  Daemon()
      : store_(paths::database()),
        loop_(process_clock()),
        bus_(loop_),
        host_(loop_, bus_, &store_, "daemon"),
        server_(loop_,
                [this](const ipc::Request& r) {
                  quiet_later();
                  return router_.handle(r);
                }),
        signals_(loop_.io_context(), SIGTERM, SIGINT, SIGHUP) {}

  int run() {
    // A write that waits on another process's lock blocks the loop (IPC,
    // capture, prompts) for as long as it waits: wait briefly, and let the
    // retries of capture, spool and surfaces carry what failed.
    store_.set_busy_timeout(std::chrono::milliseconds(1500));
    started_ms_ = loop_.clock().now_ms();
    load_config();
    log::set_level(log::parse_level(config_.logging.level, log::kInfo));
    log::set_content_logging(config_.logging.content);
    worker_ = std::make_unique<WorkerLink>(loop_, bus_, paths::helper("devtrack-worker"),
                                           config_.worker.idle_timeout);
    worker_->on_exit([this] { quiet_later(); });  // what its jobs left behind
    capture_ = std::make_unique<Capture>(loop_, bus_, store_, *worker_);
    activity_ = std::make_unique<Activity>(loop_, bus_, store_, config_);
    outbox_ = std::make_unique<Outbox>(loop_, bus_, store_, *worker_);
    fetch_ = std::make_unique<FetchService>(bus_, *worker_);
    host_.set_fetcher(fetch_.get());
    end_of_day_ = std::make_unique<EndOfDay>(loop_, bus_, store_, config_);
    standup_ = std::make_unique<StandupSchedule>(loop_, store_, config_, plugins_, [this] { outbox_->changed(); });
    sync_ = std::make_unique<SyncService>(loop_, bus_, store_, config_, *worker_, [this] { outbox_->changed(); });
    surfaces_ = std::make_unique<Surfaces>(loop_, bus_, store_, config_, host_, [this](int64_t prompt_id) {
      prompts_->changed(prompt_id);
      outbox_->changed();
      sync_->changed();
    });
    prompts_ = std::make_unique<Prompts>(loop_, bus_, store_, config_,
                                         [this](const std::string& text, const std::string& context) {
                                           return parse(text, context);
                                         },
                                         worker_.get());
    register_verbs();
    server_.listen(ipc::socket_path());
    start_plugins();
    restore_schedule();
    capture_->start();
    activity_->start();
    prompts_->start();
    outbox_->start();
    sync_->start();
    end_of_day_->schedule();
    standup_->schedule();
    watch_signals();
    log::info("daemon", "devtrack daemon {} ready (pid {}, home {})", DEVTRACK_VERSION, ::getpid(), paths::home());
    service_ready();
    quiet_later();  // start-up touched what the daemon will not use again
    loop_.run();
    service_stopping();
    log::info("daemon", "stopping");
    server_.close();
    host_.stop_all();
    loop_.run_pending();  // replies a surface read just before it stopped are stored
    worker_->stop();
    return 0;
  }

 private:
  // ---- config and plugins ----
  void load_config() {
    plugins_ = load_registry();
    ConfigResult r = devtrack::load_config(paths::config_file(), plugins_);
    for (const auto& d : r.diagnostics)
      if (d.severity != "note") log::warn("config", "{}", d.str());
    if (!r.ok()) throw Error("the config has errors; fix them (devtrack config check) and start again");
    config_ = std::move(r.config);
  }

  void start_plugins() {
    prompts_->set_trackers(enabled_plugins(plugins_, config_, "tracker"));
    for (const auto& p : plugins_) {
      if (p.refused || p.runs_in != "daemon" || !config_.plugin_enabled(p.id)) continue;
      if (!find_plugin(plugins_, p.id) || find_plugin(plugins_, p.id)->path != p.path) continue;
      std::string error;
      if (host_.start(p, config_.plugin_config_json(p.id), &error)) {
        runtime_[p.id] = "running";
        start_trigger(p.id);
      } else {
        runtime_[p.id] = "refused: " + error;
      }
    }
  }

  void start_trigger(const std::string& id) {
    auto iface = host_.interface(id, DEVTRACK_TRIGGER_V1);
    if (!iface.table) return;
    StringOut err;
    if (static_cast<const dt_trigger_v1*>(iface.table)->start(iface.self, &err.out) != DT_OK) {
      log::error("plugins", "{} failed to start: {}", id, err.text);
      runtime_[id] = "failed: " + err.text;
    }
  }

  // Sends a control command to every running trigger that takes commands.
  void control_triggers(const json& command) {
    for (const auto& id : host_.running()) {
      auto iface = host_.interface(id, DEVTRACK_TRIGGER_V1);
      if (!iface.table) continue;
      auto* trigger = static_cast<const dt_trigger_v1*>(iface.table);
      if (!trigger->control) continue;
      StringOut out;
      std::string text = command.dump();
      trigger->control(iface.self, text.c_str(), &out.out);
    }
  }

  json reload() {
    try {
      load_config();  // keeps the old config on errors
    } catch (const Error&) {
      throw Error("the config has errors (devtrack config check shows them); the daemon keeps running with the "
                  "config it had");
    }
    log::set_level(log::parse_level(config_.logging.level, log::kInfo));
    log::set_content_logging(config_.logging.content);
    // Plugins restart with the new options; the library stays loaded.
    auto before = host_.running();
    host_.stop_all();
    runtime_.clear();
    start_plugins();
    restore_schedule();
    auto after = host_.running();
    json started = json::array(), stopped = json::array();
    for (const auto& id : after)
      if (std::find(before.begin(), before.end(), id) == before.end()) started.push_back(id);
    for (const auto& id : before)
      if (std::find(after.begin(), after.end(), id) == after.end()) stopped.push_back(id);
    capture_->refresh_repos();
    end_of_day_->schedule();
    standup_->schedule();
    worker_->reload();
    log::info("daemon", "reloaded the config: {} plugin(s) running", after.size());
    return {{"started", started}, {"stopped", stopped}, {"running", after}};
  }

  // ---- pause and interval, persisted so they survive a restart ----
  void restore_schedule() {
    if (auto s = chosen_interval_s(store_)) control_triggers({{"command", "set-interval"}, {"seconds", *s}});
    if (auto until = pause_end(store_, loop_.clock().now_ms()))
      control_triggers({{"command", "pause"}, {"until_ms", *until == kUntilResumed ? json(nullptr) : json(*until)}});
  }

  json paused_state() {
    auto until = pause_end(store_, loop_.clock().now_ms());
    if (!until) return {{"paused", false}, {"paused_until", nullptr}};
    return {{"paused", true}, {"paused_until", *until == kUntilResumed ? json(nullptr) : json(iso(*until))}};
  }

  // Parses with the running parser plugins, in parse.order, merged ("" if
  // none runs or every one fails).
  std::string parse(const std::string& text, const std::string& context) {
    std::vector<ParserHandle> parsers;
    for (const auto& id : parser_order(config_, plugins_))
      if (auto iface = host_.interface(id, DEVTRACK_PARSER_V1); iface.table)
        parsers.push_back({id, static_cast<const dt_parser_v1*>(iface.table), iface.self});
    std::string failures;
    return parse_with(parsers, text, context, config_.parse.min_confidence, false, &failures);
  }

  // ---- IPC: the daemon's own verbs; the components register theirs ----
  void register_verbs() {
    router_.add("ping", [](const json&) { return json{{"pong", true}, {"pid", ::getpid()}}; });
    router_.add("status", [this](const json&) { return status(); });
    router_.add("doctor", [this](const json&) { return json{{"checks", plugin_checks()}}; });
    router_.add("stop", [this](const json&) {
      loop_.post([this] { loop_.stop(); });
      return json{{"stopping", true}};
    });
    router_.add("prompt.changed", [this](const json& args) {
      if (!args.contains("prompt_id") || !args["prompt_id"].is_number_integer())
        throw ipc::RequestError("bad_request", "prompt.changed needs {\"prompt_id\": n}");
      prompts_->changed(args["prompt_id"].get<int64_t>());
      outbox_->changed();
      sync_->changed();
      return json{{"ok", true}};
    });
    router_.add("editor.heartbeat", [this](const json& args) { return editor_heartbeat(args); });
    router_.add("session.env", [](const json& args) { return session_env(args); });
    router_.add("pause", [this](const json& args) { return pause(args); });
    router_.add("resume", [this](const json&) {
      clear_pause(store_);
      control_triggers({{"command", "resume"}});
      log::info("daemon", "resumed");
      return paused_state();
    });
    router_.add("set-interval", [this](const json& args) { return set_interval(args); });
    router_.add("reload", [this](const json&) {
      try {
        return reload();
      } catch (const Error& e) {
        throw ipc::RequestError("config", e.what());
      }
    });
    router_.add("clock.advance", [this](const json& args) { return advance_clock(args); });
    capture_->register_verbs(router_);
    outbox_->register_verbs(router_);
    sync_->register_verbs(router_);
    prompts_->register_verbs(router_);
  }

  json editor_heartbeat(json args) {
    if (!args.contains("file") || !args["file"].is_string() || args["file"].get<std::string>().empty())
      throw ipc::RequestError("bad_request", "editor.heartbeat needs {\"file\": PATH}");
    args["at_ms"] = loop_.clock().now_ms();  // live: the daemon's clock (spooled ones keep theirs)
    bus_.publish("editor.heartbeat", args.dump());
    return json{{"ok", true}};
  }

  // The desktop session of the user's shell, for the notify surface.
  static json session_env(const json& args) {
    static const std::set<std::string> allowed = {"DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY",
                                                  "DBUS_SESSION_BUS_ADDRESS"};
    if (!args.contains("vars") || !args["vars"].is_object())
      throw ipc::RequestError("bad_request", "session.env needs {\"vars\": {NAME: value}}");
    json taken = json::array();
    std::map<std::string, std::string> changed;
    for (const auto& [name, value] : args["vars"].items()) {
      if (!allowed.count(name) || !value.is_string()) continue;
      std::string text = value.get<std::string>();
      if (text.find('\0') != std::string::npos) continue;
      taken.push_back(name);
      const char* now = std::getenv(name.c_str());
      if (!now || text != now) changed[name] = text;
    }
    if (!changed.empty()) replace_environment(changed);
    return json{{"taken", taken}};
  }

  json pause(const json& args) {
    int64_t until = kUntilResumed;
    if (args.contains("for_s")) {
      if (!args["for_s"].is_number_integer() || args["for_s"].get<int64_t>() <= 0)
        throw ipc::RequestError("bad_request", "for_s must be a positive number of seconds");
      std::chrono::seconds d(args["for_s"].get<int64_t>());
      if (auto range = duration_range_error("for_s", d); !range.empty()) throw ipc::RequestError("bad_request", range);
      until = loop_.clock().now_ms() + d.count() * 1000;
    }
    set_pause(store_, until);
    control_triggers({{"command", "pause"}, {"until_ms", until < 0 ? json(nullptr) : json(until)}});
    log::info("daemon", "paused {}", until < 0 ? "until resumed" : "until " + iso(until));
    return paused_state();
  }

  json set_interval(const json& args) {
    if (!args.contains("seconds") || !args["seconds"].is_number_integer() || args["seconds"].get<int64_t>() < 60)
      throw ipc::RequestError("bad_request", "seconds must be a whole number of at least 60");
    int64_t s = args["seconds"].get<int64_t>();
    if (auto range = duration_range_error("seconds", std::chrono::seconds(s)); !range.empty())
      throw ipc::RequestError("bad_request", range);
    set_chosen_interval_s(store_, s);
    control_triggers({{"command", "set-interval"}, {"seconds", s}});
    return json{{"interval_s", s}};
  }

  json advance_clock(const json& args) {
    auto* manual = dynamic_cast<ManualClock*>(&loop_.clock());
    if (!manual) throw ipc::RequestError("forbidden", "the clock can only be moved in test mode (DEVTRACK_TEST_CLOCK)");
    if (!args.contains("ms") || !args["ms"].is_number_integer())
      throw ipc::RequestError("bad_request", "clock.advance needs {\"ms\": n}");
    // {"suspend": true}: as a suspended machine that wakes (activity.h).
    if (args.contains("suspend") && args["suspend"] == true)
      manual->suspend(std::chrono::milliseconds(args["ms"].get<int64_t>()));
    else
      manual->advance(std::chrono::milliseconds(args["ms"].get<int64_t>()));
    return json{{"now", iso(manual->now_ms())}, {"now_ms", manual->now_ms()}};
  }

  // Every running plugin's own checks (devtrack.doctor.v1).
  json plugin_checks() {
    json checks = json::array();
    for (const auto& id : host_.running()) {
      auto iface = host_.interface(id, DEVTRACK_DOCTOR_V1);
      if (!iface.table) continue;
      StringOut out;
      dt_status s = static_cast<const dt_doctor_v1*>(iface.table)->check(iface.self, &out.out);
      json result = json::parse(out.text, nullptr, false);
      if (s != DT_OK || !result.is_object() || !result.contains("checks") || !result["checks"].is_array()) {
        checks.push_back({{"name", id}, {"ok", false}, {"detail", "its check failed: " + out.text}, {"fix", nullptr}});
        continue;
      }
      for (auto c : result["checks"]) {
        if (!c.is_object()) continue;
        c["name"] = id + ": " + c.value("name", "check");
        checks.push_back(c);
      }
    }
    return checks;
  }

  json status() {
    json plugins = json::array();
    for (const auto& p : plugins_) {
      if (p.refused || !config_.plugin_enabled(p.id)) continue;
      std::string state;
      if (p.runs_in == "daemon") state = runtime_.count(p.id) ? runtime_[p.id] : "not started";
      else if (p.runs_in == "worker") state = "on demand (worker)";
      else state = "in the client";
      plugins.push_back({{"id", p.id}, {"runs_in", p.runs_in}, {"state", state}});
    }
    auto w = worker_->status();
    auto interval = chosen_interval_s(store_);
    json s = {{"running", true},
              {"pid", ::getpid()},
              {"version", DEVTRACK_VERSION},
              {"home", paths::home()},
              {"socket", ipc::socket_path()},
              {"started_at", iso(started_ms_)},
              {"uptime_s", (loop_.clock().now_ms() - started_ms_) / 1000},
              {"memory_kb", resident_kb()},
              {"clock", loop_.clock().manual() ? "manual" : "system"},
              {"now", iso(loop_.clock().now_ms())},
              {"interval_s", interval ? *interval : static_cast<int64_t>(config_.settings.prompt_interval.count())},
              {"repos", list_repos(store_).size()},
              {"updates", outbox_counts()},
              {"watched", capture_->watched()},
              {"plugins", plugins},
              {"worker",
               {{"running", w.running},
                {"pid", w.pid ? json(w.pid) : json(nullptr)},
                {"crashes", w.crashes},
                {"pending", w.pending},
                {"last_exit", w.last_exit.empty() ? json(nullptr) : json(w.last_exit)}}}};
    s.update(paused_state());
    auto due = store_.kv_get("daemon", "summary_due");
    s["summary_due"] = due ? json(*due) : json();
    s["sync"] = sync_->status();
    return s;
  }

  // Outbox rows by state, and the trackers whose updates are blocked.
  json outbox_counts() {
    json counts = json::object();
    for (const auto& [state, n] : count_updates_by_state(store_)) counts[to_text(state)] = n;
    json blocked = blocked_plugins(store_);
    return {{"by_state", counts}, {"blocked_trackers", blocked}, {"allow_http", config_.network.allow_http}};
  }

  // ---- memory ----
  // Every request (a hook, a heartbeat, a command) re-arms one timer; when
  // it fires the daemon has been quiet for kQuietBeforeTrim and gives back
  // what the burst left resident (util/memory.h). Idle, nothing runs.
  static constexpr std::chrono::seconds kQuietBeforeTrim{30};
  void quiet_later() {
    if (trim_timer_) loop_.cancel(trim_timer_);
    trim_timer_ = loop_.call_at(loop_.clock().now() + kQuietBeforeTrim, [this] {
      trim_timer_ = 0;
      store_.release_cache();
      MemoryReleased r = release_idle_memory();
      log::debug("daemon", "quiet: VmRSS {} -> {} kB ({} kB of mapped files let go)", r.rss_before_kb,
                 r.rss_after_kb, r.mapped_kb);
    });
  }

  void watch_signals() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        try {
          reload();
        } catch (const std::exception& e) {
          log::error("daemon", "reload failed, keeping the running config: {}", e.what());
        }
        watch_signals();
        return;
      }
      log::info("daemon", "signal {} received", signal);
      loop_.stop();
    });
  }

  Store store_;
  EventLoop loop_;
  Bus bus_;
  std::unique_ptr<FetchService> fetch_;  // outlives host_, whose plugins' fetches it holds
  PluginHost host_;
  ipc::Router router_;
  ipc::Server server_;
  asio::signal_set signals_;
  std::unique_ptr<WorkerLink> worker_;
  std::unique_ptr<Capture> capture_;
  std::unique_ptr<Activity> activity_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<EndOfDay> end_of_day_;
  std::unique_ptr<StandupSchedule> standup_;
  std::unique_ptr<SyncService> sync_;
  std::unique_ptr<Surfaces> surfaces_;
  std::unique_ptr<Prompts> prompts_;
  std::vector<PluginInfo> plugins_;
  Config config_;
  std::map<std::string, std::string> runtime_;  // plugin id -> runtime state
  int64_t started_ms_ = 0;
  EventLoop::TimerId trim_timer_ = 0;
};

}  // namespace

int run_daemon() {
  // A peer that goes away mid-write (the worker dying, a client hanging up)
  // must give EPIPE, not kill the daemon. (systemd ignores SIGPIPE for its
  // services; `devtrack start` did not.)
  ::signal(SIGPIPE, SIG_IGN);
  use_one_malloc_arena();
  try {
    HomeLock lock;
    log::init_service("daemon", log_table_writer(paths::database()), log::kInfo);
    Daemon daemon;
    int rc = daemon.run();
    log::shutdown();
    return rc;
  } catch (const std::exception& e) {
    log::error("daemon", "{}", e.what());
    log::shutdown();
    std::fprintf(stderr, "devtrack: error: %s\n", log::redact(e.what()).c_str());
    return 1;
  }
}

}  // namespace devtrack
