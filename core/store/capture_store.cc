#include "store/capture_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace devtrack {

namespace {

Repo repo_from(SQLite::Statement& q) {
  Repo r;
  r.id = q.getColumn(0).getInt64();
  r.path = q.getColumn(1).getString();
  r.git_dir = q.getColumn(2).getString();
  r.hooks_dir = q.getColumn(3).getString();
  r.last_commit = q.getColumn(4).getString();
  r.added_ms = q.getColumn(5).getInt64();
  return r;
}

constexpr const char* kRepoColumns = "SELECT id, path, ifnull(git_dir, ''), ifnull(hooks_dir, ''), "
                                     "ifnull(last_commit, ''), added_ms FROM repos";

TriggerRow trigger_from(SQLite::Statement& q) {
  TriggerRow t;
  t.id = q.getColumn(0).getInt64();
  t.kind = q.getColumn(1).getString();
  t.at_ms = q.getColumn(2).getInt64();
  t.repo = q.getColumn(3).getString();
  t.branch = q.getColumn(4).getString();
  t.commit = q.getColumn(5).getString();
  t.has_details = !q.getColumn(6).isNull();
  t.details = q.getColumn(6).getString();
  return t;
}

constexpr const char* kTriggerColumns =
    "SELECT id, kind, at_ms, ifnull(repo, ''), ifnull(branch, ''), ifnull(commit_id, ''), details FROM triggers";

}  // namespace

std::vector<Repo> list_repos(Store& store) {
  SQLite::Statement q(store.db(), std::string(kRepoColumns) + " ORDER BY path");
  std::vector<Repo> repos;
  while (q.executeStep()) repos.push_back(repo_from(q));
  return repos;
}

std::optional<Repo> find_repo(Store& store, const std::string& path) {
  SQLite::Statement q(store.db(), std::string(kRepoColumns) + " WHERE path = ?");
  q.bind(1, path);
  if (!q.executeStep()) return std::nullopt;
  return repo_from(q);
}

int64_t save_repo(Store& store, const Repo& repo) {
  SQLite::Statement q(store.db(),
                      "INSERT INTO repos (path, git_dir, hooks_dir, added_ms) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (path) DO UPDATE SET git_dir = excluded.git_dir, hooks_dir = excluded.hooks_dir");
  q.bind(1, repo.path);
  q.bind(2, repo.git_dir);
  q.bind(3, repo.hooks_dir);
  q.bind(4, static_cast<int64_t>(repo.added_ms));
  q.exec();
  return find_repo(store, repo.path)->id;
}

bool remove_repo(Store& store, const std::string& path) {
  SQLite::Statement q(store.db(), "DELETE FROM repos WHERE path = ?");
  q.bind(1, path);
  return q.exec() > 0;
}

void set_last_commit(Store& store, int64_t repo_id, const std::string& commit) {
  // Only when it changed: an UPDATE is a synced write even when it changes nothing.
  SQLite::Statement q(store.db(), "UPDATE repos SET last_commit = ? WHERE id = ? AND last_commit IS NOT ?");
  q.bind(1, commit);
  q.bind(2, static_cast<int64_t>(repo_id));
  q.bind(3, commit);
  q.exec();
}

bool commit_known(Store& store, const std::string& repo, const std::string& commit) {
  SQLite::Statement q(store.db(), "SELECT 1 FROM triggers WHERE repo = ? AND commit_id = ?");
  q.bind(1, repo);
  q.bind(2, commit);
  return q.executeStep();
}

int64_t record_commit(Store& store, const TriggerRow& t) {
  SQLite::Statement q(store.db(),
                      "INSERT INTO triggers (kind, at_ms, repo, branch, commit_id, details) "
                      "VALUES ('commit', ?, ?, ?, ?, NULLIF(?, '')) ON CONFLICT (repo, commit_id) DO NOTHING");
  q.bind(1, static_cast<int64_t>(t.at_ms));
  q.bind(2, t.repo);
  q.bind(3, t.branch);
  q.bind(4, t.commit);
  q.bind(5, t.details);
  if (q.exec() == 0) return 0;
  return store.db().getLastInsertRowid();
}

int64_t record_repo_commit(Store& store, const TriggerRow& t, int64_t repo_id) {
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  int64_t id = record_commit(store, t);
  set_last_commit(store, repo_id, t.commit);
  tx.commit();
  return id;
}

