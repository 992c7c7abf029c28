#include "sync/records.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <devtrack/text.hpp>
#include <nlohmann/json.hpp>

#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "store/states.h"
#include "store/store.h"
#include "sync/hlc.h"
#include "sync/sync.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack {

namespace {

constexpr int kRecordVersion = 1;
// A trigger's details (a commit's files and message, a meeting's title)
// go as they are up to this size; beyond, only what names it.
constexpr size_t kMaxDetailsBytes = 64 * 1024;
constexpr size_t kMaxTextBytes = 1 << 20;

struct LocalPrompt {
  int64_t id = 0;
  std::string uuid, kind, repo, branch, suggestion, hlc, device;
  int64_t created_ms = 0, updated_ms = 0, sync_rev = 0, exported_rev = 0;
};

constexpr const char* kPromptSelect =
    "SELECT id, uuid, kind, ifnull(repo, ''), ifnull(branch, ''), ifnull(suggestion, ''), ifnull(hlc, ''), "
    "ifnull(device, ''), created_ms, updated_ms, sync_rev, exported_rev FROM prompts";

LocalPrompt prompt_from(SQLite::Statement& q) {
  LocalPrompt p;
  p.id = q.getColumn(0).getInt64();
  p.uuid = q.getColumn(1).getString();
  p.kind = q.getColumn(2).getString();
  p.repo = q.getColumn(3).getString();
  p.branch = q.getColumn(4).getString();
  p.suggestion = q.getColumn(5).getString();
  p.hlc = q.getColumn(6).getString();
  p.device = q.getColumn(7).getString();
  p.created_ms = q.getColumn(8).getInt64();
  p.updated_ms = q.getColumn(9).getInt64();
  p.sync_rev = q.getColumn(10).getInt64();
  p.exported_rev = q.getColumn(11).getInt64();
  return p;
}

json parsed_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

json triggers_json(Store& store, int64_t prompt_id) {
  json out = json::array();
  for (const auto& t : prompt_triggers(store, prompt_id)) {
    json details = parsed_or_null(t.has_details ? t.details : "");
    if (t.details.size() > kMaxDetailsBytes && details.is_object()) {
      json kept = json::object();
      for (const char* field : {"summary", "slug"})
        if (details.contains(field)) kept[field] = details[field];
      details = kept;
    }
    out.push_back({{"kind", t.kind}, {"at_ms", t.at_ms}, {"repo", t.repo}, {"branch", t.branch},
                   {"commit", t.commit}, {"details", details}});
  }
  return out;
}

// The record of prompt `p` with its final response, stamped `stamp`.
json record_json(Store& store, const LocalPrompt& p, const ResponseRow& r, const std::string& stamp,
                 const SyncDevice& me) {
  std::string device = p.device.empty() ? me.id : p.device;
  return {{"v", kRecordVersion},
          {"type", "answer"},
          {"id", p.uuid},
          {"device", device},
          {"hlc", stamp},
          {"prompt",
           {{"kind", p.kind}, {"repo", p.repo}, {"branch", p.branch}, {"suggestion", p.suggestion},
            {"created_ms", p.created_ms}}},
          {"triggers", triggers_json(store, p.id)},
          {"response",
           {{"state", to_text(r.state)}, {"at_ms", r.at_ms}, {"text", r.raw_text}, {"parsed", parsed_or_null(r.parsed)}}}};
}

std::vector<LocalPrompt> changed_prompts(Store& store) {
  SQLite::Statement q(store.db(), std::string(kPromptSelect) +
                                      " p WHERE sync_rev > exported_rev AND uuid IS NOT NULL AND EXISTS (SELECT 1 "
                                      "FROM responses r WHERE r.prompt_id = p.id AND r.state IN ('answered', "
                                      "'skipped', 'expired')) ORDER BY id LIMIT 5000");
  std::vector<LocalPrompt> out;
  while (q.executeStep()) out.push_back(prompt_from(q));
  return out;
}

}  // namespace

void claim_local_records(Store& store, const SyncDevice& me) {
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement claim(store.db(), "UPDATE prompts SET uuid = lower(hex(randomblob(16))), device = ? WHERE uuid IS NULL");
  claim.bind(1, me.id);
  claim.exec();
  SQLite::Statement name(store.db(),
                         "INSERT INTO sync_devices (id, name, last_seen_ms) VALUES (?, ?, 0) "
                         "ON CONFLICT (id) DO UPDATE SET name = excluded.name");
  name.bind(1, me.id);
  name.bind(2, me.name);
  name.exec();
  tx.commit();
}

