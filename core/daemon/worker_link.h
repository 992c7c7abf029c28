// The daemon's side of devtrack-worker: starts it on demand, joined to the
// bus over a socketpair carrying the same JSON events, hands it jobs, and
// restarts it with backoff if it crashes. Jobs stay pending until the
// daemon sees their result, so a crash loses nothing. The worker exits by
// itself after its idle time. Protocol: docs/ipc.md ("Worker link").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "daemon/worker_jobs.h"

namespace devtrack {

class Bus;
class EventLoop;

class WorkerLink : public WorkerJobs {
 public:
  WorkerLink(EventLoop& loop, Bus& bus, std::string worker_program, std::chrono::seconds idle_timeout);
  ~WorkerLink();

  // [loop] Queues a job (payload holds an integer "trigger_id" or
  // "update_id" that names it) and starts the worker if it is not running.
  void send(const std::string& topic, const std::string& payload) override;
  // [loop] The config changed: a running worker restarts its plugins with
  // it (in order, after the jobs it has); one not running reads it anyway.
  void reload();
  // [loop] The job's result arrived: forget it.
  void done(const std::string& topic, int64_t key) override;

  struct Status {
    bool running = false;
    int pid = 0;
    int crashes = 0;
    size_t pending = 0;
    std::string last_exit;  // "idle", "crashed (signal 6)", ...
  };
  Status status() const;

  void stop();  // [loop] ends the worker (daemon shutdown)
  // [loop] `fn` runs each time the worker has exited, cleanly or not.
  void on_exit(std::function<void()> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack
