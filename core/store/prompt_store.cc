#include "store/prompt_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/store.h"

#include <cstdio>

namespace devtrack {

namespace {

constexpr const char* kPromptColumns =
    "SELECT id, kind, state, ifnull(repo, ''), ifnull(branch, ''), ifnull(suggestion, ''), ifnull(due_ms, 0), "
    "created_ms, updated_ms FROM prompts";

PromptRow prompt_from(SQLite::Statement& q) {
  PromptRow p;
  p.id = q.getColumn(0).getInt64();
  p.kind = q.getColumn(1).getString();
  p.state = prompt_state_of(q.getColumn(2).getString());
  p.repo = q.getColumn(3).getString();
  p.branch = q.getColumn(4).getString();
  p.suggestion = q.getColumn(5).getString();
  p.due_ms = q.getColumn(6).getInt64();
  p.created_ms = q.getColumn(7).getInt64();
  p.updated_ms = q.getColumn(8).getInt64();
  return p;
}

constexpr const char* kResponseColumns =
    "SELECT id, ifnull(prompt_id, 0), state, at_ms, ifnull(raw_text, ''), ifnull(parsed, ''), "
    "ifnull((SELECT device FROM prompts WHERE prompts.id = prompt_id), '') FROM responses";

ResponseRow response_from(SQLite::Statement& q) {
  return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), prompt_state_of(q.getColumn(2).getString()),
          q.getColumn(3).getInt64(), q.getColumn(4).getString(), q.getColumn(5).getString(),
          q.getColumn(6).getString()};
}

}  // namespace

