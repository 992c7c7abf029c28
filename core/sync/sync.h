// Sync across devices (docs/sync.md): what `devtrack sync-remote set`
// keeps, and the two halves of a round that run in the daemon around the
// worker's exchange — sealing this device's changes into segments for the
// remote, and opening and merging the segments the other devices wrote.
// The key never leaves this process and the CLI: the sync plugin in the
// worker moves only sealed files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sync/records.h"

namespace devtrack {

class Store;

struct SyncSetup {
  std::string remote;                   // any git remote URL or path
  std::string branch = "devtrack-sync";  // where the segments live on it
  SyncDevice me;
};

// The setup (plugin_kv "@sync"), or nullopt when sync is not set up.
std::optional<SyncSetup> sync_setup(Store& store);
// Saves it; a device id is made when it has none.
void save_sync_setup(Store& store, SyncSetup setup);
// Forgets the remote (the records and the key stay).
void clear_sync_setup(Store& store);
// This device's id ("" until sync is set up): answers whose prompt names
// another device were captured elsewhere.
std::string local_device_id(Store& store);

// What the rounds left, kept in the store for `devtrack status` and for a
// CLI asking while no daemon runs.
struct SyncOutcome {
  std::optional<int64_t> last_ok_ms, last_try_ms;
  std::optional<std::string> last_error;
  std::string head;  // the remote's commit whose files were last taken in ("" for none)
};
SyncOutcome sync_outcome(Store& store);
void note_sync_try(Store& store, int64_t now_ms);
// A round ended: "" for success (then `head` is what it took in, when given).
void note_sync_end(Store& store, const std::string& error, int64_t now_ms);
void note_sync_head(Store& store, const std::string& head);

// The sync key (the enc: secret "sync-key"): nullopt when there is none.
std::optional<std::string> sync_key();
void save_sync_key(const std::string& key);

// $DEVTRACK_HOME/sync: out/ (sealed, to send), in/ (received, to open) and
// the sync plugin's own state.
std::string sync_dir();
// This device's folder on the remote: a keyed hash of its id.
std::string device_dir(const std::string& key, const SyncDevice& me);

// Seals what changed here into out/, one segment per ~256 KiB of records
// (at most `max_segments`), and returns how many records went in.
int seal_outgoing(Store& store, const SyncSetup& setup, const std::string& key, int max_segments = 64);

struct SyncIntake {
  SyncImport merged;                 // summed over the segments
  int segments = 0;                  // opened and merged
  std::vector<std::string> problems;  // segments that could not be opened (kept as NAME.bad)
};

// Opens and merges the segments waiting in in/ (those named, and any left
// by a round that stopped half-way), removing each once it is merged.
SyncIntake take_incoming(Store& store, const SyncSetup& setup, const std::string& key,
                         const std::vector<std::string>& names, int64_t now_ms);

}  // namespace devtrack
