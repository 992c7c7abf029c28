// A dt_out writer that collects what a plugin writes into a std::string
// (capped at 16 MiB): how the host receives every plugin result.
#pragma once

#include <devtrack/plugin.h>

#include <string>

namespace devtrack {

struct StringOut {
  std::string text;
  dt_out out{this, [](const dt_out* o, const char* d, size_t n) {
               auto* self = static_cast<StringOut*>(o->ctx);
               if (self->text.size() + n > (16u << 20)) return false;
               self->text.append(d, n);
               return true;
             }};
  StringOut() = default;
  StringOut(const StringOut&) = delete;  // `out.ctx` points at this object
  StringOut& operator=(const StringOut&) = delete;
};

}  // namespace devtrack
