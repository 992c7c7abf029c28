// A C++ plugin (through sdk.hpp) whose constructor throws: the SDK turns it
// into a create() failure with the message; nothing crosses the ABI.
#include <devtrack/sdk.hpp>

#include <stdexcept>

class Throws : public devtrack::sdk::Trigger {
 public:
  Throws(const dt_host* host, std::string_view) : Trigger(host) { throw std::runtime_error("boom in the constructor"); }
  void start() override {}
  void stop() override {}
};

DEVTRACK_PLUGIN(Throws, "create-throws", "Create Throws", "1.0.0", DT_RUNS_IN_DAEMON,
                "Throws from its constructor.", nullptr)
