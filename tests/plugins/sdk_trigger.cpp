// A C++ trigger through sdk.hpp: on start it arms a timer through the host
// clock and publishes trigger.manual when it fires; "control" echoes.
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
    self->host().publish("trigger.manual", "{\"at_ms\":" + std::to_string(self->host().now_ms()) + "}");
  }
};

DEVTRACK_PLUGIN(Ticker, "sdk-trigger", "SDK Trigger", "1.0.0", DT_RUNS_IN_DAEMON,
                "A timer-driven trigger written with sdk.hpp.", nullptr)
