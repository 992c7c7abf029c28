// The daemon's side of the IPC socket, on the event loop. It checks every
// message (size, JSON, protocol version, shape, peer uid) before a handler
// sees it, and answers anything malformed with a clear error: a bad client
// never takes the daemon down.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace devtrack {
class EventLoop;
}

namespace devtrack::ipc {

struct Request {
  std::string command;
  std::string args_json;  // always a JSON object
  int peer_pid = 0;
};

// Thrown by a handler to answer with {"ok": false, "error": {code, message}}.
class RequestError : public std::runtime_error {
 public:
  RequestError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// [loop thread] Checks one request line and answers it: the reply line
// (without its newline) for {"v", "id", "cmd", "args"}, or an error reply
// for anything malformed. Never throws. The server calls it for every line;
// the IPC fuzz target calls it directly.
std::string answer_request(const std::string& line, const std::function<std::string(const Request&)>& handler,
                           int peer_pid);

class Server {
 public:
  // [loop thread] Returns the result as JSON text, or throws RequestError.
  using Handler = std::function<std::string(const Request&)>;

  Server(EventLoop& loop, Handler handler);
  ~Server();

  // Creates the private directory (0700), replaces a stale socket, listens.
  // Throws Error if another daemon is listening or the path is unusable.
  void listen(const std::string& path);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack::ipc