namespace {

constexpr const char* kLearnedKv = "@learned";  // checkin/learning.cc's namespace

// The learned entries changed here since they were last sealed.
void export_learned(Store& store, const SyncDevice& me, SyncExport& out) {
  SQLite::Statement q(store.db(), "SELECT key, rev, ifnull(hlc, '') FROM sync_learned WHERE rev > exported_rev LIMIT 5000");
  while (q.executeStep()) {
    std::string key = q.getColumn(0).getString();
    auto value = store.kv_get(kLearnedKv, key);
    json parsed = value ? json::parse(*value, nullptr, false) : json(nullptr);
    if (parsed.is_discarded()) continue;
    int64_t at = parsed.is_object() ? parsed.value("at_ms", int64_t{0}) : 0;
    std::string stamp = next_stamp(q.getColumn(2).getString(), at, me.id).text();
    json record = {{"v", kRecordVersion}, {"type", "learned"}, {"key", key}, {"value", parsed},
                   {"device", me.id}, {"hlc", stamp}};
    out.lines += record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    out.records++;
    out.learned.push_back({key, stamp, q.getColumn(1).getInt64()});
  }
}

}  // namespace

SyncExport export_changes(Store& store, const SyncDevice& me, size_t max_bytes) {
  SyncExport out;
  export_learned(store, me, out);
  for (const auto& p : changed_prompts(store)) {
    auto r = latest_response(store, p.id);
    if (!r) continue;
    std::string stamp = next_stamp(p.hlc, std::max(r->at_ms, p.updated_ms), me.id).text();
    json record = record_json(store, p, *r, stamp, me);
    record["device_name"] = p.device.empty() || p.device == me.id ? me.name : "";
    out.lines += record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    out.records++;
    out.revs.push_back({p.id, p.sync_rev});
    out.stamps.push_back({p.id, stamp});
    if (out.lines.size() >= max_bytes) break;
  }
  return out;
}

void mark_exported(Store& store, const SyncExport& sealed) {
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(store.db(), "UPDATE prompts SET exported_rev = ?, hlc = ? WHERE id = ? AND sync_rev = ?");
  for (size_t i = 0; i < sealed.revs.size(); ++i) {
    q.bind(1, sealed.revs[i].second);
    q.bind(2, sealed.stamps[i].second);
    q.bind(3, sealed.revs[i].first);
    q.bind(4, sealed.revs[i].second);
    q.exec();
    q.reset();
  }
  SQLite::Statement l(store.db(), "UPDATE sync_learned SET exported_rev = ?, hlc = ? WHERE key = ? AND rev = ?");
  for (const auto& e : sealed.learned) {
    l.bind(1, e.rev);
    l.bind(2, e.stamp);
    l.bind(3, e.key);
    l.bind(4, e.rev);
    l.exec();
    l.reset();
  }
  // A record changed while it was sealed keeps its old stamp and stays due:
  // the sealed version is older than what is here now.
  tx.commit();
}

namespace {

bool is_hex_id(const json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string text_of(const json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string()) return "";
  return sdk::bounded_utf8(object[field].get_ref<const std::string&>(), kMaxTextBytes);
}

int64_t int_of(const json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_number_integer()) return 0;
  return object[field].get<int64_t>();
}

// A record this reader understands: an answer of a known state, its ids
// and stamp well formed.
bool valid_record(const json& r) {
  if (!r.is_object() || r.value("v", 0) != kRecordVersion || r.value("type", "") != "answer") return false;
  if (!is_hex_id(r["id"]) || !is_hex_id(r["device"]) || !r["hlc"].is_string() || !parse_hlc(r["hlc"].get<std::string>()))
    return false;
  if (!r.contains("prompt") || !r["prompt"].is_object() || !r.contains("response") || !r["response"].is_object())
    return false;
  try {
    PromptState state = prompt_state_of(text_of(r["response"], "state"));
    return state == PromptState::kAnswered || state == PromptState::kSkipped || state == PromptState::kExpired;
  } catch (const std::exception&) {  // a state this version does not know
    return false;
  }
}

std::optional<LocalPrompt> prompt_by_uuid(Store& store, const std::string& uuid) {
  SQLite::Statement q(store.db(), std::string(kPromptSelect) + " WHERE uuid = ?");
  q.bind(1, uuid);
  if (!q.executeStep()) return std::nullopt;
  return prompt_from(q);
}

