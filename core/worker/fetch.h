// The worker's side of dt_host.fetch: takes "http.fetch" jobs from the
// daemon, runs each with the worker's http() service, and answers
// "http.fetched" {fetch_id, status, response}; a response too long for the
// link goes to fetch_spool_file(id) instead ({"spooled": true}).
#pragma once

#include "plugin/host.h"

namespace devtrack {

class Bus;

// `http` is read at each job: the worker sets it when it (re)configures.
void start_fetch_service(Bus& bus, const PluginHost::HttpFn* http);

}  // namespace devtrack
