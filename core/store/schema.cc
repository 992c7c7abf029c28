#include "store/schema.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "util/error.h"

namespace devtrack::schema {

namespace {

// migration[i] takes the database from version i to i + 1. Never edit a
// published step: add a new one.
const char* const kMigrations[] = {
    // 0 -> 1: the capture, check-in and outbox tables.
    R"sql(
CREATE TABLE triggers (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('commit', 'timer', 'editor', 'manual')),
  at_ms       INTEGER NOT NULL,
  repo        TEXT,
  branch      TEXT,
  commit_id   TEXT,
  details     TEXT,                    -- JSON filled in by the worker
  UNIQUE (repo, commit_id)
);
CREATE INDEX triggers_at ON triggers (at_ms);

CREATE TABLE responses (
  id          INTEGER PRIMARY KEY,
  trigger_id  INTEGER REFERENCES triggers (id),
  state       TEXT NOT NULL CHECK (state IN ('answered', 'skipped', 'deferred', 'expired')),
  at_ms       INTEGER NOT NULL,
  raw_text    TEXT,
  parsed      TEXT                     -- JSON, filled in after the raw text is stored
);
CREATE INDEX responses_at ON responses (at_ms);
CREATE INDEX responses_trigger ON responses (trigger_id);

CREATE TABLE updates (
  id               INTEGER PRIMARY KEY,
  response_id      INTEGER REFERENCES responses (id),
  target_plugin    TEXT NOT NULL,
  target           TEXT NOT NULL,      -- JSON: a ticket or a recipient
  kind             TEXT NOT NULL CHECK (kind IN ('comment', 'worklog', 'transition', 'email')),
  state            TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'failed', 'blocked', 'dropped')),
  body             TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms  INTEGER,
  idempotency_key  TEXT NOT NULL UNIQUE,
  remote_id        TEXT,
  last_error       TEXT,
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL
);
CREATE INDEX updates_due ON updates (state, next_attempt_ms);

CREATE TABLE repos (
  id           INTEGER PRIMARY KEY,
  path         TEXT NOT NULL UNIQUE,
  added_ms     INTEGER NOT NULL,
  hook_path    TEXT,
  last_commit  TEXT
);

CREATE TABLE logs (
  id       INTEGER PRIMARY KEY,
  at_ms    INTEGER NOT NULL,
  level    TEXT NOT NULL,
  source   TEXT NOT NULL,
  message  TEXT NOT NULL
);
CREATE INDEX logs_at ON logs (at_ms);
)sql",
    // 1 -> 2: plugin-scoped key/value store (a host service) and the
    // offline cache of resolved tickets and assigned lists.
    R"sql(
CREATE TABLE plugin_kv (
  plugin  TEXT NOT NULL,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (plugin, key)
) WITHOUT ROWID;

CREATE TABLE cache (
  plugin      TEXT NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  expires_ms  INTEGER NOT NULL,
  PRIMARY KEY (plugin, key)
) WITHOUT ROWID;
CREATE INDEX cache_expiry ON cache (expires_ms);
)sql",
    // 2 -> 3: where each watched repository's git directory is (its reflog
    // and HEAD are read from there).
    R"sql(
ALTER TABLE repos ADD COLUMN git_dir TEXT;
ALTER TABLE repos ADD COLUMN hooks_dir TEXT;
)sql",
    // 3 -> 4: prompts. A prompt gathers the triggers it asks about (commits
    // on one repo join the open prompt); responses belong to a prompt.
    R"sql(
CREATE TABLE prompts (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,            -- the first trigger's kind
  state       TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'skipped', 'deferred', 'expired')),
  repo        TEXT,
  branch      TEXT,
  suggestion  TEXT,                     -- JSON ticket, or NULL
  due_ms      INTEGER,                  -- deferred: when it comes back
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL
);
CREATE INDEX prompts_state ON prompts (state, created_ms);
ALTER TABLE triggers ADD COLUMN prompt_id INTEGER REFERENCES prompts (id);
ALTER TABLE responses ADD COLUMN prompt_id INTEGER REFERENCES prompts (id);
CREATE INDEX triggers_prompt ON triggers (prompt_id);
CREATE INDEX responses_prompt ON responses (prompt_id);
)sql",
    // 4 -> 5: the summary reads a day's updates by their response.
    R"sql(
CREATE INDEX updates_response ON updates (response_id);
)sql",
    // 5 -> 6: the lease a worker holds on a `sending` row while it may be
    // posting it (DESIGN.md "Posting model"): who holds it ("pid:start
    // time" of the worker process) and until when (wall-clock ms; 0 =
    // released). Another worker waits it out before calling find().
    R"sql(
ALTER TABLE updates ADD COLUMN lease_owner TEXT;
ALTER TABLE updates ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
)sql",
    // 6 -> 7: daily aggregates (DESIGN.md "Posting model"). An answer's
    // comment row that is part of a day's aggregate names it: the part keeps
    // the answer's own text and state for the summary, the aggregate (no
    // response) is what is posted. `rev` counts changes of a row's body,
    // `handed_rev` is the rev that was last handed to a worker: a change
    // while it is sending is not lost, it is amended afterwards.
    R"sql(
