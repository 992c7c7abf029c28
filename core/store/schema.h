// The SQLite schema and its forward migrations, versioned by
// PRAGMA user_version. See docs/architecture.md ("Storage").
#pragma once

namespace SQLite {
class Database;
}

namespace devtrack::schema {

// The version this binary writes. A database with a higher user_version was
// made by a newer DevTrack and is refused, never touched.
constexpr int kLatest = 11;

// Reads PRAGMA user_version.
int version(SQLite::Database& db);

// Applies the migrations from the database's version up to `target` (at most
// kLatest), each in its own transaction. Throws devtrack::Error for a newer
// database than this binary knows.
void migrate(SQLite::Database& db, int target = kLatest);

}  // namespace devtrack::schema
