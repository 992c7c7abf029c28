#!/usr/bin/env bash
# scripts/install.sh into a temporary prefix with a temporary HOME, from the
# already-built tree; then --uninstall (keeps data) and --purge.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_RUNTIME_DIR=$tmp/run XDG_CONFIG_HOME=$tmp/config GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$tmp/gitconfig
export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
unset DEVTRACK_HOME DEVTRACK_PLUGIN_PATH
mkdir -p "$XDG_RUNTIME_DIR"
prefix=$tmp/prefix
bash "$src/scripts/install.sh" --prefix "$prefix" --no-start --no-deps --no-build --build-dir "$build"
for f in bin/devtrack bin/devtrackctl libexec/devtrack/devtrack-worker libexec/devtrack/devtrack-hook \
         lib/devtrack/plugins/git.so lib/devtrack/plugins/timer.so include/devtrack/plugin.h \
         lib/cmake/DevTrackSDK/DevTrackSDKConfig.cmake share/man/man1/devtrack.1 share/devtrack/devtrack.service.in \
         share/bash-completion/completions/devtrack share/fish/vendor_completions.d/devtrack.fish; do
  test -e "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
done
test -f "$HOME/.devtrack/config.yaml" || { echo "FAIL: no default config"; exit 1; }
"$prefix/bin/devtrack" plugins list --json | grep -q '"state": "available"'
"$prefix/bin/devtrack" doctor >/dev/null || true   # the daemon is not started (--no-start)

# The installed binaries work from the prefix: a repo, the daemon, a commit.
git init -q "$tmp/repo"
"$prefix/bin/devtrack" repos add "$tmp/repo"
test "$(readlink "$tmp/repo/.git/hooks/post-commit")" = "$prefix/libexec/devtrack/devtrack-hook"
"$prefix/bin/devtrack" start
git -C "$tmp/repo" commit -q --allow-empty -m "installed and working"
for _ in $(seq 100); do
  "$prefix/bin/devtrack" log --json | grep -q '"summary": "installed and working"' && break; sleep 0.1
done
"$prefix/bin/devtrack" log --json | grep -q '"summary": "installed and working"' || { echo "FAIL: commit not captured"; exit 1; }

bash "$src/scripts/install.sh" --uninstall --prefix "$prefix"
test ! -e "$prefix/bin/devtrack" || { echo "FAIL: binary left after --uninstall"; exit 1; }
test ! -e "$tmp/repo/.git/hooks/post-commit" || { echo "FAIL: hook left after --uninstall"; exit 1; }
test -f "$HOME/.devtrack/devtrack.db" || { echo "FAIL: --uninstall removed the data"; exit 1; }
bash "$src/scripts/install.sh" --prefix "$prefix" --no-start --no-deps --no-build --build-dir "$build" >/dev/null
bash "$src/scripts/install.sh" --uninstall --purge --prefix "$prefix"
test ! -e "$HOME/.devtrack" || { echo "FAIL: --purge kept the data"; exit 1; }
echo "install.sh: install, capture, uninstall and purge all work"
