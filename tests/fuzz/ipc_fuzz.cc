// Fuzzes the daemon's IPC envelope: answer_request() (core/ipc/server.h) on
// one request line, the way the server calls it for every line up to
// kMaxMessageBytes, with a handler that reads its arguments as the daemon's
// does (core/daemon/daemon.cc: typed fields, RequestError for bad ones) and
// echoes them back (what reaches the reply from the request: ids, strings,
// nesting). Properties: it never throws, and every reply is one line of
// JSON with "v" and either "ok": true + "result" or an error code.
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "ipc/ipc.h"
#include "ipc/server.h"

using nlohmann::json;
namespace ipc = devtrack::ipc;

namespace {

int64_t int_arg(const json& args, const char* name) {
  if (!args.contains(name) || !args[name].is_number_integer())
    throw ipc::RequestError("bad_request", std::string(name) + " must be a whole number");
  return args[name].get<int64_t>();
}

std::string handle(const ipc::Request& r) {
  json args = json::parse(r.args_json);  // the daemon's first line: must not throw
  if (r.command == "ping") return json{{"pong", true}, {"pid", r.peer_pid}}.dump();
  if (r.command == "set-interval") return json{{"interval_s", int_arg(args, "seconds")}}.dump();
  if (r.command == "clock.advance") return json{{"now_ms", int_arg(args, "ms")}}.dump();
  if (r.command == "editor.heartbeat") {
    if (!args.contains("file") || !args["file"].is_string()) throw ipc::RequestError("bad_request", "needs file");
    return json{{"ok", true}}.dump();
  }
  if (r.command == "echo") return json{{"args", args}, {"cmd", r.command}}.dump();
  if (r.command == "fail") throw std::runtime_error("handler failed: " + args.dump());
  throw ipc::RequestError("unknown_command", "unknown command '" + r.command + "'");
}

void check_reply(const std::string& line, const std::string& reply) {
  FUZZ_CHECK(reply.find('\n') == std::string::npos, reply);  // one line: the framing
  json j = json::parse(reply, nullptr, false);
  FUZZ_CHECK(j.is_object() && j.contains("v"), "request: " + line + "\nreply: " + reply);
  if (j.value("ok", false)) {
    FUZZ_CHECK(j.contains("result"), reply);
  } else {
    FUZZ_CHECK(j.contains("error") && j["error"].is_object() && j["error"].value("code", "") != "", reply);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > ipc::kMaxMessageBytes) return -1;  // the server refuses longer lines before parsing
  std::string line(fuzz::bytes(data, size));
  if (line.find('\n') != std::string::npos) return -1;  // the server splits at newlines
  std::string reply = ipc::answer_request(line, handle, 4242);
  check_reply(line, reply);
  return 0;
}
