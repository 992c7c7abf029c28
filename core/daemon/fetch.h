// dt_host.fetch for daemon plugins: the daemon has no network service of
// its own, so a request becomes an "http.fetch" job for the worker, which
// runs it with its http() service and answers "http.fetched". A response
// too long for the link (a year of calendar) comes as a private file in
// cache/fetch/ that this reads and removes. Protocol: docs/ipc.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "plugin/fetcher.h"

namespace devtrack {

class Bus;
class WorkerJobs;

class FetchService : public Fetcher {
 public:
  FetchService(Bus& bus, WorkerJobs& worker);
  uint64_t fetch(const std::string& plugin_id, const std::string& request_json, Done done) override;
  void cancel(uint64_t id) override;

 private:
  void on_fetched(const std::string& payload);

  Bus& bus_;
  WorkerJobs& worker_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, Done> pending_;
};

}  // namespace devtrack
