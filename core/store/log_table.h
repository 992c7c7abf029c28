// The logs table as a service's log destination: the row writer the
// daemon's and the worker's main() give log::init_service. Rows are
// appended in batches on the logger's thread, over a connection of the
// writer's own, opened with the first batch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "log/record.h"

namespace devtrack {

std::function<void(const std::vector<LogRecord>&)> log_table_writer(const std::string& db_path);

}  // namespace devtrack
