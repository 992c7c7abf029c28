#!/usr/bin/env bash
# `devtrack` (CLI + daemon) must not link libcurl or libgit2: they cost
# ~20 ms and 6-8 MB per process start (DESIGN.md, Processes and memory).
set -euo pipefail
bin=$1
command -v readelf >/dev/null || { echo "readelf not found: skipping"; exit 77; }
needed=$(readelf -d "$bin" | awk '/NEEDED/ {print $5}' | tr -d '[]')
echo "$bin needs:"; echo "$needed" | sed 's/^/  /'
if echo "$needed" | grep -E -q 'libcurl|libgit2'; then
  echo "FAIL: devtrack links libcurl or libgit2"; exit 1
fi
