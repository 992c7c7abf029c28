// One line-framed stream: newline-terminated messages, in order both ways,
// over a connected local stream socket. The IPC server's sessions, the
// daemon's worker link and the worker each talk through one, so the framing,
// the size limit, partial reads, write ordering and errors live here once.
// Asio is in this header: only the files that do their own I/O include it.
#pragma once

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/streambuf.hpp>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace devtrack {

class LineChannel : public std::enable_shared_from_this<LineChannel> {
 public:
  using Socket = boost::asio::local::stream_protocol::socket;

  struct Handlers {
    // A complete line, without its newline.
    std::function<void(const std::string& line)> on_line;
    // A line passed max_line bytes: called at once; unless the handler
    // closes the channel, the rest of that line is read through and dropped
    // and the stream goes on with the next one.
    std::function<void()> on_oversized;
    // The peer closed, or reading or writing failed: once. Not called after
    // close(): whoever closes knows.
    std::function<void()> on_closed;
  };

  // `read_ahead`: how many replies may wait to be written before reading
  // pauses (backpressure on a peer that sends and never reads); 0 = no limit.
  LineChannel(Socket socket, size_t max_line, size_t read_ahead = 0);

  // [loop thread] Starts reading; the handlers run on the loop thread.
  void start(Handlers handlers);
  // [loop thread] Queues `line` (a newline is added). Lines go out whole and
  // in order; a socket sends with MSG_NOSIGNAL, so a vanished peer is an
  // error here, never a SIGPIPE.
  void send(std::string line);
  // [loop thread] Sends what is queued and `line`, then closes (a last error
  // reply before hanging up).
  void send_and_close(std::string line);
  // [loop thread] Closes now; pending writes are dropped.
  void close();
  bool is_open() const;
  bool sending() const { return !out_.empty(); }  // lines queued or being written
  Socket& socket() { return socket_; }

 private:
  void read();
  void write_next();
  void fail();  // an I/O error or EOF: closes and tells on_closed

  Socket socket_;
  size_t max_line_;
  size_t read_ahead_;
  boost::asio::streambuf in_;
  std::deque<std::string> out_;
  Handlers handlers_;
  bool reading_ = false;      // a read is outstanding
  bool discarding_ = false;   // inside a line longer than max_line
  bool close_after_ = false;  // send_and_close: close once out_ drains
  bool closed_ = false;
};

}  // namespace devtrack
