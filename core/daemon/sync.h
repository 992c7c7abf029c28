// The daemon's side of sync (docs/sync.md): when to sync (at start, after
// answers and edits at most every sync.interval, otherwise every
// sync.poll, and on `devtrack sync-remote now`), and one round: seal this
// device's changes into segments (sync/sync.h), hand the exchange to the
// worker's sync plugin ("sync.exchange"), then open and merge what the
// other devices wrote ("sync.result") and re-plan the updates of answers
// captured here that were edited elsewhere. The outcome is kept in
// plugin_kv "@sync" for `devtrack status` and `devtrack sync-remote status`.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace devtrack::ipc {
class Router;
}  // namespace devtrack::ipc

namespace devtrack {

class Bus;
class EventLoop;
class Store;
class WorkerJobs;
struct Config;

class SyncService {
 public:
  // `replanned` is called after updates were planned again (the outbox
  // takes them).
  SyncService(EventLoop& loop, Bus& bus, Store& store, const Config& config, WorkerJobs& worker,
              std::function<void()> replanned);
  // [loop] Subscribes, and syncs soon when sync is set up.
  void start();
  // [loop] Something to sync changed here (an answer, an edit).
  void changed();
  // [loop] sync-remote.now, .status, .changed.
  void register_verbs(ipc::Router& router);
  // [loop] {"configured", "remote", "device", "in_flight", "completed",
  // "last_ok_ms", "last_try_ms", "next_ms", "last_error"} (`devtrack
  // status` shows it).
  nlohmann::json status();

 private:
  void schedule_at(int64_t at_ms);
  void run();
  void start_round(int64_t now_ms);
  void on_result(const std::string& payload);
  void merge_incoming(const nlohmann::json& result, int64_t now_ms);
  void replan(int64_t prompt_id, int64_t now_ms);
  void finish(const std::string& error, int64_t now_ms);

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  WorkerJobs& worker_;
  std::function<void()> replanned_;
  uint64_t timer_ = 0;
  int64_t timer_at_ms_ = 0;
  int64_t job_id_ = 0;  // the exchange in flight, 0 for none
  int64_t last_job_id_ = 0;
  bool again_ = false;  // something changed while it was in flight
  bool asked_ = false;  // `sync-remote now` while one was in flight: the next round starts at once
  int64_t completed_ = 0;  // rounds finished since the daemon started (`now` waits for its own)
  int failures_ = 0;    // consecutive: the retry waits longer each time
};

}  // namespace devtrack
