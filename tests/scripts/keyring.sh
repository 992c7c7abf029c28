#!/usr/bin/env bash
# keyring: secrets through a real Secret Service: gnome-keyring under
# dbus-run-session (PEERS.md). Skipped where those are not installed.
set -euo pipefail
devtrack=$1
for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v $tool >/dev/null || { echo "$tool not installed: skipping"; exit 77; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run XDG_DATA_HOME=$tmp/data
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$DEVTRACK_HOME"
dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  echo -n "keyring-secret-value-42" | "$0" secret set --keyring gh >/dev/null
  if grep -rq "keyring-secret-value-42" "$DEVTRACK_HOME"; then echo "FAIL: secret in clear under DEVTRACK_HOME"; exit 1; fi
  printf "plugins:\n  good-tracker: {enabled: true, token: keyring:gh}\n" > "$DEVTRACK_HOME/config.yaml"
  grep -q keyring-secret-value-42 <<<"$(secret-tool lookup service devtrack name gh)"
  echo "keyring: stored and found through the Secret Service"
' "$devtrack"
