#include "store/activity_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>

#include "store/outbox_store.h"
#include "store/store.h"
#include "util/strings.h"

namespace devtrack {

namespace {

std::string file_hash(Store& store, const std::string& path) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a64(device_id(store) + "\n" + path)));
  return hex;
}

}  // namespace

void record_activity(Store& store, const ActivityRow& row, bool keep_path) {
  SQLite::Statement q(store.db(), "INSERT INTO activity (at_ms, repo, kind, file, path) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, static_cast<int64_t>(row.at_ms));
  q.bind(2, row.repo);
  q.bind(3, row.kind);
  if (row.file.empty()) {
    q.bind(4);
    q.bind(5);
  } else {
    q.bind(4, file_hash(store, row.file));
    if (keep_path) q.bind(5, row.file);
    else q.bind(5);
  }
  q.exec();
}

std::vector<int64_t> activity_times(Store& store, const std::string& repo, int64_t from_ms, int64_t to_ms) {
  SQLite::Statement q(store.db(), repo.empty()
                                      ? "SELECT at_ms FROM activity WHERE at_ms >= ?1 AND at_ms <= ?2 ORDER BY at_ms"
                                      : "SELECT at_ms FROM activity WHERE repo = ?3 AND at_ms >= ?1 AND at_ms <= ?2 "
                                        "ORDER BY at_ms");
  q.bind(1, static_cast<int64_t>(from_ms));
  q.bind(2, static_cast<int64_t>(to_ms));
  if (!repo.empty()) q.bind(3, repo);
  std::vector<int64_t> times;
  while (q.executeStep()) times.push_back(q.getColumn(0).getInt64());
  return times;
}

int64_t last_activity_before(Store& store, int64_t before_ms) {
  SQLite::Statement q(store.db(), "SELECT ifnull(max(at_ms), 0) FROM activity WHERE at_ms < ?");
  q.bind(1, static_cast<int64_t>(before_ms));
  q.executeStep();
  return q.getColumn(0).getInt64();
}

int64_t previous_answer_ms(Store& store, const std::string& repo, int64_t before_ms) {
  SQLite::Statement q(store.db(), repo.empty()
                                      ? "SELECT ifnull(max(at_ms), 0) FROM responses WHERE state = 'answered' "
                                        "AND at_ms < ?1"
                                      : "SELECT ifnull(max(r.at_ms), 0) FROM responses r JOIN prompts p "
                                        "ON p.id = r.prompt_id WHERE r.state = 'answered' AND r.at_ms < ?1 "
                                        "AND p.repo = ?2");
  q.bind(1, static_cast<int64_t>(before_ms));
  if (!repo.empty()) q.bind(2, repo);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

int64_t remove_activity_before(Store& store, int64_t cutoff_ms, bool dry_run) {
  SQLite::Statement q(store.db(), dry_run ? "SELECT count(*) FROM activity WHERE at_ms < ?"
                                          : "DELETE FROM activity WHERE at_ms < ?");
  q.bind(1, static_cast<int64_t>(cutoff_ms));
  if (!dry_run) return q.exec();
  q.executeStep();
  return q.getColumn(0).getInt64();
}

}  // namespace devtrack
