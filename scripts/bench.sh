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
c++ -O2 -o "$tmp/baseline" "$here/bench/puts.cc"
c++ -O2 -o "$tmp/iostream" "$here/bench/empty.cc"

export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp
export DEVTRACK_PLUGIN_PATH=$build/tests/plugins/good
mkdir -p "$DEVTRACK_HOME"
"$devtrack" config init >/dev/null
"$devtrack" plugins list >/dev/null   # warm the registry cache

echo "# CLI start-up, $rounds interleaved rounds (median / min, ms)"
mapfile -t r < <("$tmp/timeit" "$rounds" "$tmp/baseline" "$devtrack --version" "$devtrack plugins list" "$tmp/iostream")
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
printf '%-32s %8.2f %8.2f\n' "C++ program with puts (baseline)" "$base_med" "$base_min"
report "devtrack --version" "${r[1]}" 1.5
report "devtrack plugins list (warm)" "${r[2]}" 2
read -r io_med io_min <<<"${r[3]}"
printf '%-32s %8.2f %8.2f   (with iostream, for reference)\n' "C++ program with cout" "$io_med" "$io_min"

# ---- capture: the whole cost of a commit in a watched repository ----
# Against an unwatched one with no hook (git alone) and an unwatched one
# whose hook only connects to the daemon's socket (the floor: no hook can
# cost less). What devtrack adds over git is hook + watcher + daemon +
# worker, all running on the same cores as git.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$tmp/gitconfig
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
unset DEVTRACK_PLUGIN_PATH
cc -O2 -o "$tmp/min_hook" "$here/bench/min_hook.c"
# The same program linked as devtrack-hook is (a static PIE), for reference.
static_floor=0
cc -O2 -fPIE -static-pie -o "$tmp/min_hook_static" "$here/bench/min_hook.c" 2>/dev/null && static_floor=1
for r in nohook minhook minstatic devtrack idle1 idle2; do git init -q "$tmp/$r"; git -C "$tmp/$r" commit -q --allow-empty -m init; done
"$devtrack" config init --force >/dev/null
if [ $quick = 1 ]; then  # the day's work below waits for the worker's exit
  sed -i 's/^  idle_timeout: 1m$/  idle_timeout: 5s/' "$DEVTRACK_HOME/config.yaml"
fi
"$devtrack" start >/dev/null
socket=$("$devtrack" status --json | sed -n 's/.*"socket": "\(.*\)".*/\1/p')
# Three watched repositories: the measured one and two idle ones.
"$devtrack" repos add "$tmp/devtrack" "$tmp/idle1" "$tmp/idle2" >/dev/null
ln -sf "$tmp/min_hook" "$tmp/minhook/.git/hooks/post-commit"
[ $static_floor = 1 ] && ln -sf "$tmp/min_hook_static" "$tmp/minstatic/.git/hooks/post-commit"
export BENCH_SOCKET=$socket
echo
# Each run is followed by a 50 ms pause outside the measurement (timeit -g):
# the daemon records a commit once git has ended, and a user's next commit
# does not start within milliseconds of the last. Back to back, that work
# would be charged to whichever commit runs next, usually git alone.
echo "# git commit --allow-empty, $rounds interleaved rounds, 50 ms apart (median / min, ms)"
mapfile -t h < <("$tmp/timeit" -g 50 "$rounds" "git -C $tmp/nohook commit -q --allow-empty -m b" \
  "git -C $tmp/minhook commit -q --allow-empty -m b" "git -C $tmp/devtrack commit -q --allow-empty -m b" \
  "git -C $tmp/minstatic commit -q --allow-empty -m b")
read -r none_med none_min <<<"${h[0]}"; read -r min_med min_min <<<"${h[1]}"; read -r dt_med dt_min <<<"${h[2]}"
read -r st_med st_min <<<"${h[3]}"
printf '%-32s %8.2f %8.2f\n' "unwatched, no hook (git alone)" "$none_med" "$none_min"
printf '%-32s %8.2f %8.2f   +%.2f ms (the floor)\n' "unwatched, connect-only C hook" "$min_med" "$min_min" \
  "$(awk -v a="$min_med" -v b="$none_med" 'BEGIN { print a - b }')"
