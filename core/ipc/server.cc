#include "ipc/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <deque>
#include <filesystem>
#include <devtrack/text.hpp>
#include <nlohmann/json.hpp>

#include "event/loop.h"
#include "ipc/ipc.h"
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

// One client connection: reads lines, answers each, until EOF or idle.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, const Server::Handler& handler)
      : socket_(std::move(socket)), handler_(handler), buffer_(kMaxMessageBytes + 1), idle_(socket_.get_executor()) {}

  // Makes room for a newer client (the server holds kMaxSessions at most).
  void close() {
    boost::system::error_code ignored;
    idle_.cancel();
    socket_.close(ignored);
  }

  void start() {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::getuid()) {
      log::warn("ipc", "refused a connection from uid {} (pid {}): the socket is private to uid {}", cred.uid,
                cred.pid, ::getuid());
      send(error_reply(nullptr, "forbidden", "this daemon belongs to another user"), true);
      return;
    }
    pid_ = cred.pid;
    read();
  }

 private:
  void read() {
    auto self = shared_from_this();
    arm_idle_timer();
    asio::async_read_until(socket_, buffer_, '\n', [this, self](boost::system::error_code ec, size_t n) {
      idle_.cancel();
      if (ec == asio::error::not_found) {
        send(error_reply(nullptr, "too_large",
                         "message longer than " + std::to_string(kMaxMessageBytes) + " bytes"),
             true);
        return;
      }
      if (ec) return;  // EOF, reset or closed when idle: the client is gone
      std::string line(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + n - 1);
      buffer_.consume(n);
      send(answer_request(line, handler_, pid_), false);
    });
  }

  // A connection that sends nothing (or half a line) for kIdleTimeout is
  // closed, so idle clients cannot hold descriptors forever.
  void arm_idle_timer() {
    idle_.expires_after(kIdleTimeout);
    std::weak_ptr<Session> weak = shared_from_this();
    idle_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void send(std::string reply, bool close_after) {
    auto self = shared_from_this();
    auto data = std::make_shared<std::string>(std::move(reply) + "\n");
    asio::async_write(socket_, asio::buffer(*data), [this, self, data, close_after](boost::system::error_code ec, size_t) {
      if (ec || close_after) {
        boost::system::error_code ignored;
        socket_.close(ignored);
        return;
      }
      read();
    });
  }

  local::socket socket_;
  Server::Handler handler_;  // a copy: a session may outlive a closed server
  asio::streambuf buffer_;
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
  ::chmod(path.c_str(), 0600);
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
