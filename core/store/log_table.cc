#include "store/log_table.h"

#include <SQLiteCpp/Database.h>

#include <memory>

#include "store/store.h"

namespace devtrack {

std::function<void(const std::vector<LogRecord>&)> log_table_writer(const std::string& db_path) {
  // Shared, so the std::function stays copyable; used by one thread only.
  auto store = std::make_shared<std::unique_ptr<Store>>();
  return [db_path, store](const std::vector<LogRecord>& batch) {
    if (!*store) {
      *store = std::make_unique<Store>(db_path);
      // A log line is not worth a disk flush: in WAL mode NORMAL keeps the
      // database whole and loses at most the last lines to a power cut (a
      // crash or kill -9 loses none), and every commit the daemon records
      // is logged, so FULL cost each one a flush of its own.
      (*store)->db().exec("PRAGMA synchronous = NORMAL");
    }
    (*store)->append_logs(batch);
  };
}

}  // namespace devtrack
