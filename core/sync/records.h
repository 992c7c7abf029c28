// Synced records (docs/sync.md "What is synced"): a prompt with its final
// response — the answer's text and parse, its state and time, the prompt's
// repository, branch and commits with their subjects — under the prompt's
// stable id, the capturing device and a stamp; and each thing learned
// (checkin/learning.h) under its key, a forgotten one as null. Exported as JSON lines for a
// segment; imported by union, and an edit of one record by the later stamp.
// The outbox is never synced: only the capturing device posts an answer's
// updates, and it re-plans them when an edit made elsewhere arrives.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace devtrack {

class Store;

struct SyncDevice {
  std::string id;    // random, [0-9a-f]{32}, made once per DEVTRACK_HOME
  std::string name;  // what the user calls this machine
};

// Gives every prompt that has none a stable id and this device, committed
// on its own before anything is sealed: an id that went out must never
// change.
void claim_local_records(Store& store, const SyncDevice& me);

struct SyncExport {
  std::string lines;  // JSON lines, "" when nothing changed
  int records = 0;
  std::vector<std::pair<int64_t, int64_t>> revs;  // (prompt id, the sync_rev sealed)
  std::vector<std::pair<int64_t, std::string>> stamps;  // (prompt id, the new stamp)
  struct Learned {
    std::string key, stamp;
    int64_t rev = 0;
  };
  std::vector<Learned> learned;  // the learned entries sealed
};

// The records changed here since they were last sealed (at most about
// `max_bytes` of lines; the rest waits for the next segment), stamped.
SyncExport export_changes(Store& store, const SyncDevice& me, size_t max_bytes);
// After the segment is safely written: these versions went out (a record
// changed again meanwhile stays due).
void mark_exported(Store& store, const SyncExport& sealed);

struct SyncImport {
  int added = 0, updated = 0, kept = 0, refused = 0;
  // Prompts captured here whose answer was edited on another device: their
  // updates are to be planned again (the capturing device posts them).
  std::vector<int64_t> edited_here;
};

// Merges the records of one opened segment. A line that is not a record
// (a newer writer's, a broken one) is counted as refused and skipped.
SyncImport import_records(Store& store, const std::string& lines, const SyncDevice& me, int64_t now_ms);

// After the capturing device re-planned an edit made elsewhere: that is not
// a change of its own to seal again.
void settle_replanned(Store& store, int64_t prompt_id);

// The names of the devices seen (their own and this one's), by name.
std::vector<SyncDevice> sync_devices(Store& store);
// The names of devices as summaries, reports and logs show them ("" = this
// one, also before sync was set up: its name, else "this device"), each
// looked up once: a day's summary asks for every answer's.
class DeviceLabels {
 public:
  explicit DeviceLabels(Store& store);
  const std::string& operator()(const std::string& id) const;

 private:
  Store& store_;
  std::string me_id_, me_name_;
  mutable std::map<std::string, std::string> others_;  // id -> name, as looked up
};

}  // namespace devtrack
