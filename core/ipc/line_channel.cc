#include "ipc/line_channel.h"

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;

namespace devtrack {

LineChannel::LineChannel(Socket socket, size_t max_line, size_t read_ahead)
    : socket_(std::move(socket)), max_line_(max_line), read_ahead_(read_ahead), in_(max_line + 1) {}

void LineChannel::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  read();
}

bool LineChannel::is_open() const { return !closed_; }

void LineChannel::read() {
  if (closed_ || reading_ || close_after_) return;
  if (read_ahead_ && out_.size() >= read_ahead_) return;  // resumed when the replies are written
  reading_ = true;
  auto self = shared_from_this();
  asio::async_read_until(socket_, in_, '\n', [this, self](boost::system::error_code ec, size_t n) {
    reading_ = false;
    if (closed_) return;
    if (ec == asio::error::not_found) {  // max_line bytes and no end of line yet
      in_.consume(in_.size());
      if (!discarding_) {
        discarding_ = true;
        auto on_oversized = handlers_.on_oversized;  // a copy: the handler may close the channel
        if (on_oversized) on_oversized();
      }
      return read();
    }
    if (ec) return fail();
    if (discarding_) {  // the end of the line that was too long
      in_.consume(n);
      discarding_ = false;
    } else {
      std::string line(asio::buffers_begin(in_.data()), asio::buffers_begin(in_.data()) + n - 1);
      in_.consume(n);
      auto on_line = handlers_.on_line;  // a copy: the handler may close the channel
      if (on_line) on_line(line);
    }
    read();
  });
}

void LineChannel::send(std::string line) {
  if (closed_ || close_after_) return;
  out_.push_back(std::move(line) + "\n");
  if (out_.size() == 1) write_next();
}

void LineChannel::send_and_close(std::string line) {
  send(std::move(line));
  close_after_ = true;
  if (out_.empty()) close();
}

void LineChannel::write_next() {
  if (out_.empty() || closed_) return;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(out_.front()), [this, self](boost::system::error_code ec, size_t) {
    if (closed_) return;
    if (ec) return fail();
    out_.pop_front();
    if (out_.empty() && close_after_) return close();
    write_next();
    read();  // if it paused for backpressure
  });
}

void LineChannel::close() {
  if (closed_) return;
  closed_ = true;
  out_.clear();
  boost::system::error_code ignored;
  socket_.close(ignored);
  // The handlers may hold their owner (an IPC session holds itself through
  // them): let them go, later on the loop, not inside one of them.
  asio::post(socket_.get_executor(), [handlers = std::move(handlers_)] {});
  handlers_ = {};
}

void LineChannel::fail() {
  if (closed_) return;
  auto on_closed = handlers_.on_closed;  // close() lets the handlers go
  close();
  if (on_closed) on_closed();
}

}  // namespace devtrack
