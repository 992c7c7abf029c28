#!/usr/bin/env bash
# A third party's view of the SDK: install DevTrack to a temporary prefix,
# build sdk/examples/hello-tracker out of tree with nothing but
# -DCMAKE_PREFIX_PATH, check that the installed devtrack lists it, and use
# it end to end: its declared ticket syntax is understood, and an answer
# naming one of its tickets is posted to it by the installed daemon and
# worker.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/devtrack/plugin.h"
test -f "$prefix/include/devtrack/sdk.hpp"
ls "$prefix"/lib*/cmake/DevTrackSDK/DevTrackSDKConfig.cmake >/dev/null
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src/sdk/examples/hello-tracker" -B "$tmp/hello" "${gen[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/hello" >"$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
test -f "$tmp/hello/hello-tracker.so"

export HOME=$tmp DEVTRACK_HOME=$tmp/home DEVTRACK_PLUGIN_PATH=$tmp/hello XDG_RUNTIME_DIR=$tmp
out=$("$prefix/bin/devtrack" plugins list --json)
echo "$out"
echo "$out" | grep -q '"id": "hello-tracker"'
echo "$out" | grep -q '"kind": "tracker"'
echo "$out" | grep -q '"state": "disabled"'
"$prefix/bin/devtrack" plugins enable hello-tracker
# Captured first: under pipefail a grep -q that stops early kills the writer.
info=$("$prefix/bin/devtrack" plugins info hello-tracker)
grep -q 'max_comments' <<<"$info"
grep -q 'in text: HELLO-{number}' <<<"$info"
"$prefix/bin/devtrack" config check
dt() { "$prefix/bin/devtrack" "$@"; }

# Its ticket syntax reaches the installed rules parser.
parsed=$(dt parse --json "greeted the world for HELLO-7, 20m")
echo "$parsed"
echo "$parsed" | grep -Eq '"tracker": ?"hello-tracker"'
echo "$parsed" | grep -Eq '"number": ?7'

# An answer naming HELLO-7 is posted to it: daemon, outbox, worker, plugin.
dt start
trap 'dt stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
dt ask --no-wait "the greeting"
dt checkin --answer "HELLO-7 greeted the world, 20m"
dt sync  # now, not after tracker.grace
for _ in $(seq 1 150); do
  updates=$(dt updates list --json)
  echo "$updates" | grep -Eq '"state": ?"sent"' && break
  sleep 0.2
done
echo "$updates"
echo "$updates" | grep -Eq '"target_plugin": ?"hello-tracker"'
echo "$updates" | grep -Eq '"state": ?"sent"'
echo "$updates" | grep -Eq '"remote_id": ?"7-1"'
grep -q 'HELLO-7' <<<"$(dt updates list)"
dt stop
echo "hello-tracker built out of tree, loaded by the installed devtrack, and posted to end to end"
