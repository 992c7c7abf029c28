// What the plugin host needs to offer dt_host.fetch: someone who runs an
// HTTP request elsewhere and answers later on the loop. In the daemon that
// is FetchService (daemon/fetch.h), which hands the request to the worker.
#pragma once

#include <devtrack/plugin.h>

#include <cstdint>
#include <functional>
#include <string>

#include "util/paths.h"

namespace devtrack {

// Where the worker spools the response of fetch `id` that is too long for
// the link, for the daemon to read and remove. The daemon names the file
// from the id, so no message can point it at another one.
inline std::string fetch_spool_file(uint64_t id) {
  return paths::cache_dir() + "/fetch/" + std::to_string(id) + ".json";
}

class Fetcher {
 public:
  using Done = std::function<void(dt_status status, const std::string& response)>;
  virtual ~Fetcher() = default;
  // [loop] Starts a request for `plugin_id`; `done` runs once, later, on
  // the loop unless cancel(id) came first. Returns a non-zero id.
  virtual uint64_t fetch(const std::string& plugin_id, const std::string& request_json, Done done) = 0;
  // [loop] `done` of that fetch will not run.
  virtual void cancel(uint64_t id) = 0;
};

}  // namespace devtrack
