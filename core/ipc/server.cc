#include "ipc/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <deque>
#include <filesystem>
#include <devtrack/text.hpp>
#include <nlohmann/json.hpp>

#include "event/loop.h"
#include "ipc/ipc.h"
#include "ipc/line_channel.h"
#include "ipc/peer.h"
#include "log/log.h"
#include "util/error.h"
#include "util/json_text.h"
#include "util/paths.h"

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using nlohmann::json;

namespace devtrack::ipc {

namespace {

std::string error_reply(const json& id, const std::string& code, const std::string& message) {
  return dump_text(
      json{{"v", kProtocolVersion}, {"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}});
}

// Limits that keep a misbehaving or hostile client from starving the
// daemon: each connection holds a descriptor and a buffer, and the loop is
// shared with capture and prompts.
constexpr size_t kMaxSessions = 128;                    // well under the usual 1024 descriptors
constexpr auto kIdleTimeout = std::chrono::seconds(30);  // no complete request for this long: closed
constexpr auto kAcceptBackoff = std::chrono::milliseconds(200);  // after EMFILE/ENFILE

// One client connection: reads lines and answers each in order, until EOF
// or idle. It reads the next request only once the reply is written (a
// client that sends and never reads holds one reply, not a growing queue).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, const Server::Handler& handler)
      : channel_(std::make_shared<LineChannel>(std::move(socket), kMaxMessageBytes, 1)),
        handler_(handler),
        idle_(channel_->socket().get_executor()) {}

  // Makes room for a newer client (the server holds kMaxSessions at most).
  void close() {
    idle_.cancel();
    channel_->close();
  }

  void start() {
    auto peer = peer_of(channel_->socket().native_handle());
    if (!peer || peer->uid != own_uid()) {
      log::warn("ipc", "refused a connection from uid {} (pid {}): the socket is private to uid {}",
                peer ? std::to_string(peer->uid) : "?", peer ? peer->pid : 0, own_uid());
      channel_->send_and_close(error_reply(nullptr, "forbidden", "this daemon belongs to another user"));
      return;
    }
    pid_ = peer->pid;
    arm_idle_timer();
    // The handlers keep the session alive until the channel closes.
    auto self = shared_from_this();
    channel_->start({
        [self](const std::string& line) { self->answer(line); },
        [self] {
          self->channel_->send_and_close(
              error_reply(nullptr, "too_large", "message longer than " + std::to_string(kMaxMessageBytes) + " bytes"));
        },
        [self] { self->idle_.cancel(); },  // EOF, reset: the client is gone
    });
  }

 private:
  void answer(const std::string& line) {
    arm_idle_timer();
    channel_->send(answer_request(line, handler_, pid_));
  }

  // A connection that sends nothing (or half a line) for kIdleTimeout is
  // closed, so idle clients cannot hold descriptors forever.
  void arm_idle_timer() {
    idle_.expires_after(kIdleTimeout);
    std::weak_ptr<Session> weak = shared_from_this();
    idle_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->channel_->close();
    });
  }

  std::shared_ptr<LineChannel> channel_;
  Server::Handler handler_;  // a copy: a session may outlive a closed server
  asio::steady_timer idle_;
  int pid_ = 0;
};

}  // namespace

std::string answer_request(const std::string& line, const Server::Handler& handler, int peer_pid) {
  if (sdk::json_nesting_depth(line) > sdk::kMaxJsonDepth)
    return error_reply(nullptr, "bad_json",
                       "the message nests deeper than " + std::to_string(sdk::kMaxJsonDepth) + " levels");
  json request = json::parse(line, nullptr, false);
  if (request.is_discarded()) return error_reply(nullptr, "bad_json", "the message is not valid JSON");
  if (!request.is_object()) return error_reply(nullptr, "bad_request", "the message must be a JSON object");
  json id = request.contains("id") ? request["id"] : json(nullptr);
  if (!request.contains("v") || !request["v"].is_number_integer())
    return error_reply(id, "bad_request", "the message has no protocol version \"v\"");
  if (request["v"] != kProtocolVersion)
    return error_reply(id, "unsupported_version",
                       "protocol version " + request["v"].dump() + " is not supported; this daemon speaks " +
                           std::to_string(kProtocolVersion));
  if (!request.contains("cmd") || !request["cmd"].is_string())
    return error_reply(id, "bad_request", "the message has no command \"cmd\"");
  if (request.contains("args") && !request["args"].is_object())
    return error_reply(id, "bad_request", "\"args\" must be a JSON object");
  Request r{request["cmd"].get<std::string>(), request.contains("args") ? request["args"].dump() : "{}", peer_pid};
  try {
    std::string result = handler(r);
    json parsed = json::parse(result, nullptr, false);
    return dump_text(json{{"v", kProtocolVersion}, {"id", id}, {"ok", true}, {"result", parsed}});
  } catch (const RequestError& e) {
    return error_reply(id, e.code(), e.what());
  } catch (const std::exception& e) {
    log::error("ipc", "command {} failed: {}", r.command, e.what());
    return error_reply(id, "failed", e.what());
  }
}

struct Server::Impl {
  Impl(EventLoop& loop, Handler h)
      : io(loop.io_context()), acceptor(io), backoff(io), handler(std::move(h)) {}
  asio::io_context& io;
  local::acceptor acceptor;
  asio::steady_timer backoff;
  Handler handler;
  std::string path;
  std::deque<std::weak_ptr<Session>> sessions;  // oldest first (loop thread only)

  // At the cap the oldest connection goes: a client that connects now is
  // more likely to be a person waiting than one that has sat idle longest
  // (500 idle connections must not lock `devtrack status` out).
  void admit(const std::shared_ptr<Session>& session) {
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(), [](const auto& w) { return w.expired(); }),
                   sessions.end());
    while (sessions.size() >= kMaxSessions) {
      if (auto oldest = sessions.front().lock()) oldest->close();
      sessions.pop_front();
    }
    sessions.push_back(session);
  }

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, local::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        auto session = std::make_shared<Session>(std::move(socket), handler);
        admit(session);
        session->start();
      } else if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOMEM ||
                 ec == asio::error::no_buffer_space) {
        // Out of descriptors: the pending connection stays in the backlog
        // and the socket stays readable, so accepting again at once would
        // spin. Wait for descriptors to come back (idle sessions close).
        log::warn("ipc", "cannot accept a connection: {}; retrying in {} ms", ec.message(), kAcceptBackoff.count());
        backoff.expires_after(kAcceptBackoff);
        backoff.async_wait([this](boost::system::error_code e) {
          if (!e) accept();
        });
        return;
      }
      accept();
    });
  }
};

Server::Server(EventLoop& loop, Handler handler) : impl_(std::make_unique<Impl>(loop, std::move(handler))) {}

Server::~Server() { close(); }

void Server::listen(const std::string& path) {
  check_socket_path(path);
  paths::ensure_private_dir(std::filesystem::path(path).parent_path().string());
  check_private_dir(std::filesystem::path(path).parent_path().string());
  // A socket file left by a daemon that died: remove it, but never one that
  // a live daemon answers on (the caller holds the home's lock already).
  std::error_code ec;
  std::filesystem::remove(path, ec);
  impl_->path = path;
  impl_->acceptor.open(local());
  impl_->acceptor.bind(local::endpoint(path));
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  impl_->acceptor.listen();
  impl_->accept();
}

void Server::close() {
  if (!impl_->acceptor.is_open()) return;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->backoff.cancel();
  std::error_code fec;
  std::filesystem::remove(impl_->path, fec);
}

}  // namespace devtrack::ipc
