#include "ipc/router.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/json_text.h"
#include "util/strings.h"

namespace devtrack::ipc {

Router::Router() {
  add("verbs", [this](const nlohmann::json&) { return nlohmann::json{{"verbs", names()}}; });
}

void Router::add(const std::string& name, Verb verb) {
  if (!verbs_.emplace(name, std::move(verb)).second) throw std::logic_error("the verb " + name + " is registered twice");
}

std::string Router::handle(const Request& request) const {
  auto verb = verbs_.find(request.command);
  if (verb == verbs_.end())
    throw RequestError("unknown_command",
                       "unknown command '" + request.command + "'" + did_you_mean(request.command, names()));
  return dump_text(verb->second(nlohmann::json::parse(request.args_json)));
}

std::vector<std::string> Router::names() const {
  std::vector<std::string> out;
  for (const auto& [name, verb] : verbs_) out.push_back(name);
  return out;
}

}  // namespace devtrack::ipc
