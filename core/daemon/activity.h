// Activity and time away in the daemon (docs/time.md). Records what the
// user is seen doing — editor heartbeats, commits, answers — in the
// activity table (store/activity_store.h), and notices time away: a
// suspend (the clock seam's suspended time grows; the loop wakes on
// resume), a locked or idle desktop session (a SessionWatch, logind on
// Linux), or no activity at all for away.after. On return inside work
// hours it publishes `trigger.away`, which opens a prompt like any
// trigger: "You were away 14:10–15:40 (1 h 30 min): what was it?".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace devtrack {

class Bus;
class EventLoop;
class SessionWatch;
class Store;
struct Config;

class Activity {
 public:
  Activity(EventLoop& loop, Bus& bus, Store& store, const Config& config);
  ~Activity();
  Activity(const Activity&) = delete;
  Activity& operator=(const Activity&) = delete;

  // [loop] Subscribes, reads the last activity and starts the session watch.
  void start();

 private:
  // The user is here at `at_ms` (any sign): closes a time away.
  void present(int64_t at_ms);
  void on_heartbeat(const std::string& payload);
  void on_commit(const std::string& payload);
  void on_answer(const std::string& payload);
  void on_wake();
  void on_session(bool away, int64_t since_ms, const std::string& reason);
  void record(int64_t at_ms, const std::string& repo, const std::string& kind, const std::string& file);
  void away_span(int64_t start_ms, int64_t end_ms, const std::string& reason);
  std::string repository_of(const std::string& file);
  void keep_alarm_armed();

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  std::unique_ptr<SessionWatch> session_;
  int64_t last_seen_ms_ = 0;     // the newest sign of the user
  int64_t suspended_ms_ = 0;     // the clock's suspended time at the last look
  int64_t session_away_ms_ = 0;  // the session went idle or locked then (0: it is not)
  std::string session_reason_;
  int64_t asked_until_ms_ = 0;   // the end of the last span asked about
};

}  // namespace devtrack
