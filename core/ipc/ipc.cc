// The IPC client's portable part: a request in the protocol's envelope,
// its reply unwrapped. The transport (call_raw, the socket directory) is
// client_posix.cc.
#include "ipc/ipc.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace devtrack::ipc {

std::string call(const std::string& command, const std::string& args_json, std::chrono::milliseconds timeout) {
  static std::atomic<int> next_id{1};
  nlohmann::json request = {{"v", kProtocolVersion},
                            {"id", next_id++},
                            {"cmd", command},
                            {"args", nlohmann::json::parse(args_json)}};
  std::string line = call_raw(request.dump(), timeout);
  auto reply = nlohmann::json::parse(line, nullptr, false);
  if (!reply.is_object()) throw Error("the daemon sent a malformed answer");
  if (reply.value("ok", false)) return reply.contains("result") ? reply["result"].dump() : "{}";
  std::string message = "the daemon refused the request";
  if (reply.contains("error") && reply["error"].is_object())
    message = reply["error"].value("message", message);
  throw Error(message);
}

bool daemon_running() {
  try {
    call("ping", "{}", std::chrono::seconds(2));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace devtrack::ipc
