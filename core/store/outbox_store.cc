#include "store/outbox_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "store/store.h"
#include "util/duration.h"

namespace devtrack {

namespace {

constexpr const char* kColumns =
    "SELECT id, ifnull(response_id, 0), target_plugin, target, kind, state, ifnull(body, ''), attempts, "
    "ifnull(next_attempt_ms, 0), idempotency_key, ifnull(remote_id, ''), ifnull(last_error, ''), "
    "ifnull(aggregate_id, 0) FROM updates";

// One statement's text from a shared head. (Not std::string(head) + tail:
// GCC 12 warns about that inlined here, falsely, with -Warray-bounds.)
std::string sql(std::string_view head, std::string_view tail) {
  std::string text;
  text.reserve(head.size() + tail.size());
  text.append(head).append(tail);
  return text;
}

UpdateRow row_from(SQLite::Statement& q) {
  UpdateRow u;
  u.id = q.getColumn(0).getInt64();
  u.response_id = q.getColumn(1).getInt64();
  u.target_plugin = q.getColumn(2).getString();
  u.target = q.getColumn(3).getString();
  u.kind = q.getColumn(4).getString();
  u.state = update_state_of(q.getColumn(5).getString());
  u.body = q.getColumn(6).getString();
  u.attempts = q.getColumn(7).getInt();
  u.next_attempt_ms = q.getColumn(8).getInt64();
  u.idempotency_key = q.getColumn(9).getString();
  u.remote_id = q.getColumn(10).getString();
  u.last_error = q.getColumn(11).getString();
  u.aggregate_id = q.getColumn(12).getInt64();
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
  insert.bind(5, to_text(u.state));
  insert.bind(6, u.body);
  insert.bind(7, static_cast<int64_t>(u.next_attempt_ms));
  insert.bind(8, u.idempotency_key);
  insert.bind(9, static_cast<int64_t>(now_ms));
  insert.bind(10, static_cast<int64_t>(now_ms));
  int changed = insert.exec();
  insert.reset();
  return changed;
}

// An answer's line in its day's comment: its text, then its time and status
// (a comment of one answer reads as in `each` mode: the tracker adds those).
std::string part_line(const nlohmann::json& b) {
  std::string text = b.contains("text") && b["text"].is_string() ? b["text"].get<std::string>() : "";
  std::string line = "- " + (text.empty() ? std::string("Worked on this.") : text);
  std::string meta;
  if (b.contains("minutes") && b["minutes"].is_number()) meta = std::to_string(b["minutes"].get<int64_t>()) + " min";
  if (b.contains("status") && b["status"].is_string())
    meta += (meta.empty() ? "" : ", ") + b["status"].get<std::string>();
  return meta.empty() ? line : line + " (" + meta + ")";
}

// Several parts in one body: the day's answers in order, one line each,
// their commits once each.
nlohmann::json merge_parts(const std::vector<nlohmann::json>& bodies) {
  using nlohmann::json;
  json out = {{"minutes", nullptr}, {"status", nullptr}, {"commits", json::array()}};
  std::string text;
  std::set<std::string> seen;
  for (const auto& b : bodies) {
    text += (text.empty() ? "" : "\n") + part_line(b);
    if (!out.contains("repo") || out["repo"].is_null() || out["repo"] == "") out["repo"] = b.value("repo", json(nullptr));
    if (!out.contains("answered_at_ms")) out["answered_at_ms"] = b.value("answered_at_ms", json(nullptr));
    if (b.contains("commits") && b["commits"].is_array())
      for (const auto& c : b["commits"])
        if (c.is_object() && seen.insert(c.value("commit", "")).second) out["commits"].push_back(c);
  }
  out["text"] = text;
  return out;
}

// A whole number field of a body, else `fallback`.
int64_t int_field(const nlohmann::json& b, const char* name, int64_t fallback) {
  return b.contains(name) && b[name].is_number_integer() ? b[name].get<int64_t>() : fallback;
}

// The day's worklog on a ticket (end-of-day mode): the parts' minutes
// summed, then rounded once — by the rounding the newest part was planned
// with, so a change of tracker.round applies from the next answer on —
// and started where the day's first part began: its work's start when
// known, else its minutes back from its answer.
void add_worklog_total(const std::vector<nlohmann::json>& bodies, nlohmann::json& out) {
  constexpr int64_t kMaxMinutes = kMaxDuration.count() / 60;  // bounded at the edge; kept so here too
  int64_t raw = 0, start = INT64_MAX;
  MinuteRounding round;
  for (const auto& b : bodies) {
    int64_t minutes = std::clamp<int64_t>(int_field(b, "minutes", 0), 0, kMaxMinutes);
    raw += minutes;
    int64_t answered = int_field(b, "answered_at_ms", 0);
    int64_t began = int_field(b, "started_ms", answered ? answered - minutes * 60'000 : 0);
    if (began) start = std::min(start, began);
    round = {};
    if (b.contains("round") && b["round"].is_string()) parse_rounding(b["round"].get<std::string>(), "round", &round);
  }
  out.erase("round");
  out["raw_minutes"] = raw;
  out["minutes"] = round_minutes(raw, round);
  out["started_ms"] = start == INT64_MAX ? nlohmann::json(nullptr) : nlohmann::json(start);
}

// The aggregate's body from its parts (in answer order): one part's body as
// it is, several merged; a worklog gets the day's total.
std::string render_aggregate(const std::vector<UpdateRow>& parts) {
  using nlohmann::json;
  std::vector<json> bodies;
  for (const auto& p : parts) {
    json b = json::parse(p.body, nullptr, false);
    bodies.push_back(b.is_object() ? b : json::object());
  }
  json out = bodies.size() == 1 ? bodies[0] : merge_parts(bodies);
  out["aggregate"] = true;
  if (!parts.empty() && parts[0].kind == "worklog") add_worklog_total(bodies, out);
  return out.dump();
}

int64_t row_rev(Store& store, int64_t id, const char* column) {
  SQLite::Statement q(store.db(), std::string("SELECT ") + column + " FROM updates WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

// Re-renders an aggregate from its parts and moves it on: a sent one with
// new text goes back to queued (amended), a held one is queued when a part
// was released, a sending one only grows its rev (mark_sent amends after).
void sync_aggregate(Store& store, int64_t agg_id, int64_t now_ms) {
  auto agg = get_update(store, agg_id);
  if (!agg) return;
  auto parts = parts_of(store, agg_id);
  UpdateState state = agg->state;
  int64_t next = agg->next_attempt_ms;
  bool queued_part = false;
  int64_t part_next = 0;
  for (const auto& p : parts)
    if (p.state == UpdateState::kQueued) {
      queued_part = true;
      part_next = std::max(part_next, p.next_attempt_ms);
    }
  std::string body = parts.empty() ? agg->body : render_aggregate(parts);
  bool changed = body != agg->body;
  if (parts.empty()) {
    if (state != UpdateState::kSent && state != UpdateState::kSending) state = UpdateState::kDropped;
  } else if (state == UpdateState::kSending) {
    // The worker has the old text: the rev tells mark_sent to amend.
  } else if (state == UpdateState::kHeld) {
    if (queued_part) state = UpdateState::kQueued, next = part_next;
  } else if (state == UpdateState::kQueued) {
    if (queued_part) next = part_next;
  } else if (state == UpdateState::kSent && (changed || queued_part)) {  // amended
    state = UpdateState::kQueued;
    next = std::max(part_next, now_ms);
  } else if (state != UpdateState::kSent && queued_part) {  // failed, dropped, blocked: a new answer tries again
    state = UpdateState::kQueued;
    next = part_next;
  }
  if (!changed && state == agg->state && next == agg->next_attempt_ms) return;
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET body = ?, state = ?, next_attempt_ms = ?, updated_ms = ?, "
                      "rev = rev + (CASE WHEN body IS ? THEN 0 ELSE 1 END), "
                      // An amend is a new delivery: its retries are counted afresh.
                      "attempts = CASE WHEN state = 'sent' THEN 0 ELSE attempts END WHERE id = ?");
  q.bind(1, body);
  q.bind(2, to_text(state));
  q.bind(3, static_cast<int64_t>(next));
  q.bind(4, static_cast<int64_t>(now_ms));
  q.bind(5, body);
  q.bind(6, static_cast<int64_t>(agg_id));
  q.exec();
}

// The aggregate row of a part (made if new), "agg:<device>:<ticket>:<day>".
int64_t aggregate_for(Store& store, const UpdateRow& part, int64_t now_ms) {
  UpdateRow agg = part;
  agg.idempotency_key = "agg:" + device_id(store) + ":" + part.aggregate;
  agg.body = "{}";
  SQLite::Statement insert(store.db(), sql(kInsert, "DO NOTHING"));
  insert_row(insert, agg, 0, now_ms);
  SQLite::Statement q(store.db(), "SELECT id FROM updates WHERE idempotency_key = ?");
  q.bind(1, agg.idempotency_key);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

void set_aggregate(Store& store, const std::string& part_key, int64_t agg_id) {
  SQLite::Statement q(store.db(), "UPDATE updates SET aggregate_id = ? WHERE idempotency_key = ?");
  q.bind(1, static_cast<int64_t>(agg_id));
  q.bind(2, part_key);
  q.exec();
}

// The aggregates the rows of a response are part of.
std::set<int64_t> aggregates_of_response(Store& store, int64_t response_id) {
  SQLite::Statement q(store.db(),
                      "SELECT DISTINCT aggregate_id FROM updates WHERE response_id = ? AND aggregate_id IS NOT NULL");
  q.bind(1, static_cast<int64_t>(response_id));
  std::set<int64_t> out;
  while (q.executeStep()) out.insert(q.getColumn(0).getInt64());
  return out;
}

// After a part changed: its aggregate follows.
void sync_aggregate_of(Store& store, int64_t part_id, int64_t now_ms) {
  SQLite::Statement q(store.db(), "SELECT ifnull(aggregate_id, 0) FROM updates WHERE id = ?");
  q.bind(1, static_cast<int64_t>(part_id));
  if (!q.executeStep()) return;
  int64_t agg = q.getColumn(0).getInt64();
  q.reset();
  if (agg) sync_aggregate(store, agg, now_ms);
}

// A day's comment carries its parts: dropping it drops the answers not yet
// sent (marked, so that retrying it brings back those, and not the ones a
// summary edit removed); queuing it again brings them back.
void carry_parts(Store& store, int64_t agg_id, UpdateState state, int64_t now_ms) {
  const std::string mark = "dropped with update " + std::to_string(agg_id);
  SQLite::Statement q(store.db(),
                      state == UpdateState::kDropped
                          ? "UPDATE updates SET state = 'dropped', last_error = ?1, updated_ms = ?2 "
                            "WHERE aggregate_id = ?3 AND state NOT IN ('sent', 'dropped')"
                          : "UPDATE updates SET state = 'queued', last_error = NULL, updated_ms = ?2, "
                            "next_attempt_ms = ?2 WHERE aggregate_id = ?3 AND state = 'dropped' AND last_error = ?1");
  q.bind(1, mark);
  q.bind(2, static_cast<int64_t>(now_ms));
  q.bind(3, static_cast<int64_t>(agg_id));
  if (q.exec() > 0 && state == UpdateState::kQueued) sync_aggregate(store, agg_id, now_ms);
}

}  // namespace

std::string device_id(Store& store) {
  if (auto id = store.kv_get("devtrack", "device_id"); id && !id->empty()) return *id;
  std::random_device random;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
  // INSERT OR IGNORE: a process that made one first wins; everyone reads it.
  SQLite::Statement q(store.db(), "INSERT OR IGNORE INTO plugin_kv (plugin, key, value) VALUES ('devtrack', 'device_id', ?)");
  q.bind(1, std::string(hex));
  q.exec();
  return store.kv_get("devtrack", "device_id").value_or(hex);
}

std::vector<UpdateRow> parts_of(Store& store, int64_t aggregate_id) {
  SQLite::Statement q(store.db(), sql(kColumns,
                                      " WHERE aggregate_id = ? AND state != 'dropped' ORDER BY response_id, id"));
  q.bind(1, static_cast<int64_t>(aggregate_id));
  return rows(q);
}

void store_parse_and_updates(Store& store, int64_t response_id, const std::string& parsed_json,
                             const std::vector<UpdateRow>& updates, int64_t now_ms) {
  SQLite::Transaction tx(store.db());
  SQLite::Statement parsed(store.db(), "UPDATE responses SET parsed = ? WHERE id = ?");
  parsed.bind(1, parsed_json);
  parsed.bind(2, static_cast<int64_t>(response_id));
  parsed.exec();
  // A correction may move the answer out of an aggregate: re-render those too.
  std::set<int64_t> aggregates = aggregates_of_response(store, response_id);
  SQLite::Statement drop(store.db(),
                         "DELETE FROM updates WHERE response_id = ? AND state IN ('held', 'queued', 'failed', "
                         "'blocked', 'dropped')");
  drop.bind(1, static_cast<int64_t>(response_id));
  drop.exec();
  SQLite::Statement insert(store.db(),
                           // A sent row whose content changed goes out again as an amend
                           // (it keeps its remote id).
                           sql(kInsert, "DO UPDATE SET "
                           "state = CASE WHEN state = 'sent' AND body IS NOT excluded.body THEN 'queued' ELSE state END, "
                           "next_attempt_ms = CASE WHEN state = 'sent' AND body IS NOT excluded.body "
                           "THEN excluded.next_attempt_ms ELSE next_attempt_ms END, "
                           "body = excluded.body, updated_ms = excluded.updated_ms"));
  for (const auto& u : updates) {
    insert_row(insert, u, response_id, now_ms);
    if (u.aggregate.empty()) continue;
    int64_t agg = aggregate_for(store, u, now_ms);
    set_aggregate(store, u.idempotency_key, agg);
    aggregates.insert(agg);
  }
  for (int64_t agg : aggregates) sync_aggregate(store, agg, now_ms);
  tx.commit();
}

bool queue_update(Store& store, const UpdateRow& u, int64_t now_ms) {
  SQLite::Statement insert(store.db(), sql(kInsert, "DO NOTHING"));
  return insert_row(insert, u, u.response_id, now_ms) == 1;
}

namespace {

void revise_update(Store& store, int64_t id, const std::string& body, UpdateState state, int64_t next_ms,
                   int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET body = ?, state = ?, next_attempt_ms = ?, updated_ms = ? WHERE id = ?");
  q.bind(1, body);
  q.bind(2, to_text(state));
  q.bind(3, static_cast<int64_t>(next_ms));
  q.bind(4, static_cast<int64_t>(now_ms));
  q.bind(5, static_cast<int64_t>(id));
  q.exec();
  sync_aggregate_of(store, id, now_ms);
}

}  // namespace

bool is_unsent(UpdateState state) {
  return state != UpdateState::kSent && state != UpdateState::kSending && state != UpdateState::kDropped;
}

bool apply_summary_revision(Store& store, const UpdateRow& u, const SummaryRevision& r, int64_t now_ms) {
  UpdateState state = u.state;
  std::string body = r.body.value_or(u.body);
  int64_t next = u.next_attempt_ms;
  if (r.edited) {
    if (state == UpdateState::kSent) state = UpdateState::kQueued;  // keeps its remote id: amended
    if (state == UpdateState::kQueued) next = now_ms;
  }
  bool released = false;
  if (r.release && state == UpdateState::kHeld) {
    state = UpdateState::kQueued;
    next = now_ms;
    released = true;
  } else if (r.release && state == UpdateState::kQueued) {
    next = now_ms;
  }
  if (state != u.state || body != u.body || next != u.next_attempt_ms) revise_update(store, u.id, body, state, next, now_ms);
  return released;
}

bool drop_unless_sent(Store& store, const UpdateRow& u, int64_t now_ms) {
  if (!is_unsent(u.state)) return false;
  mark_state(store, u.id, UpdateState::kDropped, "", now_ms);
  return true;
}

std::vector<UpdateRow> updates_of_response(Store& store, int64_t response_id) {
  static const std::string text = sql(kColumns, " WHERE response_id = ? ORDER BY id");
  auto q = store.cached_statement(text);  // once per answer of a day's summary
  q->bind(1, static_cast<int64_t>(response_id));
  return rows(*q);
}

std::map<UpdateState, int64_t> count_updates_by_state(Store& store) {
  SQLite::Statement q(store.db(), "SELECT state, count(*) FROM updates WHERE aggregate_id IS NULL GROUP BY state");
  std::map<UpdateState, int64_t> out;
  while (q.executeStep()) out[update_state_of(q.getColumn(0).getString())] = q.getColumn(1).getInt64();
  return out;
}

std::vector<std::string> blocked_plugins(Store& store) {
  SQLite::Statement q(store.db(), "SELECT DISTINCT target_plugin FROM updates WHERE state = 'blocked' ORDER BY 1");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<UpdateRow> list_updates(Store& store, int limit) {
  // An answer's part of a day's comment is not listed: its aggregate is
  // what is posted (its text holds every answer of the day).
  SQLite::Statement q(store.db(), sql(kColumns, " WHERE aggregate_id IS NULL ORDER BY id DESC LIMIT ?"));
  q.bind(1, limit);
  auto out = rows(q);
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<UpdateRow> get_update(Store& store, int64_t id) {
  SQLite::Statement q(store.db(), sql(kColumns, " WHERE id = ?"));
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return row_from(q);
}

// Per ticket, only the oldest unsent row may go: updates to one ticket
// arrive in order. A row waiting behind an older one is not due yet (the
// older one's result reschedules), so a timer never spins on it.
constexpr const char* kFirstOfTicket =
    "NOT EXISTS (SELECT 1 FROM updates o WHERE o.target_plugin = u.target_plugin AND o.target = u.target AND "
    "o.id < u.id AND o.state IN ('queued', 'sending') AND o.aggregate_id IS NULL)";

int64_t next_due_ms(Store& store) {
  SQLite::Statement q(store.db(), std::string("SELECT ifnull(min(next_attempt_ms), 0) FROM updates u WHERE state = "
                                              "'queued' AND aggregate_id IS NULL AND ") + kFirstOfTicket);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::vector<UpdateRow> due_updates(Store& store, int64_t now_ms, int limit) {
  // The bodies read here are the ones the worker gets: their rev is
  // recorded with them, so a change made after is amended (mark_sent).
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(store.db(), sql(kColumns,
                                      " u WHERE state = 'queued' AND aggregate_id IS NULL AND next_attempt_ms <= ? AND ") +
                                      kFirstOfTicket + " ORDER BY id LIMIT ?");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, limit);
  auto out = rows(q);
  SQLite::Statement handed(store.db(), "UPDATE updates SET handed_rev = rev WHERE id = ? AND handed_rev != rev");
  for (const auto& u : out) {
    handed.bind(1, static_cast<int64_t>(u.id));
    handed.exec();
    handed.reset();
  }
  tx.commit();
  return out;
}

void mark_sending(Store& store, int64_t id, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = 'sending', attempts = attempts + 1, updated_ms = ? WHERE id = ?");
  q.bind(1, static_cast<int64_t>(now_ms));
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

void mark_sent(Store& store, int64_t id, const std::string& remote_id, int64_t now_ms) {
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  // Answers that arrived while it was being sent are not in the post yet:
  // queued again, due now, with its remote id (the worker amends).
  bool dirty = row_rev(store, id, "rev") > row_rev(store, id, "handed_rev");
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = ?1, remote_id = ?2, last_error = NULL, updated_ms = ?3, "
                      "next_attempt_ms = CASE WHEN ?1 = 'queued' THEN ?3 ELSE next_attempt_ms END, "
                      "attempts = CASE WHEN ?1 = 'queued' THEN 0 ELSE attempts END WHERE id = ?4");
  q.bind(1, to_text(dirty ? UpdateState::kQueued : UpdateState::kSent));
  q.bind(2, remote_id);
  q.bind(3, static_cast<int64_t>(now_ms));
  q.bind(4, static_cast<int64_t>(id));
  q.exec();
  if (!dirty) {  // every part is in the comment as posted
    SQLite::Statement parts(store.db(),
                            "UPDATE updates SET state = 'sent', remote_id = ?, last_error = NULL, updated_ms = ? "
                            "WHERE aggregate_id = ? AND state IN ('queued', 'failed', 'blocked')");
    parts.bind(1, remote_id);
    parts.bind(2, static_cast<int64_t>(now_ms));
    parts.bind(3, static_cast<int64_t>(id));
    parts.exec();
  }
  tx.commit();
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

void mark_state(Store& store, int64_t id, UpdateState state, const std::string& error, int64_t now_ms) {
  SQLite::Statement q(store.db(),
                      "UPDATE updates SET state = ?, last_error = NULLIF(?, ''), updated_ms = ?, "
                      "next_attempt_ms = CASE WHEN ? = 'queued' THEN ? ELSE next_attempt_ms END WHERE id = ?");
  q.bind(1, to_text(state));
  q.bind(2, error);
  q.bind(3, static_cast<int64_t>(now_ms));
  q.bind(4, to_text(state));
  q.bind(5, static_cast<int64_t>(now_ms));
  q.bind(6, static_cast<int64_t>(id));
  q.exec();
  if (state == UpdateState::kDropped || state == UpdateState::kQueued) carry_parts(store, id, state, now_ms);
  sync_aggregate_of(store, id, now_ms);
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

namespace {

// The state letter and start time (clock ticks after boot) of a process,
// from /proc/PID/stat; false if there is no such process.
bool process_stat(long pid, char* state, std::string* start) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t end = line.rfind(')');  // the command name may hold spaces and parentheses
  if (end == std::string::npos) return false;
  std::istringstream fields(line.substr(end + 1));
  std::string field;
  // Fields after the name: 3 is the state, 22 the start time.
  for (int n = 3; n <= 22 && fields >> field; ++n) {
    if (n == 3) *state = field.empty() ? '?' : field[0];
    if (n == 22) *start = field;
  }
  return !start->empty();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

namespace {
// Appended to the holder once its create request may be at the server.
constexpr std::string_view kPostingMark = "#posting";
}  // namespace

std::string lease_holder_self() {
  static const std::string self = [] {
    char state = '?';
    std::string start;
    process_stat(::getpid(), &state, &start);
    return std::to_string(::getpid()) + ":" + start;
  }();
  return self;
}

bool lease_holder_alive(const std::string& holder) {
  size_t colon = holder.find(':');
  if (colon == std::string::npos) return false;
  char state = '?';
  std::string start;
  if (!process_stat(std::atol(holder.c_str()), &state, &start)) return false;
  // A zombie (killed, not yet reaped) sends nothing any more.
  return state != 'Z' && state != 'X' && start == holder.substr(colon + 1);
}

LeaseTry try_lease(Store& store, int64_t id, const std::string& holder, int64_t now_ms, int64_t until_ms) {
  SQLite::Statement read(store.db(), "SELECT state, ifnull(lease_owner, ''), lease_until_ms FROM updates WHERE id = ?");
  read.bind(1, static_cast<int64_t>(id));
  if (!read.executeStep() || update_state_of(read.getColumn(0).getString()) != UpdateState::kSending) return {};
  std::string owner = read.getColumn(1).getString();
  int64_t owner_until = read.getColumn(2).getInt64();
  read.reset();  // ends the read transaction: WAL cannot upgrade it to a write
  // A holder that died after its request went out keeps the lease until it
  // runs out: the request may still land, and a find() now would miss it.
  bool posting = std::string_view(owner).ends_with(kPostingMark);
  std::string process = posting ? owner.substr(0, owner.size() - kPostingMark.size()) : owner;
  bool free = owner.empty() || process == holder || owner_until <= now_ms || (!posting && !lease_holder_alive(owner));
  if (!free) return {LeaseTry::kBusy, owner, owner_until};
  // Compare and set: only if nobody changed the lease since it was read.
  SQLite::Statement take(store.db(),
                         "UPDATE updates SET lease_owner = ?, lease_until_ms = ? WHERE id = ? AND state = 'sending' "
                         "AND ifnull(lease_owner, '') = ? AND lease_until_ms = ?");
  take.bind(1, holder);
  take.bind(2, static_cast<int64_t>(until_ms));
  take.bind(3, static_cast<int64_t>(id));
  take.bind(4, owner);
  take.bind(5, static_cast<int64_t>(owner_until));
  if (take.exec() != 1) return try_lease(store, id, holder, now_ms, until_ms);  // lost a race: look again
  return {LeaseTry::kTaken, owner == holder ? "" : owner, until_ms};
}

bool mark_posting(Store& store, int64_t id, const std::string& holder, int64_t until_ms) {
  SQLite::Statement q(store.db(), "UPDATE updates SET lease_owner = ?, lease_until_ms = ? WHERE id = ? AND lease_owner = ?");
  q.bind(1, holder + std::string(kPostingMark));
  q.bind(2, static_cast<int64_t>(until_ms));
  q.bind(3, static_cast<int64_t>(id));
  q.bind(4, holder);
  return q.exec() == 1;
}

bool renew_lease(Store& store, int64_t id, const std::string& holder, int64_t until_ms) {
  SQLite::Statement q(store.db(), "UPDATE updates SET lease_until_ms = ? WHERE id = ? AND lease_owner = ?");
  q.bind(1, static_cast<int64_t>(until_ms));
  q.bind(2, static_cast<int64_t>(id));
  q.bind(3, holder);
  return q.exec() == 1;
}

void release_lease(Store& store, int64_t id, const std::string& holder) {
  SQLite::Statement q(store.db(), "UPDATE updates SET lease_until_ms = 0 WHERE id = ? AND lease_owner = ?");
  q.bind(1, static_cast<int64_t>(id));
  q.bind(2, holder);
  q.exec();
}

SendLease::SendLease(Store& store, int64_t id, int64_t lease_ms)
    : store_(store), id_(id), lease_ms_(lease_ms), self_(lease_holder_self()) {
  // A live holder gives its lease up when its request is done, or it runs
  // out: wait for either (polling: the holder is another process), for at
  // most one lease length plus the one it may have renewed.
  int64_t deadline = wall_ms() + 2 * lease_ms_;
  while (true) {
    int64_t now = wall_ms();
    LeaseTry t = try_lease(store_, id_, self_, now, now + lease_ms_);
    outcome_ = t.outcome;
    if (t.outcome == LeaseTry::kTaken) previous_ = t.holder;
    busy_until_ = t.outcome == LeaseTry::kBusy ? t.until_ms : 0;
    if (t.outcome != LeaseTry::kBusy || now >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

SendLease::~SendLease() {
  // Released when the delivery ends, whatever it did: the post has an
  // answer by now (a timed-out one is retried after a backoff, find()
  // first). Only a holder that dies mid-post leaves its lease to run out.
  if (!held()) return;
  try {
    release_lease(store_, id_, self_);
  } catch (const std::exception&) {
    // It expires by itself.
  }
}

bool SendLease::renew() { return held() && renew_lease(store_, id_, self_, wall_ms() + lease_ms_); }

bool SendLease::start_posting() {
  return held() && mark_posting(store_, id_, self_, wall_ms() + lease_ms_);
}

}  // namespace devtrack