if [ $static_floor = 1 ]; then
  printf '%-32s %8.2f %8.2f   +%.2f ms (linked as devtrack-hook is: static PIE)\n' "unwatched, the same, static" \
    "$st_med" "$st_min" "$(awk -v a="$st_med" -v b="$none_med" 'BEGIN { print a - b }')"
fi
added=$(awk -v a="$dt_med" -v b="$none_med" 'BEGIN { print a - b }')
floor=$(awk -v a="$min_med" -v b="$none_med" 'BEGIN { print a - b }')
ratio=$(awk -v a="$added" -v f="$floor" 'BEGIN { printf "%.2f", (f > 0 ? a / f : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.3) ? "ok" : "OVER TARGET" }')
printf '%-32s %8.2f %8.2f   +%.2f ms = %sx the floor (target <= 1.3x) %s\n' "watched by devtrack" "$dt_med" "$dt_min" \
  "$added" "$ratio" "$verdict"
if [ $static_floor = 1 ]; then
  printf '%-32s %17s   %sx the static floor (for reference)\n' "" "" \
    "$(awk -v a="$added" -v b="$st_med" -v n="$none_med" 'BEGIN { f = b - n; printf "%.2f", (f > 0 ? a / f : 0) }')"
fi
[ "$verdict" = ok ] || status=1
# The same back to back, for reference: the daemon's and the worker's work
# for one commit then runs during the next one.
mapfile -t b < <("$tmp/timeit" "$rounds" "git -C $tmp/nohook commit -q --allow-empty -m b" \
  "git -C $tmp/minhook commit -q --allow-empty -m b" "git -C $tmp/devtrack commit -q --allow-empty -m b")
read -r bn _ <<<"${b[0]}"; read -r bm _ <<<"${b[1]}"; read -r bd _ <<<"${b[2]}"
printf '%-32s %8.2f %8s   +%.2f ms = %sx its floor of +%.2f ms (no target)\n' "watched, commits back to back" "$bd" "" \
  "$(awk -v a="$bd" -v n="$bn" 'BEGIN { print a - n }')" \
  "$(awk -v a="$bd" -v m="$bm" -v n="$bn" 'BEGIN { f = m - n; printf "%.2f", (f > 0 ? (a - n) / f : 0) }')" \
  "$(awk -v m="$bm" -v n="$bn" 'BEGIN { print m - n }')"

echo
echo "# editor heartbeat per call vs the hook programs, $rounds interleaved rounds (median / min, ms)"
mapfile -t e < <("$tmp/timeit" "$rounds" "$tmp/min_hook" "$devtrack heartbeat --file $tmp/devtrack/README --editor bench")
read -r eh_med eh_min <<<"${e[0]}"; read -r hb_med hb_min <<<"${e[1]}"
printf '%-32s %8.2f %8.2f\n' "minimal C hook (connect only)" "$eh_med" "$eh_min"
printf '%-32s %8.2f %8.2f   %sx the minimal hook (run in the background by editors)\n' "devtrack heartbeat" \
  "$hb_med" "$hb_min" "$(awk -v a="$hb_med" -v b="$eh_med" 'BEGIN { printf "%.2f", a / b }')"

echo
pid=$("$devtrack" status --json | sed -n 's/.*"pid": \([0-9]*\),/\1/p' | head -1)
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# The daemon gives back what a burst left resident after 30 s of quiet.
settle() {  # waits for the worker's exit, then for the daemon's quiet trim
  local i
  for i in $(seq 1 150); do
    grep -q '"running": false' <<<"$("$devtrack" status --json)" && break
    sleep 1
  done
  sleep 33
}
memory() {  # name target_rss_kb target_pss_kb -> sets rss_kb
  rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  local pss_kb; pss_kb=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
  local verdict; verdict=$(awk -v r="$rss_kb" -v p="$pss_kb" -v tr="$2" -v tp="$3" \
    'BEGIN { print (r <= tr && p <= tp) ? "ok" : "OVER TARGET" }')
  printf '%-32s %6.1f MB VmRSS, %.1f MB PSS (target <= %.1f / %.1f MB) %s\n' "$1" \
    "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$(awk -v k="$pss_kb" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" "$(awk -v k="$3" 'BEGIN { print k / 1024 }')" "$verdict"
  [ "$verdict" = ok ] || status=1
}
idle=60; [ $quick = 1 ] && idle=3
settle
echo "# idle daemon (default bundle, 3 repos, worker exited)"
t0=$(ticks); sleep "$idle"; t1=$(ticks)
memory "idle" 7168 6144
idle_kb=$rss_kb
printf '%-32s %6d over %d s idle (target 0)\n' "CPU ticks" "$((t1 - t0))" "$idle"