std::optional<PromptRow> open_prompt(Store& store, const std::string& repo) {
  SQLite::Statement q(store.db(), std::string(kPromptColumns) +
                                      " WHERE state = 'pending' AND ifnull(repo, '') = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, repo);
  if (!q.executeStep()) return std::nullopt;
  return prompt_from(q);
}

int64_t create_prompt(Store& store, const PromptRow& p, int64_t trigger_id) {
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(store.db(),
                      "INSERT INTO prompts (kind, state, repo, branch, suggestion, created_ms, updated_ms) "
                      "VALUES (?, 'pending', NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?)");
  q.bind(1, p.kind);
  q.bind(2, p.repo);
  q.bind(3, p.branch);
  q.bind(4, p.suggestion);
  q.bind(5, static_cast<int64_t>(p.created_ms));
  q.bind(6, static_cast<int64_t>(p.created_ms));
  q.exec();
  int64_t id = store.db().getLastInsertRowid();
  if (trigger_id) attach_trigger(store, trigger_id, id);
  tx.commit();
  return id;
}

void attach_trigger(Store& store, int64_t trigger_id, int64_t prompt_id) {
  SQLite::Statement q(store.db(), "UPDATE triggers SET prompt_id = ? WHERE id = ?");
  q.bind(1, static_cast<int64_t>(prompt_id));
  q.bind(2, static_cast<int64_t>(trigger_id));
  q.exec();
}

std::optional<PromptRow> get_prompt(Store& store, int64_t id) {
  SQLite::Statement q(store.db(), std::string(kPromptColumns) + " WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return prompt_from(q);
}

std::optional<PromptRow> prompt_of_trigger(Store& store, int64_t trigger_id) {
  SQLite::Statement q(store.db(), std::string(kPromptColumns) + " WHERE id = (SELECT prompt_id FROM triggers WHERE id = ?)");
  q.bind(1, static_cast<int64_t>(trigger_id));
  if (!q.executeStep()) return std::nullopt;
  return prompt_from(q);
}

void set_suggestion(Store& store, int64_t prompt_id, const std::string& ticket_json) {
  SQLite::Statement q(store.db(), "UPDATE prompts SET suggestion = NULLIF(?, '') WHERE id = ?");
  q.bind(1, ticket_json);
  q.bind(2, static_cast<int64_t>(prompt_id));
  q.exec();
}

std::vector<PromptRow> unanswered_prompts(Store& store, int limit) {
  SQLite::Statement q(store.db(), std::string(kPromptColumns) +
                                      " WHERE state IN ('pending', 'deferred', 'expired', 'skipped') "
                                      "ORDER BY state = 'skipped', created_ms, id LIMIT ?");
  q.bind(1, limit);
  std::vector<PromptRow> out;
  while (q.executeStep()) out.push_back(prompt_from(q));
  return out;
}

std::vector<PromptRow> prompts_in_state(Store& store, PromptState state) {
  SQLite::Statement q(store.db(), std::string(kPromptColumns) + " WHERE state = ? ORDER BY id");
  q.bind(1, to_text(state));
  std::vector<PromptRow> out;
  while (q.executeStep()) out.push_back(prompt_from(q));
  return out;
}

int64_t record_response(Store& store, int64_t prompt_id, PromptState state, const std::string& raw_text,
                        int64_t now_ms, int64_t due_ms) {
  SQLite::Transaction tx(store.db());
  SQLite::Statement r(store.db(),
                      "INSERT INTO responses (prompt_id, trigger_id, state, at_ms, raw_text) VALUES "
                      "(?, (SELECT min(id) FROM triggers WHERE prompt_id = ?), ?, ?, ?)");
  r.bind(1, static_cast<int64_t>(prompt_id));
  r.bind(2, static_cast<int64_t>(prompt_id));
  r.bind(3, to_text(state));
  r.bind(4, static_cast<int64_t>(now_ms));
  if (state == PromptState::kAnswered) r.bind(5, raw_text);
  else r.bind(5);
  r.exec();
  int64_t id = store.db().getLastInsertRowid();
  SQLite::Statement p(store.db(), "UPDATE prompts SET state = ?, due_ms = NULLIF(?, 0), updated_ms = ? WHERE id = ?");
  p.bind(1, to_text(state));
  p.bind(2, static_cast<int64_t>(due_ms));
  p.bind(3, static_cast<int64_t>(now_ms));
  p.bind(4, static_cast<int64_t>(prompt_id));
  p.exec();
  tx.commit();
  return id;
}

void correct_response(Store& store, int64_t response_id, const std::string& raw_text, int64_t now_ms) {
  SQLite::Statement q(store.db(), "UPDATE responses SET raw_text = ?, parsed = NULL, at_ms = ? WHERE id = ?");
  q.bind(1, raw_text);
  q.bind(2, static_cast<int64_t>(now_ms));
  q.bind(3, static_cast<int64_t>(response_id));
  q.exec();
}

void set_parsed(Store& store, int64_t response_id, const std::string& parsed_json) {
  SQLite::Statement q(store.db(), "UPDATE responses SET parsed = ? WHERE id = ?");
  q.bind(1, parsed_json);
  q.bind(2, static_cast<int64_t>(response_id));
  q.exec();
}

void set_prompt_state(Store& store, int64_t prompt_id, PromptState state, int64_t now_ms) {
  SQLite::Statement q(store.db(), "UPDATE prompts SET state = ?, updated_ms = ? WHERE id = ?");
  q.bind(1, to_text(state));
  q.bind(2, static_cast<int64_t>(now_ms));
  q.bind(3, static_cast<int64_t>(prompt_id));
  q.exec();
}

std::optional<ResponseRow> latest_response(Store& store, int64_t prompt_id) {
  SQLite::Statement q(store.db(), std::string(kResponseColumns) + " WHERE prompt_id = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, static_cast<int64_t>(prompt_id));
  if (!q.executeStep()) return std::nullopt;
  return response_from(q);
}

std::vector<ResponseRow> final_responses(Store& store, int64_t from_ms, int64_t to_ms) {
  SQLite::Statement q(store.db(), std::string(kResponseColumns) +
                                      " r WHERE at_ms >= ? AND at_ms < ? AND state IN ('answered', 'skipped', "
                                      "'expired') AND id = (SELECT max(id) FROM responses x WHERE x.prompt_id = "
                                      "r.prompt_id) ORDER BY at_ms, id");
  q.bind(1, static_cast<int64_t>(from_ms));
  q.bind(2, static_cast<int64_t>(to_ms));
  std::vector<ResponseRow> out;
  while (q.executeStep()) out.push_back(response_from(q));
  return out;
}

std::optional<ResponseRow> response_for_trigger(Store& store, int64_t trigger_id) {
  SQLite::Statement q(store.db(), std::string(kResponseColumns) +
                                      " WHERE prompt_id = (SELECT prompt_id FROM triggers WHERE id = ?) "
                                      "ORDER BY id DESC LIMIT 1");
  q.bind(1, static_cast<int64_t>(trigger_id));
  if (!q.executeStep()) return std::nullopt;
  return response_from(q);
}

std::vector<ResponseRow> unparsed_answers(Store& store) {
  SQLite::Statement q(store.db(), std::string(kResponseColumns) +
                                      " WHERE state = 'answered' AND parsed IS NULL ORDER BY id LIMIT 500");
  std::vector<ResponseRow> out;
  while (q.executeStep()) out.push_back(response_from(q));
  return out;
}

std::string recent_tickets(Store& store, const std::string& repo, const std::string& branch) {
  // Same branch first, then anything on the repository.
  SQLite::Statement q(store.db(),
                      "SELECT json_extract(r.parsed, '$.tickets') FROM responses r JOIN prompts p ON p.id = r.prompt_id "
                      "WHERE r.state = 'answered' AND r.parsed IS NOT NULL AND p.repo = ? "
                      "AND json_array_length(json_extract(r.parsed, '$.tickets')) > 0 "
                      "ORDER BY (ifnull(p.branch, '') = ?) DESC, r.id DESC LIMIT 1");
  q.bind(1, repo);
  q.bind(2, branch);
  if (!q.executeStep()) return "";
  return q.getColumn(0).getString();
}

std::string known_tickets(Store& store, int limit) {
  SQLite::Statement q(store.db(),
                      "SELECT json_group_array(json(t.value)) FROM (SELECT parsed FROM responses WHERE state = "
                      "'answered' AND parsed IS NOT NULL ORDER BY id DESC LIMIT ?) r, "
                      "json_each(json_extract(r.parsed, '$.tickets')) t");
  q.bind(1, limit);
  if (!q.executeStep() || q.getColumn(0).isNull()) return "[]";
  return q.getColumn(0).getString();
}

void update_pending_marker(Store& store, const std::string& home) {
  SQLite::Statement q(store.db(), "SELECT count(*) FROM prompts WHERE state IN ('pending', 'expired')");
  q.executeStep();
  int64_t n = q.getColumn(0).getInt64();
  std::string path = home + "/pending";
  if (n == 0) {
    std::remove(path.c_str());
    return;
  }
  if (FILE* f = std::fopen((path + ".tmp").c_str(), "w")) {
    std::fprintf(f, "%lld\n", static_cast<long long>(n));
    std::fclose(f);
    std::rename((path + ".tmp").c_str(), path.c_str());
  }
}

}  // namespace devtrack
