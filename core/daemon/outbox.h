// The daemon's side of the outbox: keeps the next due time on the loop,
// hands due rows to the worker ("tracker.deliver"), and applies the
// results ("tracker.result"): sent, retried with backoff, blocked (auth),
// failed. A row left "sending" by a crash is retried after the tracker's
// find() has looked for it, so nothing is posted twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <map>
#include <random>
#include <set>

namespace devtrack::ipc {
class Router;
}  // namespace devtrack::ipc

namespace devtrack {

class Bus;
class EventLoop;
class Store;
class WorkerJobs;

using TimePointSteady = std::chrono::steady_clock::time_point;

class Outbox {
 public:
  Outbox(EventLoop& loop, Bus& bus, Store& store, WorkerJobs& worker);
  void start();           // [loop] after a restart: interrupted rows back to queued
  void changed();         // [loop] rows were queued, retried or dropped
  int sync();             // [loop] everything queued is due now; returns how many
  void register_verbs(ipc::Router& router);  // [loop] updates.changed, sync

 private:
  void schedule();
  void deliver_due();
  void on_result(const std::string& payload);
  void apply_result(int64_t id, const nlohmann::json& result);
  bool awaits_commit_details(int64_t id, const nlohmann::json& body, std::map<int64_t, TimePointSteady>& waiting);
  static constexpr std::chrono::seconds kResultRetry{5};
  // How long a due update waits for the worker to read its commits (real
  // time: a cold worker starting on a busy machine), and how often the
  // wait is looked at again besides when a commit's details arrive.
  static constexpr std::chrono::seconds kDetailsWait{30};
  static constexpr std::chrono::milliseconds kDetailsRecheck{1000};

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  WorkerJobs& worker_;
  uint64_t timer_ = 0;
  std::set<int64_t> in_flight_;
  std::map<int64_t, TimePointSteady> details_wait_;  // due updates waiting for their commits' subjects
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace devtrack
