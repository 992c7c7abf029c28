#!/usr/bin/env bash
# scripts/install.sh into a temporary prefix with a temporary HOME, from the
# already-built tree: the install, completions where bash-completion finds
# them, capture through a user's own post-commit hook that DevTrack chains;
# then --uninstall (every hook restored exactly, data kept), --uninstall
# again, --purge after it, and --uninstall after the binaries were deleted by
# hand (what an older install.sh did: it left the hooks pointing at nothing).
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
prefix=$tmp/prefix
trap '"$prefix/bin/devtrack" stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_RUNTIME_DIR=$tmp/run XDG_CONFIG_HOME=$tmp/config GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$tmp/gitconfig
export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
unset DEVTRACK_HOME DEVTRACK_PLUGIN_PATH XDG_DATA_HOME BASH_COMPLETION_USER_DIR
mkdir -p "$XDG_RUNTIME_DIR"
fail() { echo "FAIL: $*"; exit 1; }
install() { bash "$src/scripts/install.sh" --prefix "$prefix" --no-start --no-deps --no-build --build-dir "$build"; }
uninstall() { bash "$src/scripts/install.sh" --uninstall --prefix "$prefix" "$@"; }
devtrack() { "$prefix/bin/devtrack" "$@"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

install | tee "$tmp/install.out"
for f in bin/devtrack bin/devtrackctl libexec/devtrack/devtrack-worker libexec/devtrack/devtrack-hook \
         lib/devtrack/plugins/git.so lib/devtrack/plugins/timer.so include/devtrack/plugin.h \
         lib/cmake/DevTrackSDK/DevTrackSDKConfig.cmake share/man/man1/devtrack.1 share/devtrack/devtrack.service.in \
         share/bash-completion/completions/devtrack share/fish/vendor_completions.d/devtrack.fish; do
  test -e "$prefix/$f" || fail "$f not installed"
done
test -f "$HOME/.devtrack/config.yaml" || fail "no default config"
# Output is captured before grep reads it: under pipefail a grep -q that
# stops at its first match would make the writer die of SIGPIPE.
grep -q '"state": "available"' <<<"$(devtrack plugins list --json)" || fail "no plugin available"
devtrack doctor >/dev/null || true   # the daemon is not started (--no-start)
grep -q 'devtrack shell-init bash' "$tmp/install.out" || fail "install.sh's closing words do not mention shell-init"

# bash-completion (installed by scripts/deps.sh) finds the completion by
# itself, as a new shell would, though this prefix is not one it searches.
bash_completion=/usr/share/bash-completion/bash_completion
test -f "$bash_completion" || fail "the bash-completion package is missing (scripts/deps.sh installs it)"
words=$(PATH=$prefix/bin:$PATH bash --norc --noprofile -c '. "$1" && __load_completion devtrack || exit 1
  COMP_WORDS=(devtrack rep) COMP_CWORD=1; _devtrack; echo "${COMPREPLY[*]}"' _ "$bash_completion") ||
  fail "bash-completion does not find the installed completion"
case " $words " in *" repos "*) ;; *) fail "completing 'devtrack rep' gave '$words'" ;; esac

# Two repositories: one without a hook, one with the user's own hook that
# DevTrack moves aside, chains, and must give back byte for byte.
git init -q "$tmp/repo"
git init -q "$tmp/hooked"
user_hook=$tmp/hooked/.git/hooks/post-commit
printf '#!/bin/sh\n# my own hook\necho "$(git log -1 --format=%%s)" >>"%s"\n' "$tmp/user-hook.log" >"$user_hook"
chmod 750 "$user_hook"
cp -p "$user_hook" "$tmp/user-hook.orig"
devtrack repos add "$tmp/repo" "$tmp/hooked"
test "$(readlink "$tmp/repo/.git/hooks/post-commit")" = "$prefix/libexec/devtrack/devtrack-hook"
test -L "$user_hook" && test -f "$user_hook.devtrack-chained" || fail "the user's hook was not chained"
devtrack start
git -C "$tmp/repo" commit -q --allow-empty -m "installed and working"
git -C "$tmp/hooked" commit -q --allow-empty -m "chained"
for _ in $(seq 100); do
  grep -q '"summary": "installed and working"' <<<"$(devtrack log --json)" && break; sleep 0.1
done
grep -q '"summary": "installed and working"' <<<"$(devtrack log --json)" || fail "commit not captured"
grep -qx chained "$tmp/user-hook.log" || fail "the chained user hook did not run"

# --uninstall: no hook of DevTrack's is left (test -L: a dangling symlink
# fails test -e), the user's hook is back exactly and runs again.
uninstall
test ! -e "$prefix/bin/devtrack" || fail "binary left after --uninstall"
test ! -L "$tmp/repo/.git/hooks/post-commit" && test ! -e "$tmp/repo/.git/hooks/post-commit" ||
  fail "hook left after --uninstall"
test ! -L "$user_hook" && cmp -s "$tmp/user-hook.orig" "$user_hook" || fail "the user's hook is not restored byte for byte"
test "$(stat -c %a "$user_hook")" = 750 || fail "the user's hook lost its mode: $(stat -c %a "$user_hook")"
test ! -e "$user_hook.devtrack-chained" || fail "post-commit.devtrack-chained left behind"
before=$(lines "$tmp/user-hook.log")
git -C "$tmp/hooked" commit -q --allow-empty -m "after uninstall"
test "$(lines "$tmp/user-hook.log")" = $((before + 1)) || fail "the restored user hook did not run on the next commit"
test -f "$HOME/.devtrack/devtrack.db" || fail "--uninstall removed the data"
test ! -e "$tmp/.local/share/bash-completion/completions/devtrack" || fail "the completion link is left"

# Again: nothing to do, and it says so; then --purge still removes the data.
uninstall | tee "$tmp/again.out"
grep -q 'nothing left to remove' "$tmp/again.out" || fail "a second --uninstall does not say there is nothing left"
uninstall --purge
test ! -e "$HOME/.devtrack" || fail "--purge after --uninstall kept the data"

# Binaries deleted by hand, hooks left behind: --uninstall still restores
# the user's hook from the watch list in the database, then purges.
install >/dev/null
devtrack repos add "$tmp/hooked"
rm -rf "${prefix:?}/bin" "${prefix:?}/libexec"
test -L "$user_hook" || fail "the hook was not installed again"
uninstall --purge
test ! -L "$user_hook" && cmp -s "$tmp/user-hook.orig" "$user_hook" ||
  fail "the user's hook is not restored when devtrack is already gone"
test ! -e "$HOME/.devtrack" || fail "--purge kept the data"
echo "install.sh: install, completion, capture, uninstall (twice), purge and the repair all work"
