#include "store/log_table.h"

#include <memory>

#include "store/store.h"

namespace devtrack {

std::function<void(const std::vector<LogRecord>&)> log_table_writer(const std::string& db_path) {
  // Shared, so the std::function stays copyable; used by one thread only.
  auto store = std::make_shared<std::unique_ptr<Store>>();
  return [db_path, store](const std::vector<LogRecord>& batch) {
    if (!*store) *store = std::make_unique<Store>(db_path);
    (*store)->append_logs(batch);
  };
}

}  // namespace devtrack