int64_t record_trigger(Store& store, const TriggerRow& t) {
  SQLite::Statement q(store.db(),
                      "INSERT INTO triggers (kind, at_ms, repo, branch, details) VALUES (?, ?, NULLIF(?, ''), "
                      "NULLIF(?, ''), NULLIF(?, ''))");
  q.bind(1, t.kind);
  q.bind(2, static_cast<int64_t>(t.at_ms));
  q.bind(3, t.repo);
  q.bind(4, t.branch);
  q.bind(5, t.details);
  q.exec();
  return store.db().getLastInsertRowid();
}

void merge_details(Store& store, int64_t trigger_id, const std::string& details_json) {
  SQLite::Statement q(store.db(), "UPDATE triggers SET details = json_patch(ifnull(details, '{}'), ?) WHERE id = ?");
  q.bind(1, details_json);
  q.bind(2, static_cast<int64_t>(trigger_id));
  q.exec();
}

std::vector<TriggerRow> list_triggers(Store& store, const TriggerQuery& query) {
  std::string sql = std::string(kTriggerColumns) + " WHERE at_ms >= ?";
  if (!query.repo.empty()) sql += " AND repo = ?";
  sql += " ORDER BY at_ms DESC, id DESC LIMIT ?";
  SQLite::Statement q(store.db(), sql);
  int i = 1;
  q.bind(i++, static_cast<int64_t>(query.since_ms));
  if (!query.repo.empty()) q.bind(i++, query.repo);
  q.bind(i++, query.limit);
  std::vector<TriggerRow> rows;
  while (q.executeStep()) rows.push_back(trigger_from(q));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<TriggerRow> prompt_triggers(Store& store, int64_t prompt_id) {
  static const std::string text = std::string(kTriggerColumns) + " WHERE prompt_id = ? ORDER BY at_ms, id";
  auto q = store.cached_statement(text);  // once per answer of a day's summary
  q->bind(1, static_cast<int64_t>(prompt_id));
  std::vector<TriggerRow> rows;
  while (q->executeStep()) rows.push_back(trigger_from(*q));
  return rows;
}

std::vector<PromptCommit> prompt_commits(Store& store, int64_t prompt_id) {
  std::vector<PromptCommit> out;
  for (const auto& t : prompt_triggers(store, prompt_id)) {
    if (t.kind != "commit") continue;
    nlohmann::json d = nlohmann::json::parse(t.has_details ? t.details : "{}", nullptr, false);
    PromptCommit c{t.commit, "", ""};
    if (d.is_object()) {
      if (d.contains("summary") && d["summary"].is_string()) c.summary = d["summary"];
      if (d.contains("slug") && d["slug"].is_string()) c.slug = d["slug"];
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string commit_summary(Store& store, const std::string& commit) {
  SQLite::Statement q(store.db(),
                      "SELECT json_extract(details, '$.summary') FROM triggers "
                      "WHERE commit_id = ? AND kind = 'commit' AND json_valid(details) LIMIT 1");
  q.bind(1, commit);
  if (q.executeStep() && q.getColumn(0).isText()) return q.getColumn(0).getString();
  return "";
}

bool commit_details_pending(Store& store, const std::string& commit) {
  SQLite::Statement q(store.db(),
                      "SELECT 1 FROM triggers WHERE commit_id = ? AND kind = 'commit' AND (details IS NULL OR "
                      "json_extract(details, '$.message') IS NULL AND json_extract(details, '$.error') IS NULL) "
                      "LIMIT 1");
  q.bind(1, commit);
  return q.executeStep();
}

std::vector<TriggerRow> triggers_without_details(Store& store, int limit) {
  SQLite::Statement q(store.db(), std::string(kTriggerColumns) +
                                      " WHERE kind = 'commit' AND (details IS NULL OR json_extract(details, "
                                      "'$.message') IS NULL AND json_extract(details, '$.error') IS NULL) "
                                      "ORDER BY id DESC LIMIT ?");
  q.bind(1, limit);
  std::vector<TriggerRow> rows;
  while (q.executeStep()) rows.push_back(trigger_from(q));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<TriggerRow> triggers_without_prompt(Store& store, int64_t since_ms, int limit) {
  SQLite::Statement q(store.db(), std::string(kTriggerColumns) +
                                      " WHERE kind = 'commit' AND prompt_id IS NULL AND at_ms >= ? "
                                      "ORDER BY id LIMIT ?");
  q.bind(1, since_ms);
  q.bind(2, limit);
  std::vector<TriggerRow> rows;
  while (q.executeStep()) rows.push_back(trigger_from(q));
  return rows;
}

}  // namespace devtrack
