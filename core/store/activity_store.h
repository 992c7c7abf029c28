// Activity: when the user did something the daemon can see — an editor
// heartbeat, a save, a commit, an answer — per repository ("" outside
// one). It proposes durations for answers that name none and tells time
// away from work (docs/time.md). A file is kept as a hash of its path
// (salted with the device id, so equal paths count as one file without
// the path being on disk); the path itself only with logging.content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace devtrack {

class Store;

struct ActivityRow {
  int64_t at_ms = 0;
  std::string repo;  // the repository's top directory, "" for none
  std::string kind;  // "edit", "write", "commit", "answer"
  std::string file;  // the path; stored hashed (and as is with `keep_path`)
};

void record_activity(Store& store, const ActivityRow& row, bool keep_path);

// The times of one repository's activity ("" = every repository's) in
// [from_ms, to_ms] (a heartbeat at the moment of the answer counts),
// oldest first.
std::vector<int64_t> activity_times(Store& store, const std::string& repo, int64_t from_ms, int64_t to_ms);

// The newest activity before `before_ms` of any repository, 0 if none.
int64_t last_activity_before(Store& store, int64_t before_ms);

// When the last answer before `before_ms` was given to a prompt of this
// repository ("" = to any prompt), 0 if none.
int64_t previous_answer_ms(Store& store, const std::string& repo, int64_t before_ms);

// Retention: removes (or with `dry_run` counts) activity older than cutoff.
int64_t remove_activity_before(Store& store, int64_t cutoff_ms, bool dry_run);

}  // namespace devtrack
