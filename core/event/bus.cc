#include "event/bus.h"

#include <algorithm>

#include "event/loop.h"
#include "log/log.h"

namespace devtrack {

struct Bus::Subscription {
  SubscriptionId id;
  std::string pattern;
  std::string owner;
  Handler handler;
  bool active = true;
};

Bus::Bus(EventLoop& loop) : loop_(loop) {}

Bus::~Bus() = default;

Bus::SubscriptionId Bus::subscribe(std::string pattern, Handler handler, std::string owner) {
  auto s = std::make_shared<Subscription>();
  s->id = next_id_++;
  s->pattern = std::move(pattern);
  s->owner = std::move(owner);
  s->handler = std::move(handler);
  subscriptions_.push_back(s);
  return s->id;
}

void Bus::unsubscribe(SubscriptionId id) {
  std::erase_if(subscriptions_, [&](const auto& s) {
    if (s->id != id) return false;
    s->active = false;
    return true;
  });
}

void Bus::unsubscribe_owner(const std::string& owner) {
  std::erase_if(subscriptions_, [&](const auto& s) {
    if (s->owner != owner) return false;
    s->active = false;
    return true;
  });
}

size_t Bus::subscription_count(const std::string& owner) const {
  return std::count_if(subscriptions_.begin(), subscriptions_.end(),
                       [&](const auto& s) { return s->owner == owner; });
}

std::vector<std::string> Bus::patterns(const std::string& except) const {
  std::vector<std::string> out;
  for (const auto& s : subscriptions_)
    if (s->owner != except && std::find(out.begin(), out.end(), s->pattern) == out.end()) out.push_back(s->pattern);
  return out;
}

void Bus::publish(std::string topic, std::string payload, std::string origin) {
  loop_.post([this, e = Event{std::move(topic), std::move(payload), std::move(origin)}] { deliver(e); });
}

void Bus::deliver(const Event& event) {
  // A snapshot, so handlers may subscribe or unsubscribe while we deliver;
  // `active` makes an unsubscription take effect at once.
  auto snapshot = subscriptions_;
  for (const auto& s : snapshot) {
    if (!s->active || !matches(s->pattern, event.topic)) continue;
    try {
      s->handler(event);
    } catch (const std::exception& e) {
      log::error("bus", "subscriber of '{}' ({}) failed on {}: {}", s->pattern, s->owner, event.topic, e.what());
    } catch (...) {
      log::error("bus", "subscriber of '{}' ({}) failed on {}", s->pattern, s->owner, event.topic);
    }
  }
}

bool Bus::matches(std::string_view pattern, std::string_view topic) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    auto prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    return topic.size() > prefix.size() && topic.substr(0, prefix.size()) == prefix;
  }
  return pattern == topic;
}

bool Bus::valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 128 || topic.front() == '.' || topic.back() == '.') return false;
  char prev = 0;
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

}  // namespace devtrack
