// A tracker's ticket syntax (dt_plugin_descriptor.tickets, ABI 1.1) checked
// at the edge: the host reads it from a plugin it has never run, so every
// template is checked before a parser sees it.
#pragma once

#include <string>
#include <string_view>

namespace devtrack {

// The declaration as compact JSON text, or "" with the reason in `error`
// (one line, naming the bad part): not a JSON object, over 16 KiB, no
// "show", an unknown key, a template that does not split (see
// devtrack/tickets.hpp), a text form that is one bare {number} or {id}
// (every number would be a ticket), a URL form without host and path, or a
// field used with two types.
std::string checked_ticket_syntax(std::string_view text, std::string* error);

}  // namespace devtrack
