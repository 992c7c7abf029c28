#!/usr/bin/env bash
# A third party's view of the SDK: install DevTrack to a temporary prefix,
# build sdk/examples/hello-tracker out of tree with nothing but
# -DCMAKE_PREFIX_PATH, and check that the installed devtrack lists it.
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
"$prefix/bin/devtrack" plugins info hello-tracker | grep -q 'max_comments'
"$prefix/bin/devtrack" config check
echo "hello-tracker built out of tree and loaded by the installed devtrack"
