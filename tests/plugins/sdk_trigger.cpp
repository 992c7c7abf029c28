// A C++ trigger through sdk.hpp: on start it arms a timer through the host
// clock and, when it fires, publishes a trigger kind core does not know
// (trigger.focus) saying what the prompt shows; "control" echoes.
#include <devtrack/sdk.hpp>

#include <string>

class Ticker : public devtrack::sdk::Trigger {
 public:
  Ticker(const dt_host* host, std::string_view) : Trigger(host) {}
  void start() override {
    const dt_host* h = host().raw();
    h->timer_start(h, host().now_ms() + 60'000, &Ticker::on_timer, this);
  }
  void stop() override {}
  std::string control(std::string_view command) override {
    if (command.find("\"fail\"") != std::string_view::npos)
      throw devtrack::sdk::Error(DT_RETRY, "try later", 30);
    return "{\"echo\":" + devtrack::sdk::json_quote(command) + "}";
  }

 private:
  static void on_timer(void* user, uint64_t) {
    auto* self = static_cast<Ticker*>(user);
    std::string now = std::to_string(self->host().now_ms());
    std::string start = std::to_string(self->host().now_ms() - 25 * 60'000);
    self->host().publish("trigger.focus", "{\"at_ms\":" + now + ",\"title\":\"Focus block\",\"start_ms\":" + start +
                                              ",\"end_ms\":" + now + ",\"suggested\":{\"minutes\":25}}");
  }
};

DEVTRACK_PLUGIN(Ticker, "sdk-trigger", "SDK Trigger", "1.0.0", DT_RUNS_IN_DAEMON,
                "A timer-driven trigger written with sdk.hpp.", nullptr)
