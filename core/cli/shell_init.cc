// devtrack shell-init bash|zsh|fish: a prompt hook that says when a check-in
// is waiting, or the day's summary is due. It reads $DEVTRACK_HOME/pending
// and summary-due (kept by DevTrack) with the shell's builtin `read`: no
// process starts per prompt.
#include <iostream>

#include "cli/command.h"
#include "util/error.h"

namespace devtrack::cli {

namespace {

const char* kBash = R"sh(# devtrack: remind me of waiting check-ins (eval "$(devtrack shell-init bash)")
__devtrack_reminder() {
  local f="${DEVTRACK_HOME:-$HOME/.devtrack}/pending" n=""
  [ -r "$f" ] && read -r n < "$f"
  if [ -n "$n" ] && [ "$n" != "${__devtrack_seen:-}" ]; then
    printf '\033[2mdevtrack: %s check-in(s) waiting: devtrack checkin\033[0m\n' "$n"
  fi
  __devtrack_seen=$n
  local s="${DEVTRACK_HOME:-$HOME/.devtrack}/summary-due" d=""
  [ -r "$s" ] && read -r d < "$s"
  if [ -n "$d" ] && [ "$d" != "${__devtrack_seen_summary:-}" ]; then
    printf '\033[2mdevtrack: the summary of %s is ready: devtrack summary --edit\033[0m\n' "$d"
  fi
  __devtrack_seen_summary=$d
}
# Once per shell (not per prompt): the daemon learns this desktop session.
(command devtrack session --quiet >/dev/null 2>&1 &)
case ";${PROMPT_COMMAND:-};" in
  *";__devtrack_reminder;"*) ;;
  *) PROMPT_COMMAND="__devtrack_reminder${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
)sh";

const char* kZsh = R"sh(# devtrack: remind me of waiting check-ins (eval "$(devtrack shell-init zsh)")
__devtrack_reminder() {
  local f="${DEVTRACK_HOME:-$HOME/.devtrack}/pending" n=""
  [[ -r "$f" ]] && read -r n < "$f"
  if [[ -n "$n" && "$n" != "${__devtrack_seen:-}" ]]; then
    print -P "%F{8}devtrack: $n check-in(s) waiting: devtrack checkin%f"
  fi
  __devtrack_seen=$n
  local s="${DEVTRACK_HOME:-$HOME/.devtrack}/summary-due" d=""
  [[ -r "$s" ]] && read -r d < "$s"
  if [[ -n "$d" && "$d" != "${__devtrack_seen_summary:-}" ]]; then
    print -P "%F{8}devtrack: the summary of $d is ready: devtrack summary --edit%f"
  fi
  __devtrack_seen_summary=$d
}
(command devtrack session --quiet >/dev/null 2>&1 &)  # once per shell: the desktop session
autoload -Uz add-zsh-hook
add-zsh-hook precmd __devtrack_reminder
)sh";

const char* kFish = R"sh(# devtrack: remind me of waiting check-ins (devtrack shell-init fish | source)
command devtrack session --quiet >/dev/null 2>&1 &; disown 2>/dev/null  # once per shell
function __devtrack_reminder --on-event fish_prompt
    set -l home $DEVTRACK_HOME
    test -n "$home"; or set home $HOME/.devtrack
    set -l n ""
    test -r $home/pending; and read -l n < $home/pending
    if test -n "$n"; and test "$n" != "$__devtrack_seen"
        set_color brblack; echo "devtrack: $n check-in(s) waiting: devtrack checkin"; set_color normal
    end
    set -g __devtrack_seen $n
    set -l d ""
    test -r $home/summary-due; and read -l d < $home/summary-due
    if test -n "$d"; and test "$d" != "$__devtrack_seen_summary"
        set_color brblack; echo "devtrack: the summary of $d is ready: devtrack summary --edit"; set_color normal
    end
    set -g __devtrack_seen_summary $d
end
)sh";

int run(const po::variables_map& args) {
  std::string shell = args["SHELL"].as<std::string>();
  if (shell == "bash") std::cout << kBash;
  else if (shell == "zsh") std::cout << kZsh;
  else if (shell == "fish") std::cout << kFish;
  else throw UsageError("unknown shell '" + shell + "': use bash, zsh or fish");
  return kOk;
}

}  // namespace

extern const Command kShellInit = {
    "shell-init",
    "print a shell prompt hook that says when a check-in is waiting",
    "Add to ~/.bashrc:  eval \"$(devtrack shell-init bash)\"\n"
    "The hook reads $DEVTRACK_HOME/pending with the shell's builtin read: no\n"
    "process starts per prompt. It speaks once per change of the count.",
    [](Spec& s) {
      s.positionals.push_back({"SHELL"});
      s.completion = "bash zsh fish";
    },
    run,
    Loads::kNoCode,
};

}  // namespace devtrack::cli