void note_device(Store& store, const json& r, int64_t now_ms) {
  std::string name = text_of(r, "device_name");
  // A record another device re-sealed (an edit made there) carries no
  // name: the capturing device's own records do.
  SQLite::Statement q(store.db(),
                      "INSERT INTO sync_devices (id, name, last_seen_ms) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE "
                      "SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms), name = CASE WHEN ?4 <> '' THEN ?4 "
                      "ELSE name END");
  q.bind(1, r["device"].get<std::string>());
  q.bind(2, name.empty() ? r["device"].get<std::string>().substr(0, 8) : name);
  q.bind(3, now_ms);
  q.bind(4, name);
  q.exec();
}

void bind_text_or_null(SQLite::Statement& q, int at, const std::string& text) {
  if (text.empty()) q.bind(at);
  else q.bind(at, text);
}

void insert_triggers(Store& store, int64_t prompt_id, const json& triggers) {
  if (!triggers.is_array()) return;
  SQLite::Statement q(store.db(),
                      "INSERT OR IGNORE INTO triggers (kind, at_ms, repo, branch, commit_id, details, prompt_id) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const auto& t : triggers) {
    std::string kind = text_of(t, "kind");
    if (kind.empty()) continue;
    q.bind(1, kind);
    q.bind(2, int_of(t, "at_ms"));
    bind_text_or_null(q, 3, text_of(t, "repo"));
    bind_text_or_null(q, 4, text_of(t, "branch"));
    bind_text_or_null(q, 5, text_of(t, "commit"));
    if (t.is_object() && t.contains("details") && t["details"].is_object()) q.bind(6, t["details"].dump());
    else q.bind(6);
    q.bind(7, prompt_id);
    q.exec();
    q.reset();
  }
}

void write_response(Store& store, int64_t prompt_id, const json& response, bool replace) {
  const char* sql = replace ? "UPDATE responses SET state = ?, at_ms = ?, raw_text = ?, parsed = ? WHERE id = "
                              "(SELECT max(id) FROM responses WHERE prompt_id = ?5)"
                            : "INSERT INTO responses (state, at_ms, raw_text, parsed, prompt_id) VALUES (?, ?, ?, ?, ?)";
  SQLite::Statement q(store.db(), sql);
  q.bind(1, text_of(response, "state"));
  q.bind(2, int_of(response, "at_ms"));
  q.bind(3, text_of(response, "text"));
  if (response.contains("parsed") && response["parsed"].is_object()) q.bind(4, response["parsed"].dump());
  else q.bind(4);
  q.bind(5, prompt_id);
  if (q.exec() == 0 && replace) write_response(store, prompt_id, response, false);
}

// Both counters equal: what is here now is what was synced.
void settle(Store& store, int64_t prompt_id) {
  SQLite::Statement q(store.db(), "UPDATE prompts SET exported_rev = sync_rev WHERE id = ?");
  q.bind(1, prompt_id);
  q.exec();
}

