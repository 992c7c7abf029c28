#!/usr/bin/env bash
# Builds DevTrack with its tests and runs every test with ctest, on a fresh
# Debian 12 machine: installs the Debian dependencies and the test peers
# first.
#
#   scripts/test.sh [--build-dir DIR] [--no-deps] [--sanitize] [-- CTEST_ARGS...]
#
# --sanitize builds the whole suite (host, helpers, plugins, tests) with
# GCC's AddressSanitizer + UndefinedBehaviorSanitizer in its own directory
# (build-sanitize unless --build-dir says otherwise) and runs ctest with
# every finding fatal. See docs/testing.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=
deps=1
sanitize=0
ctest_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --no-deps) deps=0 ;;
    --sanitize) sanitize=1 ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ $sanitize = 1 ]; then
  [ -n "$build" ] || build=$root/build-sanitize
  # The CMAKE_*_FLAGS reach every target, the plugins' .so files included
  # (GCC links its shared libasan/libubsan into them, so --no-undefined
  # holds). Debian's static SQLite/yaml-cpp/program_options archives stay
  # uninstrumented: their own bugs go unseen, ours in calling them do not.
  san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
  # The sanitizers bring their own operator new: libstdc++ stays shared.
  cmake_args+=(-DDEVTRACK_STATIC_CXX=OFF -DDEVTRACK_STATIC_HOOK=OFF -DDEVTRACK_STATIC_CLI=OFF)
  cmake_args+=(-DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ "-DCMAKE_C_FLAGS=$san" "-DCMAKE_CXX_FLAGS=$san"
               "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
               "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined"
               "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined")
  # Every finding stops the process that made it (the test then fails)
  # with its stack. Leak checking is off: plugins are loaded for good and
  # never unloaded (docs/architecture.md), so LeakSanitizer would report
  # every plugin instance still referenced from a mapped library at exit.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:print_stacktrace=1:detect_leaks=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
fi
[ -n "$build" ] || build=$root/build
# The normal test build (CI's) fails on any new compiler warning.
[ $sanitize = 1 ] || cmake_args+=(-DDEVTRACK_WERROR=ON)

jobs=$(nproc 2>/dev/null || echo 2)
echo "==> building with tests in $build ($jobs jobs)"
start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
echo "==> build took $(( $(date +%s) - start ))s"
cd "$build"
ctest -j "$jobs" --output-on-failure --timeout 600 "${ctest_args[@]}"
