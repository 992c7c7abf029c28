// One log line as the logs table keeps it. Its own header: the store
// writes and reads these without the logging machinery.
#pragma once

#include <cstdint>
#include <string>

namespace devtrack {

struct LogRecord {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string level;   // "debug" | "info" | "warn" | "error"
  std::string source;  // "daemon", "worker", or a plugin id
  std::string message;
};

}  // namespace devtrack
