#include "store/outbox_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/store.h"

namespace devtrack {

namespace {

constexpr const char* kColumns =
    "SELECT id, ifnull(response_id, 0), target_plugin, target, kind, state, ifnull(body, ''), attempts, "
    "ifnull(next_attempt_ms, 0), idempotency_key, ifnull(remote_id, ''), ifnull(last_error, '') FROM updates";

UpdateRow row_from(SQLite::Statement& q) {
  UpdateRow u;
  u.id = q.getColumn(0).getInt64();
  u.response_id = q.getColumn(1).getInt64();
  u.target_plugin = q.getColumn(2).getString();
  u.target = q.getColumn(3).getString();
  u.kind = q.getColumn(4).getString();
  u.state = q.getColumn(5).getString();
  u.body = q.getColumn(6).getString();
  u.attempts = q.getColumn(7).getInt();
  u.next_attempt_ms = q.getColumn(8).getInt64();
  u.idempotency_key = q.getColumn(9).getString();
  u.remote_id = q.getColumn(10).getString();
  u.last_error = q.getColumn(11).getString();
  return u;
}

std::vector<UpdateRow> rows(SQLite::Statement& q) {
  std::vector<UpdateRow> out;
  while (q.executeStep()) out.push_back(row_from(q));
  return out;
}

// The INSERT both writers share; each adds its ON CONFLICT clause.
constexpr const char* kInsert =
    "INSERT INTO updates (response_id, target_plugin, target, kind, state, body, attempts, next_attempt_ms, "
    "idempotency_key, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (idempotency_key) ";

// Binds a row to kInsert (response 0: none, an e-mail) and runs it; returns the rows changed.
int insert_row(SQLite::Statement& insert, const UpdateRow& u, int64_t response_id, int64_t now_ms) {
  if (response_id) insert.bind(1, static_cast<int64_t>(response_id));
  else insert.bind(1);
  insert.bind(2, u.target_plugin);
  insert.bind(3, u.target);
  insert.bind(4, u.kind);
  insert.bind(5, u.state);
  insert.bind(6, u.body);
  insert.bind(7, static_cast<int64_t>(u.next_attempt_ms));
  insert.bind(8, u.idempotency_key);
  insert.bind(9, static_cast<int64_t>(now_ms));
  insert.bind(10, static_cast<int64_t>(now_ms));
  int changed = insert.exec();
  insert.reset();
  return changed;
}

}  // namespace

void store_parse_and_updates(Store& store, int64_t response_id, const std::string& parsed_json,
                             const std::vector<UpdateRow>& updates, int64_t now_ms) {
  SQLite::Transaction tx(store.db());
  SQLite::Statement parsed(store.db(), "UPDATE responses SET parsed = ? WHERE id = ?");
  parsed.bind(1, parsed_json);
  parsed.bind(2, static_cast<int64_t>(response_id));
  parsed.exec();
  SQLite::Statement drop(store.db(),
                         "DELETE FROM updates WHERE response_id = ? AND state IN ('held', 'queued', 'failed', "
                         "'blocked', 'dropped')");
  drop.bind(1, static_cast<int64_t>(response_id));
  drop.exec();
  SQLite::Statement insert(store.db(),
                           std::string(kInsert) + "DO UPDATE SET "
                           // A sent row whose content changed goes out again as an amend
                           // (it keeps its remote id).
                           "state = CASE WHEN state = 'sent' AND body IS NOT excluded.body THEN 'queued' ELSE state END, "
                           "next_attempt_ms = CASE WHEN state = 'sent' AND body IS NOT excluded.body "
                           "THEN excluded.next_attempt_ms ELSE next_attempt_ms END, "
                           "body = excluded.body, updated_ms = excluded.updated_ms");
  for (const auto& u : updates) insert_row(insert, u, response_id, now_ms);
  tx.commit();
}

bool queue_update(Store& store, const UpdateRow& u, int64_t now_ms) {
  SQLite::Statement insert(store.db(), std::string(kInsert) + "DO NOTHING");
  return insert_row(insert, u, u.response_id, now_ms) == 1;
}

void revise_update(Store& store, int64_t id, const std::string& body, const std::string& state, int64_t next_ms,
                   int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET body = ?, state = ?, next_attempt_ms = ?, updated_ms = ? WHERE id = ?");
  q.bind(1, body);
  q.bind(2, state);
  q.bind(3, static_cast<int64_t>(next_ms));
  q.bind(4, static_cast<int64_t>(now_ms));
  q.bind(5, static_cast<int64_t>(id));
  q.exec();
}

std::vector<UpdateRow> updates_of_response(Store& store, int64_t response_id) {
  SQLite::Statement q(store.db(), std::string(kColumns) + " WHERE response_id = ? ORDER BY id");
  q.bind(1, static_cast<int64_t>(response_id));
  return rows(q);
}

std::map<std::string, int64_t> count_updates_by_state(Store& store) {
  SQLite::Statement q(store.db(), "SELECT state, count(*) FROM updates GROUP BY state");
  std::map<std::string, int64_t> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
  return out;
}

std::vector<std::string> blocked_plugins(Store& store) {
  SQLite::Statement q(store.db(), "SELECT DISTINCT target_plugin FROM updates WHERE state = 'blocked' ORDER BY 1");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<UpdateRow> list_updates(Store& store, int limit) {
  SQLite::Statement q(store.db(), std::string(kColumns) + " ORDER BY id DESC LIMIT ?");
  q.bind(1, limit);
  auto out = rows(q);
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<UpdateRow> get_update(Store& store, int64_t id) {
  SQLite::Statement q(store.db(), std::string(kColumns) + " WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return row_from(q);
}

// Per ticket, only the oldest unsent row may go: updates to one ticket
// arrive in order. A row waiting behind an older one is not due yet (the
// older one's result reschedules), so a timer never spins on it.
constexpr const char* kFirstOfTicket =
    "NOT EXISTS (SELECT 1 FROM updates o WHERE o.target_plugin = u.target_plugin AND o.target = u.target AND "
    "o.id < u.id AND o.state IN ('queued', 'sending'))";

int64_t next_due_ms(Store& store) {
  SQLite::Statement q(store.db(), std::string("SELECT ifnull(min(next_attempt_ms), 0) FROM updates u WHERE state = "
                                              "'queued' AND ") + kFirstOfTicket);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::vector<UpdateRow> due_updates(Store& store, int64_t now_ms, int limit) {
  SQLite::Statement q(store.db(), std::string(kColumns) + " u WHERE state = 'queued' AND next_attempt_ms <= ? AND " +
                                      kFirstOfTicket + " ORDER BY id LIMIT ?");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, limit);
  return rows(q);
}

void mark_sending(Store& store, int64_t id, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'sending', attempts = attempts + 1, updated_ms = ? WHERE id = ?");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

void mark_sent(Store& store, int64_t id, const std::string& remote_id, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'sent', remote_id = ?, last_error = NULL, updated_ms = ? WHERE id = ?");
  q.bind(1, remote_id);
  q.bind(2, static_cast<int64_t>(now_ms));
  q.bind(3, static_cast<int64_t>(id));
  q.exec();
}

void mark_retry(Store& store, int64_t id, int64_t next_ms, const std::string& error, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'queued', next_attempt_ms = ?, last_error = ?, updated_ms = ? "
                      "WHERE id = ?");
  q.bind(1, static_cast<int64_t>(next_ms));
  q.bind(2, error);
  q.bind(3, static_cast<int64_t>(now_ms));
  q.bind(4, static_cast<int64_t>(id));
  q.exec();
}

void mark_state(Store& store, int64_t id, const std::string& state, const std::string& error, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = ?, last_error = NULLIF(?, ''), updated_ms = ?, "
                      "next_attempt_ms = CASE WHEN ? = 'queued' THEN ? ELSE next_attempt_ms END WHERE id = ?");
  q.bind(1, state);
  q.bind(2, error);
  q.bind(3, static_cast<int64_t>(now_ms));
  q.bind(4, state);
  q.bind(5, static_cast<int64_t>(now_ms));
  q.bind(6, static_cast<int64_t>(id));
  q.exec();
}

void block_plugin(Store& store, const std::string& plugin, const std::string& error, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'blocked', last_error = ?, updated_ms = ? WHERE target_plugin = ? "
                      "AND state IN ('queued', 'sending')");
  q.bind(1, error);
  q.bind(2, static_cast<int64_t>(now_ms));
  q.bind(3, plugin);
  q.exec();
}

int requeue_interrupted(Store& store, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'queued', next_attempt_ms = ?, updated_ms = ? WHERE state = "
                      "'sending'");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, static_cast<int64_t>(now_ms));
  return q.exec();
}

int make_all_due(Store& store, int64_t now_ms) {
  SQLite::Statement q(store.db(), "UPDATE updates SET next_attempt_ms = ? WHERE state = 'queued' AND next_attempt_ms > ?");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, static_cast<int64_t>(now_ms));
  return q.exec();
}

}  // namespace devtrack