ALTER TABLE updates ADD COLUMN aggregate_id INTEGER REFERENCES updates (id);
ALTER TABLE updates ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE updates ADD COLUMN handed_rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX updates_aggregate ON updates (aggregate_id);
)sql",
    // 7 -> 8: a trigger plugin may publish a kind of its own (calendar,
    // pomodoro...): the kind is any topic word, no longer a fixed list.
    // SQLite cannot drop a CHECK, so the table is rebuilt (its ids kept;
    // migrate() runs this with foreign keys off and checks them after).
    R"sql(
CREATE TABLE triggers_new (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind <> ''),
  at_ms       INTEGER NOT NULL,
  repo        TEXT,
  branch      TEXT,
  commit_id   TEXT,
  details     TEXT,                    -- JSON: the worker's reading of a commit, a plugin's payload
  prompt_id   INTEGER REFERENCES prompts (id),
  UNIQUE (repo, commit_id)
);
INSERT INTO triggers_new (id, kind, at_ms, repo, branch, commit_id, details, prompt_id)
  SELECT id, kind, at_ms, repo, branch, commit_id, details, prompt_id FROM triggers;
DROP TABLE triggers;
ALTER TABLE triggers_new RENAME TO triggers;
CREATE INDEX triggers_at ON triggers (at_ms);
CREATE INDEX triggers_prompt ON triggers (prompt_id);
)sql",
    // 8 -> 9: activity (docs/time.md): editor heartbeats, commits and
    // answers as points in time, per repository ('' outside one), to
    // propose durations and notice time away. A file is a keyed hash of its
    // path; the path itself only with logging.content. Kept
    // activity.retention (`devtrack gc`).
    R"sql(
CREATE TABLE activity (
  at_ms  INTEGER NOT NULL,
  repo   TEXT NOT NULL,
  kind   TEXT NOT NULL,
  file   TEXT,
  path   TEXT
);
CREATE INDEX activity_repo_at ON activity (repo, at_ms);
CREATE INDEX activity_at ON activity (at_ms);
)sql",
    // 9 -> 10: the e-mail rows become sink deliveries (any sink plugin:
    // email, slack...; the body says whether a summary or a standup). The
    // kind is a CHECK, which SQLite cannot change: the table is rebuilt
    // with its ids, as 7 -> 8 did.
    R"sql(
CREATE TABLE updates_new (
  id               INTEGER PRIMARY KEY,
  response_id      INTEGER REFERENCES responses (id),
  target_plugin    TEXT NOT NULL,
  target           TEXT NOT NULL,      -- JSON: a ticket, or a sink's recipient (null: the sink's own)
  kind             TEXT NOT NULL CHECK (kind IN ('comment', 'worklog', 'transition', 'delivery')),
  state            TEXT NOT NULL CHECK (state IN ('held', 'queued', 'sending', 'sent', 'failed', 'blocked', 'dropped')),
  body             TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms  INTEGER,
  idempotency_key  TEXT NOT NULL UNIQUE,
  remote_id        TEXT,
  last_error       TEXT,
  created_ms       INTEGER NOT NULL,
  updated_ms       INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_until_ms   INTEGER NOT NULL DEFAULT 0,
  aggregate_id     INTEGER REFERENCES updates (id),
  rev              INTEGER NOT NULL DEFAULT 0,
  handed_rev       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO updates_new (id, response_id, target_plugin, target, kind, state, body, attempts, next_attempt_ms,
                         idempotency_key, remote_id, last_error, created_ms, updated_ms, lease_owner, lease_until_ms,
                         aggregate_id, rev, handed_rev)
  SELECT id, response_id, target_plugin, target, CASE kind WHEN 'email' THEN 'delivery' ELSE kind END, state,
         CASE kind WHEN 'email' THEN json_set(body, '$.what', 'summary') ELSE body END, attempts, next_attempt_ms,
         idempotency_key, remote_id, last_error, created_ms, updated_ms, lease_owner, lease_until_ms,
         aggregate_id, rev, handed_rev FROM updates;
DROP TABLE updates;
ALTER TABLE updates_new RENAME TO updates;
CREATE INDEX updates_due ON updates (state, next_attempt_ms);
CREATE INDEX updates_response ON updates (response_id);
CREATE INDEX updates_aggregate ON updates (aggregate_id);
)sql",
    // 10 -> 11: sync across devices (docs/sync.md). The unit is a prompt
    // with its final response: a prompt gets a stable id, the device that
    // captured it (its id; null: this one, before sync was set up) and the
    // stamp of its version (sync/hlc.h). sync_rev counts its changes (a
    // trigger on its responses: a new one, an edit, a parse), exported_rev
    // is the one last sealed for the remote, so no change is missed, even
    // one made while a sync was sealing; an import settles both itself.
    // sync_devices: the names the devices gave themselves. sync_learned:
    // the same counting for what was learned (plugin_kv "@learned", a
    // forgotten entry included), by key.
    R"sql(
