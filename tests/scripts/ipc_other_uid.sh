#!/usr/bin/env bash
# Another user cannot talk to the daemon: the socket directory is 0700; the
# other user's own devtrack refuses a directory that is not theirs; and if
# it is opened up anyway the daemon still refuses the peer by uid
# (SO_PEERCRED). As root, the other user is played by `setpriv` (PEERS.md).
set -euo pipefail
devtrack=$1
[ "$(id -u)" = 0 ] || { echo "needs root to act as another user: skipping"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv not found: skipping"; exit 77; }
tmp=$(mktemp -d); trap '"$devtrack" stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 755 "$XDG_RUNTIME_DIR"
"$devtrack" start
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# 1. The private directory keeps the other user out.
if out=$(as_nobody "$devtrack" status 2>&1); then echo "FAIL: another user got a status: $out"; exit 1; fi
echo "$out" | grep -Eq "Permission denied|belongs to uid 0, not to you" || { echo "FAIL: unexpected: $out"; exit 1; }
echo "ok: socket directory refuses another user ($out)"

# 2. Opened up by mistake, the daemon still refuses the peer's uid.
sock_dir=$(dirname "$("$devtrack" status --json | sed -n 's/.*"socket": "\(.*\)".*/\1/p')")
chmod 755 "$sock_dir"; chmod 666 "$sock_dir/daemon.sock"
# devtrack itself would not even connect (the directory is not the other
# user's): speak to the socket directly, as a hostile client would.
[ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 not found: skipping"; exit 77; }
out=$(as_nobody /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
print(s.recv(4096).decode())  # the daemon answers the connection itself' "$sock_dir/daemon.sock")
echo "$out" | grep -q "this daemon belongs to another user" || { echo "FAIL: unexpected: $out"; exit 1; }
echo "ok: peer uid refused ($out)"
chmod 700 "$sock_dir"

# 3. The daemon is still up for its owner.
"$devtrack" status >/dev/null
echo "ok: daemon still running"
