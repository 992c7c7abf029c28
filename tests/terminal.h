// A real pseudo-terminal for the tests: tmux with the test's environment
// (its DevTrack home, git config, test clock, plugin path, editor), as a
// person at a terminal sees and types.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "test_support.h"

namespace devtrack::test {

class Tmux {
 public:
  explicit Tmux(const std::string& root) : socket_(root + "/tmux.sock") {
    REQUIRE(tmux("new-session -d -x 160 -y 50 -s t 'bash --norc --noprofile'").status == 0);
    std::string vars;
    for (const char* v : {"HOME", "DEVTRACK_HOME", "XDG_RUNTIME_DIR", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
                          "DEVTRACK_TEST_CLOCK", "DEVTRACK_PLUGIN_PATH", "EDITOR"})
      if (const char* value = std::getenv(v)) vars += std::string("export ") + v + "='" + value + "'; ";
    line(vars + "unset VISUAL CI DEVTRACK_NO_INLINE; export PATH='" + build_dir() + "/bin':$PATH; clear");
  }
  ~Tmux() { tmux("kill-server"); }
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  Result tmux(const std::string& args) { return run("-S '" + socket_ + "' " + args, "/usr/bin/tmux"); }
  void line(const std::string& text) {
    tmux("send-keys -t t -l '" + text + "'");
    tmux("send-keys -t t Enter");
  }
  // The screen and the 100 lines above it.
  std::string screen() { return tmux("capture-pane -p -t t -S -100").out; }
  bool shows(const std::string& text) {
    return wait_until([&] { return screen().find(text) != std::string::npos; });
  }

 private:
  std::string socket_;
};

}  // namespace devtrack::test
