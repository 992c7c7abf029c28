// Logging, the same way everywhere (spdlog underneath, kept out of this
// header). The CLI logs to stderr; the daemon and worker log to stderr and
// to a row writer their main() installs (the `logs` table, batched). Every line passes one
// redaction point: secret values the process learned are replaced by "***".
// Commit messages and answers are content: pass them through content() so
// they are logged only when the user turned content logging on.
#pragma once

#include <fmt/core.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "log/record.h"

namespace devtrack::log {

enum Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// CLI: stderr only, "devtrack: warning: ..." style. Default level warn.
void init_cli(Level level);
// Where a service keeps its lines besides stderr: called with each batch
// from the logger's own thread, so logging never waits on disk in the
// caller. It may throw (a full disk): those lines are then on stderr only.
// The logs table is one (store/log_table.h), installed by each main().
using RowWriter = std::function<void(const std::vector<LogRecord>& batch)>;
// Daemon / worker: stderr plus `rows`.
void init_service(const std::string& process, RowWriter rows, Level level);
// Flushes pending rows to the database; call before exit.
void shutdown();

void set_level(Level level);
Level parse_level(std::string_view name, Level fallback);

// The single redaction point.
void add_secret(std::string_view value);
std::string redact(std::string_view text);

void set_content_logging(bool on);
// The text itself when content logging is on, else "<N chars>".
std::string content(std::string_view text);

void write(Level level, std::string_view source, std::string_view message);

template <typename... A>
void debug(std::string_view source, fmt::format_string<A...> f, A&&... a) {
  write(kDebug, source, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void info(std::string_view source, fmt::format_string<A...> f, A&&... a) {
  write(kInfo, source, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void warn(std::string_view source, fmt::format_string<A...> f, A&&... a) {
  write(kWarn, source, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void error(std::string_view source, fmt::format_string<A...> f, A&&... a) {
  write(kError, source, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace devtrack::log
