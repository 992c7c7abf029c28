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
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "store/states.h"

namespace devtrack {

class Bus;
class EventLoop;
class PluginHost;
class Store;
struct Config;
struct TriggerText;

class Surfaces {
 public:
  // `changed` is Prompts::changed (a prompt's state moved).
  Surfaces(EventLoop& loop, Bus& bus, Store& store, const Config& config, PluginHost& host,
           std::function<void(int64_t prompt_id)> changed);

 private:
  // A surface's reply as it is stored.
  struct Reply {
    int64_t prompt_id = 0;
    PromptState state = PromptState::kAnswered;  // answered | skipped | deferred
    std::string text;
    int64_t defer_s = 0;
    std::string origin;
    std::string spool_file;  // where it waits while the database refuses it
  };

  void show(int64_t prompt_id);
  void update(int64_t prompt_id);
  void on_reply(const std::string& topic, const std::string& origin, const std::string& payload);
  void store_reply(Reply reply);
  void spool_reply(Reply& reply);
  void ingest_spooled_replies();
  void retry_later();
  std::string prompt_json(int64_t prompt_id);
  nlohmann::json quick_answers(const TriggerText& away);
  void withdraw(int64_t prompt_id);

  EventLoop& loop_;
  Bus& bus_;
  Store& store_;
  const Config& config_;
  PluginHost& host_;
  std::function<void(int64_t)> changed_;
  std::map<int64_t, std::string> shown_by_;  // pending prompts -> the daemon surface showing them
  std::deque<Reply> unstored_;  // replies the database refused, oldest first
  bool retry_scheduled_ = false;
};

}  // namespace devtrack
