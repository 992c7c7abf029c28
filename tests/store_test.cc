#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/schema.h"
#include "store/store.h"
#include "test_support.h"
#include "util/error.h"

using namespace devtrack;
using devtrack::test::TempHome;

TEST_CASE("a new database is created at the latest version, in WAL with synchronous=FULL") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  CHECK(schema::version(store.db()) == schema::kLatest);
  CHECK(store.db().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(store.db().execAndGet("PRAGMA synchronous").getInt() == 2);  // FULL
  for (const char* table : {"triggers", "responses", "updates", "repos", "logs", "plugin_kv", "cache"})
    CHECK(store.db().tableExists(table));
  // The outbox's key is unique and its state is checked.
  store.db().exec(
      "INSERT INTO updates (target_plugin, target, kind, state, idempotency_key, created_ms, updated_ms) "
      "VALUES ('github', '{}', 'comment', 'queued', 'k1', 0, 0)");
  CHECK_THROWS(store.db().exec(
      "INSERT INTO updates (target_plugin, target, kind, state, idempotency_key, created_ms, updated_ms) "
      "VALUES ('github', '{}', 'comment', 'queued', 'k1', 0, 0)"));
  CHECK_THROWS(store.db().exec(
      "INSERT INTO updates (target_plugin, target, kind, state, idempotency_key, created_ms, updated_ms) "
      "VALUES ('github', '{}', 'comment', 'lost', 'k2', 0, 0)"));
}

TEST_CASE("a version 1 database migrates forward and keeps its data") {
  TempHome home;
  std::string path = home.file("devtrack.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    schema::migrate(db, 1);
    REQUIRE(schema::version(db) == 1);
    CHECK_FALSE(db.tableExists("plugin_kv"));
    db.exec("INSERT INTO triggers (kind, at_ms, repo, commit_id) VALUES ('commit', 1000, '/src/x', 'abc')");
    db.exec("INSERT INTO responses (trigger_id, state, at_ms, raw_text) VALUES (1, 'answered', 2000, 'fixed it')");
  }
  Store store(path);
  CHECK(schema::version(store.db()) == schema::kLatest);
  CHECK(store.db().execAndGet("SELECT raw_text FROM responses WHERE trigger_id = 1").getString() == "fixed it");
  CHECK(store.db().execAndGet("SELECT commit_id FROM triggers").getString() == "abc");
  store.kv_set("p", "k", "v");
  CHECK(store.kv_get("p", "k") == "v");
}

TEST_CASE("a version 7 database takes any trigger kind after migrating, its triggers and references kept") {
  TempHome home;
  std::string path = home.file("devtrack.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    schema::migrate(db, 7);
    REQUIRE(schema::version(db) == 7);
    CHECK_THROWS(db.exec("INSERT INTO triggers (kind, at_ms) VALUES ('calendar', 1)"));
    db.exec("INSERT INTO prompts (id, kind, state, created_ms, updated_ms) VALUES (4, 'commit', 'answered', 1, 1)");
    db.exec("INSERT INTO triggers (id, kind, at_ms, repo, commit_id, prompt_id) VALUES (9, 'commit', 1000, '/src/x', 'abc', 4)");
    db.exec("INSERT INTO responses (trigger_id, prompt_id, state, at_ms, raw_text) VALUES (9, 4, 'answered', 2000, 'fixed')");
  }
  Store store(path);
  CHECK(schema::version(store.db()) == schema::kLatest);
  CHECK(store.db().execAndGet("SELECT commit_id || ':' || prompt_id FROM triggers WHERE id = 9").getString() == "abc:4");
  store.db().exec("INSERT INTO triggers (kind, at_ms) VALUES ('calendar', 1)");
  CHECK_THROWS(store.db().exec("INSERT INTO triggers (kind, at_ms) VALUES ('', 1)"));
  // Still one row per (repo, commit), and references still checked.
  CHECK_THROWS(store.db().exec("INSERT INTO triggers (kind, at_ms, repo, commit_id) VALUES ('commit', 2, '/src/x', 'abc')"));
  CHECK_THROWS(store.db().exec("INSERT INTO responses (trigger_id, state, at_ms) VALUES (77, 'answered', 1)"));
  CHECK(store.db().execAndGet("PRAGMA foreign_keys").getInt() == 1);
  CHECK(store.db().execAndGet("SELECT count(*) FROM sqlite_master WHERE name IN ('triggers_at', 'triggers_prompt')").getInt() == 2);
}