void add_record(Store& store, const json& r) {
  const json& p = r["prompt"];
  SQLite::Statement q(store.db(),
                      "INSERT INTO prompts (kind, state, repo, branch, suggestion, created_ms, updated_ms, uuid, "
                      "device, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::string kind = text_of(p, "kind");
  q.bind(1, kind.empty() ? "manual" : kind);
  q.bind(2, text_of(r["response"], "state"));
  bind_text_or_null(q, 3, text_of(p, "repo"));
  bind_text_or_null(q, 4, text_of(p, "branch"));
  bind_text_or_null(q, 5, text_of(p, "suggestion"));
  q.bind(6, int_of(p, "created_ms"));
  q.bind(7, int_of(r["response"], "at_ms"));
  q.bind(8, r["id"].get<std::string>());
  q.bind(9, r["device"].get<std::string>());
  q.bind(10, r["hlc"].get<std::string>());
  q.exec();
  int64_t id = store.db().getLastInsertRowid();
  insert_triggers(store, id, r.value("triggers", json::array()));
  write_response(store, id, r["response"], false);
  settle(store, id);
}

// The stamp this device's version has, or will have when its pending
// change is sealed.
std::string local_stamp(Store& store, const LocalPrompt& p, const SyncDevice& me) {
  if (p.sync_rev <= p.exported_rev) return p.hlc;
  auto latest = latest_response(store, p.id);
  return next_stamp(p.hlc, std::max(latest ? latest->at_ms : 0, p.updated_ms), me.id).text();
}

bool valid_learned(const json& r) {
  return r.is_object() && r.value("v", 0) == kRecordVersion && r.value("type", "") == "learned" &&
         r.contains("key") && r["key"].is_string() && !r["key"].get<std::string>().empty() &&
         r["key"].get<std::string>().size() <= 4096 && r.contains("value") &&
         (r["value"].is_object() || r["value"].is_null()) && r["hlc"].is_string() &&
         parse_hlc(r["hlc"].get<std::string>()).has_value();
}

// A learned entry: the later stamp wins (a forgotten one too).
bool import_learned(Store& store, const json& r, const SyncDevice& me) {
  std::string key = r["key"], incoming = r["hlc"];
  SQLite::Statement q(store.db(), "SELECT rev, exported_rev, ifnull(hlc, '') FROM sync_learned WHERE key = ?");
  q.bind(1, key);
  if (q.executeStep()) {
    std::string local = q.getColumn(2).getString();
    if (q.getColumn(0).getInt64() > q.getColumn(1).getInt64()) {  // changed here, not sealed yet
      auto value = store.kv_get(kLearnedKv, key);
      json v = value ? json::parse(*value, nullptr, false) : json(nullptr);
      local = next_stamp(local, v.is_object() ? v.value("at_ms", int64_t{0}) : 0, me.id).text();
    }
    if (incoming <= local) return false;
  }
  if (r["value"].is_null()) store.kv_erase(kLearnedKv, key);
  else store.kv_set(kLearnedKv, key, r["value"].dump());
  SQLite::Statement settle_learned(store.db(),
                                   "INSERT INTO sync_learned (key, rev, exported_rev, hlc) VALUES (?, 0, 0, ?) "
                                   "ON CONFLICT (key) DO UPDATE SET exported_rev = rev, hlc = excluded.hlc");
  settle_learned.bind(1, key);
  settle_learned.bind(2, incoming);
  settle_learned.exec();
  return true;
}

}  // namespace

SyncImport import_records(Store& store, const std::string& lines, const SyncDevice& me, int64_t now_ms) {
  SyncImport out;
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);
  for (const auto& line : split(lines, '\n')) {
    if (line.empty()) continue;
    json r = json::parse(line, nullptr, false);
    if (valid_learned(r)) {
      if (import_learned(store, r, me)) ++out.updated;
      else ++out.kept;
      continue;
    }
    if (!valid_record(r)) {
      ++out.refused;
      continue;
    }
    note_device(store, r, now_ms);
    auto local = prompt_by_uuid(store, r["id"].get<std::string>());
    if (!local) {
      add_record(store, r);
      ++out.added;
      continue;
    }
    if (r["hlc"].get<std::string>() <= local_stamp(store, *local, me)) {
      ++out.kept;
      continue;
    }
    write_response(store, local->id, r["response"], true);
    SQLite::Statement q(store.db(), "UPDATE prompts SET state = ?, hlc = ?, updated_ms = ? WHERE id = ?");
    q.bind(1, text_of(r["response"], "state"));
    q.bind(2, r["hlc"].get<std::string>());
    q.bind(3, int_of(r["response"], "at_ms"));
    q.bind(4, local->id);
    q.exec();
    settle(store, local->id);
    ++out.updated;
    if (local->device.empty() || local->device == me.id) out.edited_here.push_back(local->id);
  }
  tx.commit();
  return out;
}

void settle_replanned(Store& store, int64_t prompt_id) { settle(store, prompt_id); }

std::vector<SyncDevice> sync_devices(Store& store) {
  SQLite::Statement q(store.db(), "SELECT id, name FROM sync_devices ORDER BY name");
  std::vector<SyncDevice> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
  return out;
}

DeviceLabels::DeviceLabels(Store& store) : store_(store), me_name_("this device") {
  if (auto setup = sync_setup(store)) me_id_ = setup->me.id, me_name_ = setup->me.name;
}

const std::string& DeviceLabels::operator()(const std::string& id) const {
  if (id.empty() || id == me_id_) return me_name_;
  auto it = others_.find(id);
  if (it != others_.end()) return it->second;
  SQLite::Statement q(store_.db(), "SELECT name FROM sync_devices WHERE id = ?");
  q.bind(1, id);
  return others_[id] = q.executeStep() ? q.getColumn(0).getString() : id.substr(0, 8);
}

}  // namespace devtrack
