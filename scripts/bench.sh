#!/usr/bin/env bash
# DevTrack benchmarks. Each measurement is interleaved with its natural
# baseline in the same run and reported in ms and as a ratio.
#
#   scripts/bench.sh [--quick] [--build-dir DIR]
#
# --quick: few rounds, for the ctest that keeps this script from rotting;
# it reports but does not judge (timings are never test assertions).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build
rounds=200
quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; rounds=15 ;;
    --build-dir) build=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
devtrack=$build/bin/devtrack
[ -x "$devtrack" ] || { echo "bench.sh: $devtrack not built (cmake --build $build)" >&2; exit 1; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c99 -o "$tmp/timeit" "$here/bench/timeit.c"
c++ -O2 -o "$tmp/baseline" "$here/bench/empty.cc"

export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp
export DEVTRACK_PLUGIN_PATH=$build/tests/plugins/good
mkdir -p "$DEVTRACK_HOME"
"$devtrack" config init >/dev/null
"$devtrack" plugins list >/dev/null   # warm the registry cache

echo "# CLI start-up, $rounds interleaved rounds (median / min, ms)"
mapfile -t r < <("$tmp/timeit" "$rounds" "$tmp/baseline" "$devtrack --version" "$devtrack plugins list")
read -r base_med base_min <<<"${r[0]}"
status=0
report() {  # name "median min" target_ratio
  local name=$1 med min ratio
  read -r med min <<<"$2"
  ratio=$(awk -v a="$med" -v b="$base_med" 'BEGIN { printf "%.2f", a / b }')
  verdict=$(awk -v r="$ratio" -v t="$3" 'BEGIN { print (r <= t) ? "ok" : "OVER TARGET" }')
  printf '%-32s %8.2f %8.2f   %5sx baseline (target <= %sx) %s\n' "$name" "$med" "$min" "$ratio" "$3" "$verdict"
  [ "$verdict" = ok ] || status=1
}
printf '%-32s %8.2f %8.2f\n' "minimal C++ program (baseline)" "$base_med" "$base_min"
report "devtrack --version" "${r[1]}" 2
report "devtrack plugins list (warm)" "${r[2]}" 2

if [ -x "$build/bench/micro_bench" ] && [ $quick = 0 ]; then
  echo; echo "# micro benchmarks (Google Benchmark)"
  "$build/bench/micro_bench" --benchmark_min_time=0.2
fi
[ $quick = 1 ] && exit 0
exit $status
