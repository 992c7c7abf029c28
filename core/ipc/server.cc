#include "ipc/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "event/loop.h"
#include "ipc/ipc.h"
#include "log/log.h"
#include "util/error.h"
#include "util/paths.h"

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using nlohmann::json;

namespace devtrack::ipc {

namespace {

std::string error_reply(const json& id, const std::string& code, const std::string& message) {
  return json{{"v", kProtocolVersion}, {"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}}
      .dump();
}

// One client connection: reads lines, answers each, until EOF.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(local::socket socket, const Server::Handler& handler)
      : socket_(std::move(socket)), handler_(handler), buffer_(kMaxMessageBytes + 1) {}

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
    asio::async_read_until(socket_, buffer_, '\n', [this, self](boost::system::error_code ec, size_t n) {
      if (ec == asio::error::not_found) {
        send(error_reply(nullptr, "too_large",
                         "message longer than " + std::to_string(kMaxMessageBytes) + " bytes"),
             true);
        return;
      }
      if (ec) return;  // EOF or reset: the client is gone
      std::string line(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + n - 1);
      buffer_.consume(n);
      send(answer(line), false);
    });
  }

  std::string answer(const std::string& line) {
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
    Request r{request["cmd"].get<std::string>(), request.contains("args") ? request["args"].dump() : "{}", pid_};
    try {
      std::string result = handler_(r);
      json parsed = json::parse(result, nullptr, false);
      return json{{"v", kProtocolVersion}, {"id", id}, {"ok", true}, {"result", parsed}}.dump();
    } catch (const RequestError& e) {
      return error_reply(id, e.code(), e.what());
    } catch (const std::exception& e) {
      log::error("ipc", "command {} failed: {}", r.command, e.what());
      return error_reply(id, "failed", e.what());
    }
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
  int pid_ = 0;
};

}  // namespace

struct Server::Impl {
  Impl(EventLoop& loop, Handler h)
      : io(*static_cast<asio::io_context*>(loop.io_context())), acceptor(io), handler(std::move(h)) {}
  asio::io_context& io;
  local::acceptor acceptor;
  Handler handler;
  std::string path;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, local::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), handler)->start();
      accept();
    });
  }
};

Server::Server(EventLoop& loop, Handler handler) : impl_(std::make_unique<Impl>(loop, std::move(handler))) {}

Server::~Server() { close(); }

void Server::listen(const std::string& path) {
  check_socket_path(path);
  paths::ensure_private_dir(std::filesystem::path(path).parent_path().string());
  struct stat st;
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (::stat(dir.c_str(), &st) == 0 && st.st_uid != ::getuid())
    throw Error("the socket directory " + dir + " belongs to another user");
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
  std::error_code fec;
  std::filesystem::remove(impl_->path, fec);
}

}  // namespace devtrack::ipc
