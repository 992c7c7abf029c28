#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/ (clang, AddressSanitizer +
# UndefinedBehaviorSanitizer), one after the other, SECONDS each (default
# 60); all targets unless some are named. New inputs that add coverage are
# merged into tests/fuzz/corpus/<target>/; every crash, timeout, leak or
# out-of-memory input is copied to tests/fuzz/regressions/<target>/, which
# the normal test build replays in ctest (fuzz_replay_<target>). Prints the
# executions and crashes per target; exits 1 if any target crashed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: config ipc parser summary_edit tracker_reply ics hook_message
#
# SECONDS 0 only re-minimizes the corpora. At most 5 inputs per target and
# run are kept in regressions/ (one open bug yields many).
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_NICE (default 10).
# Fuzzing is not part of CI; see docs/testing.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
nice_level=${FUZZ_NICE:-10}
seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
case ${1:-} in -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(config ipc parser summary_edit tracker_reply ics)
  [ -f "$root/tests/fuzz/hook_message_fuzz.cc" ] && targets+=(hook_message)
fi

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

# The whole tree is instrumented for coverage (fuzzer-no-link) and checked
# by the sanitizers; only the fuzz targets link libFuzzer itself.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
echo "==> configuring $build (clang)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
  -DDEVTRACK_FUZZ=ON -DDEVTRACK_BUILD_BENCHMARKS=OFF >/dev/null
echo "==> building ${targets[*]}"
nice -n "$nice_level" cmake --build "$build" -j 2 --target "${targets[@]/%/_fuzz}"

# The largest input each target reads in real use (0: libFuzzer's default).
max_len() {
  case $1 in
    ipc) echo 65536 ;;  # kMaxMessageBytes, the daemon's line limit
    config) echo 4096 ;;  # real configs are smaller; keeps the corpus small
    summary_edit) echo 16384 ;;
    *) echo 0 ;;
  esac
}

# Rebuilds the corpus from itself plus the new inputs, keeping a smallest
# set of inputs with the same coverage (set cover) (libFuzzer names those by their SHA-1). Hand-written
# seeds (any other name) always stay: they say what the target is for.
minimize() {
  local t=$1 bin=$2 corpus=$3 work=$4 hashed='.*/[0-9a-f]{40}'
  mkdir -p "$work/min"
  find "$corpus" -maxdepth 1 -type f -regextype posix-extended ! -regex "$hashed" -exec cp {} "$work/min/" \;
  if nice -n "$nice_level" "$bin" -set_cover_merge=1 "${merge_args[@]}" "$work/min" "$corpus" "$work/new" >"$work/merge.log" 2>&1; then
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex "$hashed" -delete
    find "$work/min" -maxdepth 1 -type f -regextype posix-extended -regex "$hashed" -exec cp {} "$corpus/" \;
  else
    echo "fuzz.sh: merging the $t corpus failed (corpus left as it was): $(tail -1 "$work/merge.log")" >&2
  fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1:print_stacktrace=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
crashed=0
summary=()
for t in "${targets[@]}"; do
  bin=$build/fuzz/${t}_fuzz
  corpus=$root/tests/fuzz/corpus/$t
  regressions=$root/tests/fuzz/regressions/$t
  mkdir -p "$corpus" "$regressions" "$scratch/$t/new" "$scratch/$t/artifacts"
  echo "==> fuzzing $t for ${seconds}s"
  # -fork=1: one child process at a time that is restarted after a crash,
  # so one open bug does not end the run; each crash input is kept.
  args=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" -timeout=10
        -rss_limit_mb=2048 -artifact_prefix="$scratch/$t/artifacts/")
  merge_args=(-rss_limit_mb=2048 -timeout=10)
  if [ "$(max_len "$t")" != 0 ]; then
    args+=(-max_len="$(max_len "$t")")
    merge_args+=(-max_len="$(max_len "$t")")
  fi
  # New inputs go to the scratch directory (the first one named); the
  # corpus is only read here, then merged below.
  [ "$seconds" = 0 ] || (cd "$scratch/$t" && nice -n "$nice_level" "$bin" "${args[@]}" "$scratch/$t/new" "$corpus" >"$scratch/$t/log" 2>&1) || true
  # The last progress line: "#EXECS: cov: ... oom/timeout/crash: O/T/C ...".
  last=$(grep -a -E '^#[0-9]+: cov:' "$scratch/$t/log" 2>/dev/null | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  minimize "$t" "$bin" "$corpus" "$scratch/$t"
  found=0
  for f in "$scratch/$t/artifacts"/{crash,timeout,leak,oom}-*; do
    [ -e "$f" ] || continue
    # One open bug yields many inputs: a few reproduce it.
    [ $found -lt 5 ] || { found=$((found + 1)); continue; }
    cp "$f" "$regressions/"
    echo "    kept $regressions/$(basename "$f")"
    found=$((found + 1))
  done
  if [ $found -gt 0 ]; then
    crashed=1
    # Fork mode keeps the children's reports to itself: rerun the first
    # few inputs for their report and stack.
    for f in $(ls "$scratch/$t/artifacts" | head -3); do
      echo "--- $t: $f" >&2
      "$bin" "$scratch/$t/artifacts/$f" 2>&1 | grep -a -m 1 -A 14 -E '(==[0-9]+==ERROR|runtime error:|fuzz check failed)' |
        cut -c1-300 >&2 || true
    done
  elif [ -z "$last" ] && [ "$seconds" != 0 ]; then
    crashed=1
    found="?"
    echo "fuzz.sh: $t did not run:" >&2
    tail -20 "$scratch/$t/log" >&2
  fi
  summary+=("$(printf '%-14s %12s executions  %s crashes  corpus %s files, %s' "$t" "${execs:-?}" "$found" \
                "$(find "$corpus" -type f | wc -l)" "$(du -sh --apparent-size "$corpus" | cut -f1)")")
done

echo "==> results (${seconds}s per target)"
printf '  %s\n' "${summary[@]}"
exit $crashed