TEST_CASE("a version 9 database's e-mail rows become summary deliveries, ids, states and aggregates kept") {
  TempHome home;
  std::string path = home.file("devtrack.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    schema::migrate(db, 9);
    REQUIRE(schema::version(db) == 9);
    db.exec("INSERT INTO updates (id, target_plugin, target, kind, state, body, idempotency_key, created_ms, updated_ms) "
            "VALUES (5, 'email', '\"me@x.test\"', 'email', 'sent', '{\"date\":\"2026-12-01\",\"markdown\":\"# Day\"}', "
            "'email:2026-12-01:me@x.test:1', 1, 1)");
    db.exec("INSERT INTO updates (id, target_plugin, target, kind, state, body, idempotency_key, created_ms, updated_ms) "
            "VALUES (6, 'github', '{}', 'comment', 'queued', '{\"text\":\"day\"}', 'k6', 1, 1)");
    db.exec("INSERT INTO updates (id, target_plugin, target, kind, state, body, idempotency_key, created_ms, updated_ms, "
            "aggregate_id, rev) VALUES (7, 'github', '{}', 'comment', 'held', '{}', 'k7', 1, 1, 6, 3)");
  }
  Store store(path);
  CHECK(schema::version(store.db()) == schema::kLatest);
  CHECK(store.db().execAndGet("SELECT kind || ':' || state || ':' || json_extract(body, '$.what') || ':' || "
                              "json_extract(body, '$.markdown') FROM updates WHERE id = 5").getString() ==
        "delivery:sent:summary:# Day");
  CHECK(store.db().execAndGet("SELECT kind || ':' || body FROM updates WHERE id = 6").getString() ==
        "comment:{\"text\":\"day\"}");
  CHECK(store.db().execAndGet("SELECT aggregate_id || ':' || rev FROM updates WHERE id = 7").getString() == "6:3");
  CHECK_THROWS(store.db().exec("INSERT INTO updates (target_plugin, target, kind, state, idempotency_key, created_ms, "
                               "updated_ms) VALUES ('email', '\"\"', 'email', 'queued', 'k8', 1, 1)"));
  CHECK_THROWS(store.db().exec("INSERT INTO updates (target_plugin, target, kind, state, idempotency_key, created_ms, "
                               "updated_ms, aggregate_id) VALUES ('github', '{}', 'comment', 'held', 'k9', 1, 1, 99)"));
  CHECK(store.db().execAndGet("SELECT count(*) FROM sqlite_master WHERE name IN ('updates_due', 'updates_response', "
                              "'updates_aggregate')").getInt() == 3);
}

TEST_CASE("reopening keeps data and does not migrate again") {
  TempHome home;
  std::string path = home.file("devtrack.db");
  { Store(path).kv_set("git", "last", "abc"); }
  Store again(path);
  CHECK(again.kv_get("git", "last") == "abc");
  CHECK(schema::version(again.db()) == schema::kLatest);
}

TEST_CASE("a database from a newer devtrack is refused and left untouched") {
  TempHome home;
  std::string path = home.file("devtrack.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE future (x)");
    db.exec("PRAGMA user_version = 99");
  }
  std::string before = test::slurp(path);
  try {
    Store store(path);
    FAIL("a newer database must be refused");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("schema version 99, newer than this devtrack knows") != std::string::npos);
  }
  CHECK(test::slurp(path) == before);
}

TEST_CASE("the key/value store is scoped by plugin") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  store.kv_set("a", "k", "1");
  store.kv_set("b", "k", "2");
  store.kv_set("a", "k", "3");
  CHECK(store.kv_get("a", "k") == "3");
  CHECK(store.kv_get("b", "k") == "2");
  store.kv_erase("a", "k");
  CHECK_FALSE(store.kv_get("a", "k"));
}

TEST_CASE("logs are read newest-last with filters, and gc applies retention") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  const int64_t day = 86'400'000;
  store.append_logs({{0, 1 * day, "info", "daemon", "old"},
                     {0, 40 * day, "debug", "worker", "noise"},
                     {0, 40 * day, "error", "github", "failed"},
                     {0, 41 * day, "warn", "daemon", "new"}});
  auto all = store.read_logs({});
  REQUIRE(all.size() == 4);
  CHECK(all.front().message == "old");
  CHECK(all.back().message == "new");
  LogQuery warn;
  warn.min_level = 2;
  CHECK(store.read_logs(warn).size() == 2);
  LogQuery last;
  last.limit = 1;
  CHECK(store.read_logs(last)[0].message == "new");
  LogQuery after;
  after.after_id = all[2].id;
  CHECK(store.read_logs(after).size() == 1);
  LogQuery from_source;
  from_source.source = "daemon";
  CHECK(store.read_logs(from_source).size() == 2);

  auto dry = store.gc(std::chrono::hours(24 * 30), 41 * day, true);
  CHECK(dry.logs == 1);
  CHECK(store.read_logs({}).size() == 4);
  auto done = store.gc(std::chrono::hours(24 * 30), 41 * day, false);
  CHECK(done.logs == 1);
  CHECK(store.read_logs({}).size() == 3);
}

TEST_CASE("a database path that cannot be created gives a clear error") {
  TempHome home;
  test::spit(home.file("file"), "x");
  CHECK_THROWS_WITH(Store(home.file("file/devtrack.db")), Catch::Contains("file/devtrack.db") ||
                                                              Catch::Contains(home.file("file")));
}

TEST_CASE("a cached statement is prepared once, comes reset, and keeps no read open once used") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  store.kv_set("p", "a", "1");
  store.kv_set("p", "b", "2");
  const std::string sql = "SELECT value FROM plugin_kv WHERE plugin = ? ORDER BY key";
  const SQLite::Statement* first = nullptr;
  {
    auto q = store.cached_statement(sql);
    q->bind(1, "p");
    REQUIRE(q->executeStep());  // left after one row of two
    CHECK(q->getColumn(0).getString() == "1");
    first = &*q;
  }
  // Another connection can write and truncate the WAL: no read is left open.
  SQLite::Database other(home.file("devtrack.db"), SQLite::OPEN_READWRITE);
  other.exec("INSERT INTO plugin_kv (plugin, key, value) VALUES ('p', 'c', '3')");
  SQLite::Statement checkpoint(other, "PRAGMA wal_checkpoint(TRUNCATE)");
  REQUIRE(checkpoint.executeStep());
  CHECK(checkpoint.getColumn(0).getInt() == 0);  // not blocked by a reader
  // The same statement again, from its first row, its old binding gone.
  auto again = store.cached_statement(sql);
  CHECK(&*again == first);
  again->bind(1, "p");
  int rows = 0;
  while (again->executeStep()) ++rows;
  CHECK(rows == 3);
}
