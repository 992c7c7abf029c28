// Asking through the surfaces that live in the daemon (notify): on
// prompt.request the configured prompt.surfaces are tried in order; the
// first daemon surface that is available shows the prompt. `tty` (a client
// surface) means "wait for devtrack checkin" — where the list reaches it, or
// when no surface is available, the prompt simply stays pending: nothing is
// lost. A surface's answer comes back as prompt.answer / prompt.skip /
// prompt.defer published by the plugin; it is stored here (the store first)
// and then handled like an answer from `devtrack checkin`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace devtrack {

class Bus;
class EventLoop;
class PluginHost;
class Store;
struct Config;

class Surfaces {
 public:
  // `changed` is Prompts::changed (a prompt's state moved).
  Surfaces(EventLoop& loop, Bus& bus, Store& store, const Config& config, PluginHost& host,
           std::function<void(int64_t prompt_id)> changed);

 private:
  void show(int64_t prompt_id);
  void on_reply(const std::string& topic, const std::string& origin, const std::string& payload);
  std::string prompt_json(int64_t prompt_id);
  void withdraw(int64_t prompt_id);

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  PluginHost& host_;
  std::function<void(int64_t)> changed_;
};

}  // namespace devtrack
