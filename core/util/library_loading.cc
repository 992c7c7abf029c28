#include "util/library_loading.h"

#include <atomic>

#include "util/error.h"

namespace devtrack {

namespace {
std::atomic<bool> forbidden{false};
}

void forbid_library_loading() { forbidden = true; }

bool library_loading_allowed() { return !forbidden; }

void require_library_loading(const std::string& what) {
  if (forbidden)
    throw Error("internal error: this command runs in the static devtrack, which cannot load " + what +
                "; it must be marked to run in devtrack-full (core/cli/command.h) — please report it");
}

}  // namespace devtrack
