// The outbox: one `updates` row per target and kind (a comment on a ticket,
// a worklog, a summary or standup for a sink), each with its own
// idempotency key. Rows are
// written in the same transaction as the parse of the answer they come
// from; the daemon delivers them through the worker. States: held (waits
// for the end-of-day summary), queued, sending, sent, failed, blocked,
// dropped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/states.h"

namespace devtrack {

class Store;

struct UpdateRow {
  int64_t id = 0;
  int64_t response_id = 0;
  std::string target_plugin;
  std::string target;  // JSON: a ticket, or a sink's recipient (null: its own destination)
  std::string kind;    // comment | worklog | transition | delivery
  UpdateState state = UpdateState::kQueued;
  std::string body;    // JSON: what to post
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string idempotency_key;
  std::string remote_id;
  std::string last_error;
  // tracker.comments: daily. On an answer's comment: "<ticket>:<local
  // day>", the day's comment it is part of (the store makes the aggregate
  // row, keyed "agg:<device>:<ticket>:<day>"). In end-of-day mode, on a
  // worklog: "<ticket>:<local day>:worklog", the day's one worklog (its
  // minutes the parts' total, rounded once). Read back: the aggregate's id.
  std::string aggregate;
  int64_t aggregate_id = 0;
};

// Stores the parse of an answer and (re)queues its updates, atomically.
// Rows of this response not yet sent are replaced; a sent row whose content
// changed is queued again with its remote id: the tracker amends the post.
// A row with `aggregate` set is a part: it is not delivered itself; its
// day's aggregate row (made on first use) is re-rendered from all its parts
// and posted, or amended when it was sent, or marked to be amended after
// the send in progress (see mark_sent).
void store_parse_and_updates(Store& store, int64_t response_id, const std::string& parsed_json,
                             const std::vector<UpdateRow>& updates, int64_t now_ms);

// A row without a response (a summary or standup for a sink). False if a row with
// its idempotency key exists already (nothing is written then).
bool queue_update(Store& store, const UpdateRow& update, int64_t now_ms);
// The end-of-day summary's changes to a row, and the state changes they
// make, decided here with the outbox's others: a new body (`edited`: the
// user's words; a sent row goes back to queued to be amended, keeping its
// remote id, and a queued one is due now) and the release (held -> queued,
// due now; a queued row is due now). Returns true if it released a held
// row. Writes nothing when nothing changes.
struct SummaryRevision {
  std::optional<std::string> body;
  bool edited = false;
  bool release = false;
};
bool apply_summary_revision(Store& store, const UpdateRow& row, const SummaryRevision& revision, int64_t now_ms);
// A row whose answer the summary deleted: dropped unless it went out (or
// is going out) already. Returns true if it dropped it.
bool drop_unless_sent(Store& store, const UpdateRow& row, int64_t now_ms);
// Not sent, not being sent, not dropped.
bool is_unsent(UpdateState state);
std::vector<UpdateRow> updates_of_response(Store& store, int64_t response_id);
// The parts of an aggregate, in answer order.
std::vector<UpdateRow> parts_of(Store& store, int64_t aggregate_id);
// This database's device id (random, made once, kept in plugin_kv).
std::string device_id(Store& store);

// The rows that are delivered (not the parts of an aggregate), oldest first.
std::vector<UpdateRow> list_updates(Store& store, int limit = 200);
// How many rows are in each state (states without rows are absent).
std::map<UpdateState, int64_t> count_updates_by_state(Store& store);
// The plugins with blocked rows (their credentials were refused).
std::vector<std::string> blocked_plugins(Store& store);
std::optional<UpdateRow> get_update(Store& store, int64_t id);
// The earliest next_attempt_ms among queued rows that may go (not behind
// an older unsent row of the same ticket); 0 if none.
int64_t next_due_ms(Store& store);
// Queued rows due at `now_ms`, oldest first, at most one per ticket (order
// per ticket is kept by delivering a ticket's rows one after the other).
// Parts of an aggregate are never due (their aggregate is). Records the
// body revision handed out, in the same transaction as it is read.
std::vector<UpdateRow> due_updates(Store& store, int64_t now_ms, int limit = 20);
void mark_sending(Store& store, int64_t id, int64_t now_ms);
// An aggregate whose body changed since it was handed out goes back to
// queued (keeping its remote id: amended); otherwise its parts are sent.
void mark_sent(Store& store, int64_t id, const std::string& remote_id, int64_t now_ms);
void mark_retry(Store& store, int64_t id, int64_t next_ms, const std::string& error, int64_t now_ms);
// Sets a row's state (queued: due now). A day's comment takes its parts
// along: dropped, its unsent answers are dropped with it; queued again,
// those come back. Two statements: callers that need it atomic hold a
// transaction.
void mark_state(Store& store, int64_t id, UpdateState state, const std::string& error, int64_t now_ms);
// Every queued/sending row of a plugin -> blocked (its credentials failed).
void block_plugin(Store& store, const std::string& plugin, const std::string& error, int64_t now_ms);
// Rows left `sending` by a crash: back to queued, due now (the tracker's
// find() decides whether they went out).
int requeue_interrupted(Store& store, int64_t now_ms);
// Everything queued becomes due now (devtrack sync).
int make_all_due(Store& store, int64_t now_ms);

// The lease a worker holds on a `sending` row while it may be posting it
// (DESIGN.md "Posting model"). A worker whose daemon was killed lives on
// with its request in flight; the next daemon's worker must not look for
// that post with find() before it has landed. So the one who sends holds a
// lease longer than the HTTP timeout, and another worker waits until it is
// released, has expired, or its holder is gone, then looks first.
// Times are wall-clock ms (the HTTP timeout is real time, whatever clock
// the daemon keeps); a holder is "pid:start time" of its process, so a
// reused pid is not taken for the holder.
std::string lease_holder_self();
bool lease_holder_alive(const std::string& holder);

struct LeaseTry {
  enum Outcome { kTaken, kBusy, kStale } outcome = kStale;
  std::string holder;    // kBusy: who holds it; kTaken: the last holder if another process ("" if none)
  int64_t until_ms = 0;  // kBusy: until when
};
// One compare-and-set UPDATE: takes the lease on row `id` if it is
// `sending` and its lease is free (never held, released, expired at
// `now_ms`, or its holder is gone). kStale: the row is not `sending` (a job
// of a daemon that died, done since by the next one).
LeaseTry try_lease(Store& store, int64_t id, const std::string& holder, int64_t now_ms, int64_t until_ms);
// Extends a lease this holder still has; false if another took it over.
bool renew_lease(Store& store, int64_t id, const std::string& holder, int64_t until_ms);
// Marks the lease as covering a request that may be at the server.
bool mark_posting(Store& store, int64_t id, const std::string& holder, int64_t until_ms);
// Ends the lease now (the holder stays recorded: the next one looks first).
void release_lease(Store& store, int64_t id, const std::string& holder);

// A worker's lease on one row for the time of one delivery: waits out
// another live holder (at most one lease length), renews before the
// post, and releases when destroyed.
class SendLease {
 public:
  SendLease(Store& store, int64_t id, int64_t lease_ms);
  ~SendLease();
  SendLease(const SendLease&) = delete;
  SendLease& operator=(const SendLease&) = delete;

  bool held() const { return outcome_ == LeaseTry::kTaken; }
  bool stale() const { return outcome_ == LeaseTry::kStale; }
  // Another process held the row before: its attempt may have gone out.
  bool had_other_holder() const { return held() && !previous_.empty(); }
  // Not held: when the other holder's lease ends (wall-clock ms).
  int64_t busy_until_ms() const { return busy_until_; }
  // Renews the lease; false if it ran out and another worker took the row.
  bool renew();
  // Right before the request that must not be doubled (the create): renews
  // and records that it may be at the server from now on. If this worker
  // then dies, the lease is kept until it runs out rather than taken over
  // at once.
  bool start_posting();

 private:
  Store& store_;
  int64_t id_;
  int64_t lease_ms_;
  std::string self_;
  LeaseTry::Outcome outcome_ = LeaseTry::kStale;
  std::string previous_;
  int64_t busy_until_ = 0;
};

}  // namespace devtrack
