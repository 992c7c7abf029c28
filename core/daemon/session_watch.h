// Whether the user's desktop session is locked or idle — the system's own
// word for "away". Linux: logind's IdleHint and LockedHint over the system
// D-Bus (session_watch_logind.cc); where there is no session (a server, a
// container, no logind) start() returns false and the daemon goes by
// activity alone. Another system adds its own file behind this interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace devtrack {

class SessionWatch {
 public:
  // [loop] `changed(away, since_ms, reason)`: the session became idle or
  // locked ("idle", "locked") at since_ms, or active again (away = false).
  using Changed = std::function<void(bool away, int64_t since_ms, const std::string& reason)>;

  virtual ~SessionWatch() = default;
  // [loop] Starts watching; false (and a reason in `why`) where there is no session to watch.
  virtual bool start(std::string& why) = 0;

  static std::unique_ptr<SessionWatch> create(boost::asio::io_context& io, Changed changed);
};

}  // namespace devtrack
