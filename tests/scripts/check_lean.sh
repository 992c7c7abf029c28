#!/usr/bin/env bash
# The CLI and the daemon (devtrack-full) must not link libcurl or libgit2:
# they cost ~20 ms and 6-8 MB per process start (DESIGN.md, Processes and
# memory).
# With `static-cxx` (DEVTRACK_STATIC_CXX, the default build) it must not
# need any C++ shared library either: libstdc++ and libgcc are linked in,
# fmt and spdlog compiled in, date-tz loaded as the time zone module
# (docs/architecture.md, "Start-up").
# With `static` (DEVTRACK_STATIC_HOOK for devtrack-hook, which starts inside
# every commit; DEVTRACK_STATIC_CLI for bin/devtrack, whose quick commands
# start without the dynamic loader) it must need no shared library at all,
# not even libc.
#   check_lean.sh BINARY [static-cxx|static]
set -euo pipefail
bin=$1
command -v readelf >/dev/null || { echo "readelf not found: skipping"; exit 77; }
needed=$(readelf -d "$bin" | awk '/NEEDED/ {print $5}' | tr -d '[]')
echo "$bin needs:"; echo "$needed" | sed 's/^/  /'
if echo "$needed" | grep -E -q 'libcurl|libgit2'; then
  echo "FAIL: devtrack links libcurl or libgit2"; exit 1
fi
if [ "${2:-}" = static-cxx ] && echo "$needed" | grep -E -q 'libstdc\+\+|libgcc_s|libfmt|libspdlog|libdate'; then
  echo "FAIL: devtrack needs a C++ shared library at start-up"; exit 1
fi
if [ "${2:-}" = static ] && [ -n "$needed" ]; then
  echo "FAIL: $bin needs shared libraries"; exit 1
fi
