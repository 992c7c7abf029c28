#include "log/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace devtrack::log {

namespace {

std::mutex secrets_mu;
std::vector<std::string> secrets;  // guarded by secrets_mu
std::atomic<bool> content_logging{false};
std::atomic<int> current_level{kWarn};

const char* const kLevelNames[] = {"debug", "info", "warn", "error"};

spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case kDebug: return spdlog::level::debug;
    case kInfo: return spdlog::level::info;
    case kWarn: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

// Hands log rows to the service's row writer in batches from its own
// thread, so logging never waits on disk in the caller.
class RowSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RowSink(RowWriter rows) : rows_(std::move(rows)), thread_([this] { run(); }) {}
  ~RowSink() override { close(); }

  void close() {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    LogRecord r;
    r.at_ms = process_clock().now_ms();
    r.level = kLevelNames[msg.level <= spdlog::level::debug ? 0
                          : msg.level == spdlog::level::info ? 1
                          : msg.level == spdlog::level::warn ? 2
                                                             : 3];
    r.source = std::string(msg.logger_name.data(), msg.logger_name.size());
    r.message = std::string(msg.payload.data(), msg.payload.size());
    {
      std::lock_guard lock(queue_mu_);
      // While the database refuses rows (full, busy), lines wait here; past
      // a bound they go (stderr has them) rather than grow the daemon.
      if (queue_.size() >= kMaxQueued) {
        queue_.erase(queue_.begin(), queue_.begin() + kMaxQueued / 2);
        dropped_ += kMaxQueued / 2;
      }
      queue_.push_back(std::move(r));
    }
    cv_.notify_one();
  }
  void flush_() override {}

 private:
  void run() {
    std::unique_lock lock(queue_mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Gather a batch: wait briefly for more lines unless stopping.
      if (!stopping_) cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; });
      std::vector<LogRecord> batch;
      batch.swap(queue_);
      size_t dropped = std::exchange(dropped_, 0);
      bool stop = stopping_;
      lock.unlock();
      if (dropped) fmt::print(stderr, "devtrack: {} log lines were not kept in the database\n", dropped);
      if (!batch.empty()) {
        try {
          rows_(batch);
        } catch (const std::exception& e) {
          // The database is unavailable (full disk...): stderr still has it.
          fmt::print(stderr, "devtrack: cannot write {} log lines to the database: {}\n", batch.size(),
                     e.what());
        }
      }
      if (stop) return;
      lock.lock();
    }
  }

  RowWriter rows_;
  std::mutex queue_mu_;
  std::condition_variable cv_;
  std::vector<LogRecord> queue_;
  static constexpr size_t kMaxQueued = 10000;
  size_t dropped_ = 0;  // guarded by queue_mu_
  bool stopping_ = false;
  std::thread thread_;
};

// Redacts every message before handing it to the real sinks.
class RedactingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void add(spdlog::sink_ptr sink) { sinks_.push_back(std::move(sink)); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string clean = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, clean);
    for (auto& s : sinks_)
      if (s->should_log(msg.level)) s->log(copy);
  }
  void flush_() override {
    for (auto& s : sinks_) s->flush();
  }

 private:
  std::vector<spdlog::sink_ptr> sinks_;
};

std::mutex setup_mu;
std::shared_ptr<RedactingSink> root_sink;       // guarded by setup_mu
std::shared_ptr<RowSink> database_sink;    // guarded by setup_mu
std::string process_name = "devtrack";

std::shared_ptr<RedactingSink> sink() {
  std::lock_guard lock(setup_mu);
  if (!root_sink) {
    root_sink = std::make_shared<RedactingSink>();
    auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    err->set_pattern("devtrack: %l: %v");
    root_sink->add(err);
  }
  return root_sink;
}

std::shared_ptr<spdlog::logger> logger_for(std::string_view source) {
  std::string name(source.empty() ? std::string_view(process_name) : source);
  auto l = spdlog::get(name);
  if (l) return l;
  l = std::make_shared<spdlog::logger>(name, sink());
  l->set_level(spdlog::level::trace);  // filtered in write()
  try {
    spdlog::register_logger(l);
  } catch (const spdlog::spdlog_ex&) {
    l = spdlog::get(name);  // registered concurrently
  }
  return l;
}

}  // namespace

void init_cli(Level level) {
  set_level(level);
  std::lock_guard lock(setup_mu);
  // Only where a logger was made: spdlog's registry, made on first use,
  // costs a CLI call that logs nothing its page faults (its default
  // logger, a pattern formatter) for nothing.
  if (root_sink) spdlog::drop_all();  // every logger hangs off the root sink
  root_sink.reset();  // sink() makes a fresh stderr-only one
  database_sink.reset();
}

void init_service(const std::string& process, RowWriter rows, Level level) {
  set_level(level);
  auto root = std::make_shared<RedactingSink>();
  auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  err->set_pattern("%Y-%m-%d %H:%M:%S.%e %l [%n] %v");
  root->add(err);
  auto db = std::make_shared<RowSink>(std::move(rows));
  root->add(db);
  std::lock_guard lock(setup_mu);
  spdlog::drop_all();
  process_name = process;
  root_sink = root;
  database_sink = db;
}

void shutdown() {
  std::shared_ptr<RowSink> db;
  {
    std::lock_guard lock(setup_mu);
    db = database_sink;
  }
  if (db) db->close();
}

void set_level(Level level) { current_level = level; }

Level parse_level(std::string_view name, Level fallback) {
  for (int i = 0; i < 4; ++i)
    if (name == kLevelNames[i]) return static_cast<Level>(i);
  if (name == "warning") return kWarn;
  return fallback;
}

void add_secret(std::string_view value) {
  if (value.size() < 4) return;  // too short to redact without mangling text
  std::lock_guard lock(secrets_mu);
  for (const auto& s : secrets)
    if (s == value) return;
  secrets.emplace_back(value);
}

std::string redact(std::string_view text) {
  std::string out(text);
  {
    std::lock_guard lock(secrets_mu);
    for (const auto& s : secrets) {
      for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
        out.replace(pos, s.size(), "***");
    }
  }
  // Credentials that the process never learned as secrets but that can
  // appear in URLs or headers.
  for (std::string_view marker :
       {"Bearer ", "Authorization: Basic ", "Authorization: token ", "token=", "password="}) {
    for (size_t pos = out.find(marker); pos != std::string::npos; pos = out.find(marker, pos + 1)) {
      size_t start = pos + marker.size();
      size_t end = out.find_first_of(" \"'&,;\r\n", start);
      if (end == std::string::npos) end = out.size();
      if (end > start) out.replace(start, end - start, "***");
    }
  }
  return out;
}

void set_content_logging(bool on) { content_logging = on; }

std::string content(std::string_view text) {
  if (content_logging) return std::string(text);
  return "<" + std::to_string(text.size()) + " chars>";
}

void write(Level level, std::string_view source, std::string_view message) {
  if (level < current_level) return;
  logger_for(source)->log(to_spd(level), "{}", message);
}

}  // namespace devtrack::log