# A day's work: commits, answers and a summary, then quiet again.
commits=300; [ $quick = 1 ] && commits=20
for i in $(seq 1 "$commits"); do
  git -C "$tmp/devtrack" commit -q --allow-empty -m "fix #$i: step $i of the day"
  if [ $((i % 4)) = 0 ]; then "$devtrack" checkin --answer "worked on #$i, 20m" >/dev/null 2>&1; fi
done
"$devtrack" summary >/dev/null
# And a sync, through a bare repository on this disk (docs/sync.md).
git init -q --bare "$tmp/sync.git"
"$devtrack" sync-remote set "$tmp/sync.git" --device bench >/dev/null
"$devtrack" sync-remote now >/dev/null
settle
memory "after $commits commits, $((commits / 4)) answers, a summary and a sync" $((idle_kb + 1024)) 6144
"$devtrack" stop >/dev/null

if [ -x "$build/bench/capture_bench" ]; then
  echo
  read -r stored prompt warm cold < <("$build/bench/capture_bench" "$devtrack" "$([ $quick = 1 ] && echo 2 || echo 10)")
  echo "# commit -> captured (median ms, from starting git commit)"
  printf '%-32s %8.2f (target <= 50)\n' "trigger stored" "$stored"
  printf '%-32s %8.2f (target <= 50)\n' "prompt open (visible)" "$prompt"
  printf '%-32s %8.2f (target <= 250)\n' "details filled, worker warm" "$warm"
  printf '%-32s %8.2f (target <= 250)\n' "details filled, worker cold" "$cold"
fi

if [ -x "$build/bench/outbox_bench" ]; then
  echo
  n=1000; [ $quick = 1 ] && n=50
  echo "# outbox: $n updates (queue cost per update; drain through daemon, worker and tracker)"
  read -r _ queue drain per sent < <("$build/bench/outbox_bench" "$devtrack" $n recording "$build/tests/plugins/recording")
  printf '%-32s %8.1f us per update\n' "queue (parse + rows, one tx)" "$queue"
  printf '%-32s %8.2f s (%.2f ms per update, %s sent)\n' "drain, no network" "$drain" "$per" "$sent"
  if [ $quick = 0 ] && [ -x "$root/tests/peers/node_modules/.bin/prism" ]; then
    bash "$root/tests/peers/github-peer.sh" start "$tmp/peer" >/dev/null
    read -r _ queue drain per sent < <("$build/bench/outbox_bench" "$devtrack" $n github "$(cat "$tmp/peer/github.port")")
    bash "$root/tests/peers/github-peer.sh" stop "$tmp/peer"
    printf '%-32s %8.2f s (%.2f ms per update, %s sent)\n' "drain to GitHub (prism, local)" "$drain" "$per" "$sent"
  fi
fi

if [ -x "$build/bench/ipc_load_bench" ]; then
  echo
  n=20000 samples=200; [ $quick = 1 ] && n=200 samples=10
  read -r i50 i99 h50 h99 f50 f99 rate failed < <("$build/bench/ipc_load_bench" "$devtrack" $n $samples)
  echo "# status over the socket under load (p50 / p99 ms; 500 idle connections; $n malformed messages)"
  verdict=$(awk -v h="$h99" -v p="$f99" -v f="$failed" 'BEGIN { print (h <= 100 && p <= 100 && f == 0) ? "ok" : "OVER TARGET" }')
  printf '%-32s %8.2f %8.2f\n' "idle daemon" "$i50" "$i99"
  printf '%-32s %8.2f %8.2f   (target p99 <= 100 ms)\n' "500 idle connections held" "$h50" "$h99"
  printf '%-32s %8.2f %8.2f   (target p99 <= 100 ms)\n' "malformed messages flowing" "$f50" "$f99"
  printf '%-32s %8s messages/s, %s status call(s) failed %s\n' "malformed messages sent" "$rate" "$failed" "$verdict"
  [ "$verdict" = ok ] || status=1
fi

