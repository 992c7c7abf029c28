// The store: one SQLite database ($DEVTRACK_HOME/devtrack.db) in WAL mode
// with synchronous=FULL, shared by the CLI, the daemon and the worker (busy
// timeout). Everything DevTrack captures lives here.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "log/record.h"

namespace SQLite {
class Database;
class Statement;
}

namespace devtrack {

struct LogQuery {
  int64_t after_id = 0;   // only rows with a larger id (for follow mode)
  int64_t since_ms = 0;   // only rows at or after this time
  int min_level = 0;      // 0 debug .. 3 error
  std::string source;     // "" = all
  int limit = 200;        // the newest `limit` rows, returned oldest first
};

struct GcReport {
  int64_t logs = 0;   // log rows removed
  int64_t cache = 0;  // expired cache rows removed
};

class Store {
 public:
  // Opens (creating if needed) and migrates the database at `path`. Throws
  // devtrack::Error with the path for anything that prevents it.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  SQLite::Database& db() { return *db_; }

  // A prepared statement for `sql`, kept for the next call, for a query run
  // once per row of another (a day's summary runs two per answer), where
  // preparing costs more than running it. It comes reset, its bindings
  // cleared; the caller reads every row it wants before anything else uses
  // the same text, then calls done() so that no read stays open. Store's
  // own thread only, like the rest of it.
  class Cached {
   public:
    explicit Cached(SQLite::Statement& q);
    ~Cached();
    Cached(const Cached&) = delete;
    Cached& operator=(const Cached&) = delete;
    SQLite::Statement& operator*() { return q_; }
    SQLite::Statement* operator->() { return &q_; }

   private:
    SQLite::Statement& q_;
  };
  Cached cached_statement(const std::string& sql);
  // How long a statement waits for another process's write lock (10 s by
  // default). The daemon waits less: its loop must keep answering.
  void set_busy_timeout(std::chrono::milliseconds timeout);
  // Frees the connection's page cache (it grows to 2 MB with use and is
  // kept): for a long-running process that has gone quiet.
  void release_cache();
  const std::string& path() const { return path_; }

  // Plugin-scoped key/value store (the dt_host kv service).
  std::optional<std::string> kv_get(const std::string& plugin, const std::string& key);
  void kv_set(const std::string& plugin, const std::string& key, const std::string& value);
  void kv_erase(const std::string& plugin, const std::string& key);
  // Every key and value of a namespace, by key.
  std::vector<std::pair<std::string, std::string>> kv_list(const std::string& plugin);
  // A kv value that is a whole number; nullopt if absent or not a number
  // (a damaged value must not stop the daemon from starting).
  std::optional<int64_t> kv_get_int(const std::string& plugin, const std::string& key) {
    auto text = kv_get(plugin, key);
    if (!text || text->empty()) return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
    return value;
  }

  // The offline cache (resolved tickets, assigned lists) with an expiry.
  std::optional<std::string> cache_get(const std::string& plugin, const std::string& key, int64_t now_ms);
  void cache_put(const std::string& plugin, const std::string& key, const std::string& value, int64_t expires_ms);

  // Logs, written in batches by the service log sink.
  void append_logs(const std::vector<LogRecord>& records);
  std::vector<LogRecord> read_logs(const LogQuery& query);

  // Retention: removes logs older than `log_retention` and expired cache rows.
  GcReport gc(std::chrono::seconds log_retention, int64_t now_ms, bool dry_run);

 private:
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  // Finalised before db_ closes (members go in reverse order).
  std::vector<std::pair<std::string, std::unique_ptr<SQLite::Statement>>> statements_;
};

int level_number(const std::string& level);  // "warn" -> 2; unknown -> -1

}  // namespace devtrack