ALTER TABLE prompts ADD COLUMN uuid TEXT;
ALTER TABLE prompts ADD COLUMN device TEXT;
ALTER TABLE prompts ADD COLUMN hlc TEXT;
ALTER TABLE prompts ADD COLUMN sync_rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE prompts ADD COLUMN exported_rev INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX prompts_uuid ON prompts (uuid);
CREATE INDEX prompts_unsynced ON prompts (exported_rev, sync_rev);
CREATE TRIGGER responses_added AFTER INSERT ON responses
BEGIN
  UPDATE prompts SET sync_rev = sync_rev + 1 WHERE id = NEW.prompt_id;
END;
CREATE TRIGGER responses_changed AFTER UPDATE OF raw_text, parsed, state, at_ms ON responses
BEGIN
  UPDATE prompts SET sync_rev = sync_rev + 1 WHERE id = NEW.prompt_id;
END;
CREATE TABLE sync_devices (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  last_seen_ms  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE sync_learned (
  key           TEXT PRIMARY KEY,
  rev           INTEGER NOT NULL DEFAULT 0,
  exported_rev  INTEGER NOT NULL DEFAULT 0,
  hlc           TEXT
) WITHOUT ROWID;
CREATE TRIGGER learned_added AFTER INSERT ON plugin_kv WHEN NEW.plugin = '@learned'
BEGIN
  INSERT OR IGNORE INTO sync_learned (key) VALUES (NEW.key);
  UPDATE sync_learned SET rev = rev + 1 WHERE key = NEW.key;
END;
CREATE TRIGGER learned_changed AFTER UPDATE OF value ON plugin_kv WHEN NEW.plugin = '@learned'
BEGIN
  INSERT OR IGNORE INTO sync_learned (key) VALUES (NEW.key);
  UPDATE sync_learned SET rev = rev + 1 WHERE key = NEW.key;
END;
CREATE TRIGGER learned_forgotten AFTER DELETE ON plugin_kv WHEN OLD.plugin = '@learned'
BEGIN
  INSERT OR IGNORE INTO sync_learned (key) VALUES (OLD.key);
  UPDATE sync_learned SET rev = rev + 1 WHERE key = OLD.key;
END;
)sql",
};

static_assert(sizeof kMigrations / sizeof kMigrations[0] == kLatest);

// "" if every reference holds, else the first one that does not.
std::string foreign_key_problem(SQLite::Database& db) {
  SQLite::Statement q(db, "PRAGMA foreign_key_check");
  if (!q.executeStep()) return "";
  return "a row of " + q.getColumn(0).getString() + " refers to a missing " + q.getColumn(2).getString() + " row";
}

}  // namespace

int version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

void migrate(SQLite::Database& db, int target) {
  if (target > kLatest) target = kLatest;
  // Current already (every open but the first): no write lock at all, so a
  // command does not wait on another process's write transaction just to
  // open the database.
  if (int v = version(db); v >= target && v <= kLatest) return;
  // A step may rebuild a table others refer to (SQLite's way to change a
  // constraint): foreign keys are off while migrating (the pragma cannot
  // change inside a transaction) and checked before each commit.
  db.exec("PRAGMA foreign_keys = OFF");
  struct ForeignKeysBackOn {
    SQLite::Database& db;
    ~ForeignKeysBackOn() {
      try {
        db.exec("PRAGMA foreign_keys = ON");
      } catch (...) {
      }
    }
  } back_on{db};
  // BEGIN IMMEDIATE takes the write lock before reading the version again,
  // so two processes opening a fresh database cannot both migrate it.
  while (true) {
    db.exec("BEGIN IMMEDIATE");
    try {
      int v = version(db);
      if (v > kLatest) {
        db.exec("ROLLBACK");
        throw Error("database " + db.getFilename() + " has schema version " + std::to_string(v) +
                    ", newer than this devtrack knows (" + std::to_string(kLatest) +
                    "): upgrade devtrack; the database was not changed");
      }
      if (v >= target) {
        db.exec("COMMIT");
        return;
      }
      db.exec(kMigrations[v]);
      if (std::string broken = foreign_key_problem(db); !broken.empty()) {
        db.exec("ROLLBACK");
        throw Error("cannot migrate database " + db.getFilename() + " to version " + std::to_string(v + 1) + ": " +
                    broken + "; the database was not changed");
      }
      db.exec("PRAGMA user_version = " + std::to_string(v + 1));
      db.exec("COMMIT");
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      try {
        db.exec("ROLLBACK");
      } catch (...) {
      }
      throw Error(std::string("cannot migrate database ") + db.getFilename() + ": " + e.what());
    }
  }
}

}  // namespace devtrack::schema
