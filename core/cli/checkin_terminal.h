// Asking in the terminal: the tty surface plugin loaded in this process,
// the prompt kept up to date while it waits (the commit's subject and a
// suggestion arrive from a cold worker after it is drawn), and the
// follow-up questions (which project, which repository).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "cli/client_plugin.h"
#include "config/plugin_info.h"
#include "store/prompt_store.h"

struct dt_surface_v1;

namespace devtrack {
struct Config;
}

namespace devtrack::cli {

class Checkin;

// The tty surface plugin, loaded in this process.
class Terminal {
 public:
  // Throws Error when there is no terminal to ask in.
  Terminal(const std::vector<PluginInfo>& plugins, const Config& config);
  // Shows a prompt (the tty plugin's JSON) and returns the user's reply.
  nlohmann::json show(const nlohmann::json& prompt);

 private:
  ClientPlugin plugin_;
  const dt_surface_v1* surface_ = nullptr;
  void* self_ = nullptr;
};

// Asks one prompt in the terminal (timeout_s 0: no time limit) and records
// what the user did. Returns false if the user left it as it was.
bool ask_in_terminal(Checkin& c, Terminal& term, const PromptRow& asked, int timeout_s);

}  // namespace devtrack::cli
