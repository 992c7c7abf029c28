// What the daemon's components need of the worker: a job handed over, and
// a job forgotten once its result arrived. WorkerLink (worker_link.h) is
// the real one, a child process over a socket; component tests record the
// jobs and answer them on the bus themselves.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

class WorkerJobs {
 public:
  virtual ~WorkerJobs() = default;
  // [loop] Queues a job; its payload holds an integer "trigger_id" or
  // "update_id" that names it. Results come back on the bus.
  virtual void send(const std::string& topic, const std::string& payload) = 0;
  // [loop] The job's result arrived: forget it.
  virtual void done(const std::string& topic, int64_t key) = 0;
};

}  // namespace devtrack