if [ -x "$build/bench/summary_bench" ]; then
  echo
  n=100000; [ $quick = 1 ] && n=10000
  export DEVTRACK_HOME=$tmp/summary-home
  mkdir -p "$DEVTRACK_HOME"
  printf 'settings: {timezone: UTC}\nplugins: {rules: {enabled: true}, github: {enabled: true}}\n' >"$DEVTRACK_HOME/config.yaml"
  day=$("$build/bench/summary_bench" "$DEVTRACK_HOME/devtrack.db" $n)
  month=$(date -u -d "$day -30 days" +%F)
  echo "# summary and report over a year of use ($n answers; median / min ms, process included)"
  srounds=$([ $quick = 1 ] && echo 5 || echo 50)
  mapfile -t r < <("$tmp/timeit" "$srounds" "$tmp/baseline" "$devtrack summary --date $day --format json" \
                   "$devtrack summary --date $day" "$devtrack report --from $month --to $day --by project --format json")
  read -r sbase _ <<<"${r[0]}"
  target() {  # name "median min" target_ms
    local med min
    read -r med min <<<"$2"
    printf '%-32s %8.2f %8.2f   (target <= %s ms; %s ms over the baseline program) %s\n' "$1" "$med" "$min" "$3" \
      "$(awk -v a="$med" -v b="$sbase" 'BEGIN { printf "%.2f", a - b }')" \
      "$(awk -v m="$med" -v t="$3" 'BEGIN { print (m <= t) ? "ok" : "OVER TARGET" }')"
  }
  target "summary of a day (json)" "${r[1]}" 30
  target "summary of a day (markdown)" "${r[2]}" 30
  target "report over a month" "${r[3]}" 100
fi

if [ -x "$build/bench/summary_bench" ] && command -v git >/dev/null; then
  echo
  n=5000; [ $quick = 1 ] && n=500
  echo "# sync: three devices x a year of one developer's data ($n answers each), one bare remote (ms)"
  if out=$(bash "$here/bench/sync_scale.sh" "$devtrack" "$build/bench/summary_bench" $n "$tmp/sync" 2>"$tmp/sync.err"); then
    eval "$(echo "$out" | tr ' ' '\n')"
    printf '%-32s %8s   (seals and pushes its %s records)\n' "first sync, first device" "$first_laptop" "$n"
    printf '%-32s %8s   (+ merges the first device'"'"'s)\n' "first sync, second device" "$first_desk"
    printf '%-32s %8s   (+ merges both others'"'"')\n' "first sync, third device" "$first_devbox"
    printf '%-32s %8s   (the first device takes the two others'"'"')\n' "catch-up of the first device" "$full"
    printf '%-32s %8s   (one new answer sealed and pushed)\n' "incremental sync, pushing" "$inc_push"
    printf '%-32s %8s   (the other device fetches and merges it)\n' "incremental sync, fetching" "$inc_fetch"
    printf '%-32s %8s KiB in %s segment files; %s answers on the second device\n' "remote size" "$size_kb" "$files" \
      "$answers_on_desk"
  else
    echo "sync                             not measured: the run failed"
    tail -5 "$tmp/sync.err" | sed 's/^/  /'
    status=1
  fi
fi

if command -v dbus-run-session >/dev/null && command -v Xvfb >/dev/null && command -v dunst >/dev/null; then
  echo
  echo "# prompt on the desktop (Xvfb + dunst), median / min ms"
  # A desktop session that fails to come up (Xvfb, dunst, the session bus on
  # a loaded machine) is reported with its last lines, not a silent exit.
  if read -r lat_med lat_min < <(dbus-run-session -- bash "$here/bench/notify_latency.sh" "$devtrack" \
                                  "$([ $quick = 1 ] && echo 3 || echo 20)" 2>"$tmp/notify.err"); then
    printf '%-32s %8.2f %8.2f   (target <= 1000 ms)\n' "devtrack ask -> notification" "$lat_med" "$lat_min"
  else
    echo "devtrack ask -> notification     not measured: the desktop session failed"
    tail -20 "$tmp/notify.err" | sed 's/^/  /'
    status=1
  fi
fi

if [ -x "$build/bench/micro_bench" ] && [ $quick = 0 ]; then
  echo; echo "# micro benchmarks (Google Benchmark)"
  "$build/bench/micro_bench" --benchmark_min_time=0.2
fi
[ $quick = 1 ] && exit 0
exit $status
