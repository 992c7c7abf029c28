#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "store/fault_vfs.h"
#include "store/schema.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack {

namespace {

std::unique_ptr<SQLite::Database> open_database(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) paths::ensure_private_dir(parent.string());
  install_fault_vfs();  // test builds only, and only when DEVTRACK_FAULTS names SQLite
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->setBusyTimeout(10000);
    // Check the version before anything writes to the file.
    int v = schema::version(*db);
    if (v > schema::kLatest)
      throw Error("database " + path + " has schema version " + std::to_string(v) +
                  ", newer than this devtrack knows (" + std::to_string(schema::kLatest) +
                  "): upgrade devtrack; the database was not changed");
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    return db;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("cannot open database " + path + ": " + e.what());
  }
}

const char* const kLevels[] = {"debug", "info", "warn", "error"};

}  // namespace

int level_number(const std::string& level) {
  for (int i = 0; i < 4; ++i)
    if (level == kLevels[i]) return i;
  return -1;
}

Store::Store(const std::string& path) : path_(path), db_(open_database(path)) {
  schema::migrate(*db_);
}

void Store::release_cache() { sqlite3_db_release_memory(db_->getHandle()); }

void Store::set_busy_timeout(std::chrono::milliseconds timeout) { db_->setBusyTimeout(static_cast<int>(timeout.count())); }

Store::~Store() = default;

// Reset on the way in and out: a statement left mid-way would keep its read
// transaction (and the WAL snapshot) open.
Store::Cached::Cached(SQLite::Statement& q) : q_(q) {
  q_.reset();
  q_.clearBindings();
}

Store::Cached::~Cached() {
  try {
    q_.reset();
  } catch (const std::exception&) {
    // reset() reports the last step's error again: it was reported then
  }
}

Store::Cached Store::cached_statement(const std::string& sql) {
  for (auto& [text, q] : statements_)
    if (text == sql) return Cached(*q);
  statements_.emplace_back(sql, std::make_unique<SQLite::Statement>(*db_, sql));
  return Cached(*statements_.back().second);
}

std::optional<std::string> Store::kv_get(const std::string& plugin, const std::string& key) {
  SQLite::Statement q(*db_, "SELECT value FROM plugin_kv WHERE plugin = ? AND key = ?");
  q.bind(1, plugin);
  q.bind(2, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

void Store::kv_set(const std::string& plugin, const std::string& key, const std::string& value) {
  SQLite::Statement q(*db_,
                      "INSERT INTO plugin_kv (plugin, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value");
  q.bind(1, plugin);
  q.bind(2, key);
  q.bind(3, value);
  q.exec();
}

void Store::kv_erase(const std::string& plugin, const std::string& key) {
  SQLite::Statement q(*db_, "DELETE FROM plugin_kv WHERE plugin = ? AND key = ?");
  q.bind(1, plugin);
  q.bind(2, key);
  q.exec();
}

std::vector<std::pair<std::string, std::string>> Store::kv_list(const std::string& plugin) {
  SQLite::Statement q(*db_, "SELECT key, value FROM plugin_kv WHERE plugin = ? ORDER BY key");
  q.bind(1, plugin);
  std::vector<std::pair<std::string, std::string>> out;
  while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
  return out;
}

std::optional<std::string> Store::cache_get(const std::string& plugin, const std::string& key, int64_t now_ms) {
  // Once per ticket of a day's summary (its title).
  auto q = cached_statement("SELECT value FROM cache WHERE plugin = ? AND key = ? AND expires_ms > ?");
  q->bind(1, plugin);
  q->bind(2, key);
  q->bind(3, static_cast<int64_t>(now_ms));
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getString();
}

void Store::cache_put(const std::string& plugin, const std::string& key, const std::string& value, int64_t expires_ms) {
  SQLite::Statement q(*db_,
                      "INSERT INTO cache (plugin, key, value, expires_ms) VALUES (?, ?, ?, ?) ON CONFLICT (plugin, key) "
                      "DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms");
  q.bind(1, plugin);
  q.bind(2, key);
  q.bind(3, value);
  q.bind(4, static_cast<int64_t>(expires_ms));
  q.exec();
}

void Store::append_logs(const std::vector<LogRecord>& records) {
  if (records.empty()) return;
  SQLite::Transaction tx(*db_);
  SQLite::Statement q(*db_, "INSERT INTO logs (at_ms, level, source, message) VALUES (?, ?, ?, ?)");
  for (const auto& r : records) {
    q.bind(1, static_cast<int64_t>(r.at_ms));
    q.bind(2, r.level);
    q.bind(3, r.source);
    q.bind(4, r.message);
    q.exec();
    q.reset();
  }
  tx.commit();
}

std::vector<LogRecord> Store::read_logs(const LogQuery& query) {
  // The newest `limit` matching rows, by the (at_ms) and primary-key indexes;
  // never the whole table.
  std::string sql =
      "SELECT id, at_ms, level, source, message FROM logs WHERE id > ? AND at_ms >= ?"
      " AND CASE level WHEN 'debug' THEN 0 WHEN 'info' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END >= ?";
  if (!query.source.empty()) sql += " AND source = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  SQLite::Statement q(*db_, sql);
  int i = 1;
  q.bind(i++, static_cast<int64_t>(query.after_id));
  q.bind(i++, static_cast<int64_t>(query.since_ms));
  q.bind(i++, query.min_level);
  if (!query.source.empty()) q.bind(i++, query.source);
  q.bind(i++, query.limit);
  std::vector<LogRecord> rows;
  while (q.executeStep()) {
    rows.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                    q.getColumn(3).getString(), q.getColumn(4).getString()});
  }
  std::reverse(rows.begin(), rows.end());
  return rows;
}

GcReport Store::gc(std::chrono::seconds log_retention, int64_t now_ms, bool dry_run) {
  int64_t cutoff = now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(log_retention).count();
  GcReport report;
  if (dry_run) {
    SQLite::Statement logs(*db_, "SELECT count(*) FROM logs WHERE at_ms < ?");
    logs.bind(1, cutoff);
    logs.executeStep();
    report.logs = logs.getColumn(0).getInt64();
    SQLite::Statement cache(*db_, "SELECT count(*) FROM cache WHERE expires_ms < ?");
    cache.bind(1, now_ms);
    cache.executeStep();
    report.cache = cache.getColumn(0).getInt64();
    return report;
  }
  SQLite::Transaction tx(*db_);
  SQLite::Statement logs(*db_, "DELETE FROM logs WHERE at_ms < ?");
  logs.bind(1, cutoff);
  report.logs = logs.exec();
  SQLite::Statement cache(*db_, "DELETE FROM cache WHERE expires_ms < ?");
  cache.bind(1, now_ms);
  report.cache = cache.exec();
  tx.commit();
  db_->exec("PRAGMA optimize");
  return report;
}

}  // namespace devtrack
