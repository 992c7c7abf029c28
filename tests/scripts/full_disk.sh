#!/usr/bin/env bash
# A full disk: DEVTRACK_HOME on a 1 MiB tmpfs that is filled up. Answering
# fails with a clear message that gives the text back; what was stored stays
# intact; once there is room again the answer goes in.
set -euo pipefail
devtrack=$1
[ "$(id -u)" = 0 ] || { echo "needs root to mount a tmpfs: skipping"; exit 77; }
tmp=$(mktemp -d)
cleanup() { "$devtrack" stop >/dev/null 2>&1 || true; umount "$tmp/home" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/home" "$tmp/run"
mount -t tmpfs -o size=1m tmpfs "$tmp/home" || { echo "cannot mount a tmpfs here: skipping"; exit 77; }
export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$tmp/gitconfig
export GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com
export DEVTRACK_NO_INLINE=1
"$devtrack" config init >/dev/null
git init -q "$tmp/repo"; git -C "$tmp/repo" commit -q --allow-empty -m init
"$devtrack" repos add "$tmp/repo" >/dev/null
"$devtrack" start >/dev/null
git -C "$tmp/repo" commit -q --allow-empty -m "first"
"$devtrack" checkin --answer "first answer, 10m" >/dev/null 2>&1 || true
for _ in $(seq 100); do grep -q '"id"' <<<"$("$devtrack" checkin --list --json 2>/dev/null)" && break; sleep 0.05; done
git -C "$tmp/repo" commit -q --allow-empty -m "second"
for _ in $(seq 100); do grep -q '"id"' <<<"$("$devtrack" checkin --list --json)" && break; sleep 0.05; done
"$devtrack" stop >/dev/null
before=$("$devtrack" log --json)

# Fill the disk to the last byte.
dd if=/dev/zero of="$DEVTRACK_HOME/filler" bs=4k 2>/dev/null || true
dd if=/dev/zero of="$DEVTRACK_HOME/filler2" bs=1 2>/dev/null || true
if out=$("$devtrack" checkin --answer "the answer I must not lose" 2>&1); then
  echo "FAIL: answering on a full disk reported success: $out"; exit 1
fi
echo "$out"
echo "$out" | grep -q "cannot store the answer" || { echo "FAIL: no clear message"; exit 1; }
echo "$out" | grep -q "your answer was: the answer I must not lose" || { echo "FAIL: the text was not given back"; exit 1; }

rm -f "$DEVTRACK_HOME/filler" "$DEVTRACK_HOME/filler2"
after=$("$devtrack" log --json)
[ "$before" = "$after" ] || { echo "FAIL: stored data changed"; exit 1; }
"$devtrack" checkin --answer "the answer I must not lose"
grep -q '"text": "the answer I must not lose"' <<<"$("$devtrack" log --json)" || { echo "FAIL: answer not stored after"; exit 1; }
echo "full disk: clear error, text given back, data intact"
