// The event bus: topics with JSON payloads, delivered on the loop thread in
// publish order. Subscribers are tagged with an owner (a plugin id, or
// "host") so that all of a plugin's subscriptions can be removed before the
// plugin is destroyed. Topics: see docs/architecture.md ("Events").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devtrack {

class EventLoop;

struct Event {
  std::string topic;
  std::string payload;  // a JSON object
  std::string origin;   // "" = this process's host; "plugin:ID" = a plugin of this process;
                        // "worker" / "daemon" = came over the worker link
};

class Bus {
 public:
  using Handler = std::function<void(const Event&)>;
  using SubscriptionId = uint64_t;

  explicit Bus(EventLoop& loop);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // [loop thread] `pattern` is a topic ("prompt.answer"), a prefix pattern
  // ("trigger.*") or "*" for everything. Returns a non-zero id.
  SubscriptionId subscribe(std::string pattern, Handler handler, std::string owner = "host");
  // [loop thread] Takes effect at once, even during a delivery.
  void unsubscribe(SubscriptionId id);
  void unsubscribe_owner(const std::string& owner);
  size_t subscription_count(const std::string& owner) const;
  // The patterns subscribed to by owners other than `except` (the worker
  // tells the daemon which topics its plugins want).
  std::vector<std::string> patterns(const std::string& except) const;

  // [any-thread] Queues the event; subscribers run later on the loop thread.
  // A subscriber that throws is logged and the others still get the event.
  void publish(std::string topic, std::string payload, std::string origin = "");

  static bool matches(std::string_view pattern, std::string_view topic);
  // Topic names: dot-separated words of [a-z0-9_-].
  static bool valid_topic(std::string_view topic);

 private:
  struct Subscription;
  void deliver(const Event& event);

  EventLoop& loop_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;  // loop thread only
  SubscriptionId next_id_ = 1;
};

}  // namespace devtrack
