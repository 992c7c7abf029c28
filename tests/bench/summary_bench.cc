// Builds a database holding a year of heavy use — 100,000 answered prompts
// (about 274 a day), each with a commit trigger and a comment in the outbox
// — for scripts/bench.sh to time `devtrack summary` (one day) and `devtrack
// report` (a month) against. Rows go in with plain SQL in one transaction
// (the store's own functions each commit, which would take minutes).
//   summary_bench DATABASE [N [FIRST]]   prints the last day's date
// FIRST numbers the commits from there (several devices' databases for
// the sync benchmark hold different commits).
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: summary_bench DATABASE [N [FIRST]]\n");
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  const long long first = argc > 3 ? std::atoll(argv[3]) : 0;
  devtrack::Store store(argv[1]);  // creates and migrates
  SQLite::Database& db = store.db();
  const int64_t start = 1764547200000;  // 2025-12-01T00:00:00Z
  const int64_t year = 365LL * 86'400'000;
  const char* projects[] = {"widgets", "billing", "infra", "docs"};
  SQLite::Transaction tx(db);
  SQLite::Statement prompt(db, "INSERT INTO prompts (kind, state, repo, branch, created_ms, updated_ms) "
                               "VALUES ('commit', ?, '/src/widgets', 'main', ?, ?)");
  SQLite::Statement trigger(db, "INSERT INTO triggers (kind, at_ms, repo, branch, commit_id, details, prompt_id) "
                                "VALUES ('commit', ?, '/src/widgets', 'main', ?, ?, ?)");
  SQLite::Statement response(db, "INSERT INTO responses (prompt_id, state, at_ms, raw_text, parsed) VALUES (?, ?, ?, ?, ?)");
  SQLite::Statement update(db, "INSERT INTO updates (response_id, target_plugin, target, kind, state, body, attempts, "
                               "next_attempt_ms, idempotency_key, remote_id, created_ms, updated_ms) VALUES "
                               "(?, 'github', ?, 'comment', 'sent', ?, 1, 0, ?, ?, ?, ?)");
  for (int i = 0; i < n; ++i) {
    int64_t at = start + year * i / n;
    bool skipped = i % 20 == 0;
    int number = 1 + i % 97;
    std::string ticket = "{\"number\":" + std::to_string(number) + ",\"repo\":\"acme/widgets\",\"system\":\"github\"}";
    prompt.bind(1, skipped ? "skipped" : "answered");
    prompt.bind(2, at);
    prompt.bind(3, at);
    prompt.exec();
    prompt.reset();
    int64_t prompt_id = db.getLastInsertRowid();
    char commit[41];
    std::snprintf(commit, sizeof commit, "%040llx", first + i);
    trigger.bind(1, at - 60'000);
    trigger.bind(2, commit);
    trigger.bind(3, "{\"summary\":\"change number " + std::to_string(i) + "\",\"slug\":\"acme/widgets\"}");
    trigger.bind(4, prompt_id);
    trigger.exec();
    trigger.reset();
    std::string text = "worked on #" + std::to_string(number) + ", 20m";
    std::string parsed = skipped ? "" : "{\"tickets\":[" + ticket + "],\"project\":\"" + projects[i % 4] +
                                            "\",\"duration_minutes\":20,\"status\":null}";
    response.bind(1, prompt_id);
    response.bind(2, skipped ? "skipped" : "answered");
    response.bind(3, at);
    response.bind(4, skipped ? "" : text);
    if (skipped) response.bind(5);
    else response.bind(5, parsed);
    response.exec();
    response.reset();
    if (skipped) continue;
    int64_t response_id = db.getLastInsertRowid();
    update.bind(1, response_id);
    update.bind(2, ticket);
    update.bind(3, "{\"text\":\"" + text + "\",\"minutes\":20}");
    update.bind(4, "bench-" + std::to_string(first + i));
    update.bind(5, std::to_string(i));
    update.bind(6, at);
    update.bind(7, at);
    update.exec();
    update.reset();
  }
  tx.commit();
  int64_t last = start + year * (n - 1) / n;
  time_t t = static_cast<time_t>(last / 1000);
  char day[16];
  std::strftime(day, sizeof day, "%F", gmtime(&t));
  std::printf("%s\n", day);
  return 0;
}
