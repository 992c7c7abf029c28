// The daemon's verbs in one table. Each component registers the verbs it
// answers, with a handler that checks its own arguments; the IPC server
// hands every checked request to Router::handle. docs/ipc.md lists the
// verbs, and router_test holds the table and the document together.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ipc/server.h"

namespace devtrack::ipc {

class Router {
 public:
  // [loop thread] Gets the request's args (always a JSON object) and
  // returns the result, or throws RequestError (bad_request...).
  using Verb = std::function<nlohmann::json(const nlohmann::json& args)>;

  Router();  // with the router's own verb, "verbs"
  // Registers a verb. A name registered twice is the programmer's mistake:
  // std::logic_error.
  void add(const std::string& name, Verb verb);
  // [loop thread] Server::Handler: the verb's result as JSON text (bytes
  // that are not UTF-8 replaced); unknown_command, with a did-you-mean, for
  // a name nobody registered.
  std::string handle(const Request& request) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Verb> verbs_;
};

}  // namespace devtrack::ipc
