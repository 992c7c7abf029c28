#!/usr/bin/env bash
# Builds DevTrack with its tests and runs every test with ctest, on a fresh
# Debian 12 machine: installs the Debian dependencies and the test peers
# first.
#
#   scripts/test.sh [--build-dir DIR] [--no-deps] [-- CTEST_ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build
deps=1
ctest_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --no-deps) deps=0 ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=deps.sh
. "$here/deps.sh"
[ $deps = 1 ] && install_deps test

# Test peers (tests/peers/package.json, pinned in package-lock.json): npm
# only; node comes from Debian when the machine has none.
if [ $deps = 1 ]; then
  command -v npm >/dev/null || install_pkgs nodejs npm
  if [ ! -x "$root/tests/peers/node_modules/.bin/prism" ]; then
    echo "==> installing the test peers (npm ci)"
    (cd "$root/tests/peers" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

jobs=$(nproc 2>/dev/null || echo 2)
echo "==> building with tests in $build ($jobs jobs)"
start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs"
echo "==> build took $(( $(date +%s) - start ))s"
cd "$build"
ctest -j "$jobs" --output-on-failure --timeout 600 "${ctest_args[@]}"
