#!/usr/bin/env bash
# Time from `devtrack ask` to the desktop notification being on screen,
# on a private session bus with Xvfb and dunst (run by bench.sh under
# dbus-run-session). Prints "median min" in ms over N rounds.
#   notify_latency.sh DEVTRACK N
set -euo pipefail
devtrack=$1 n=$2
tmp=$(mktemp -d)
export HOME=$tmp DEVTRACK_HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run
mkdir -p "$DEVTRACK_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
# A free display, picked by Xvfb itself (a fixed number can collide with a
# test's X server running at the same time).
Xvfb -displayfd 3 -nolisten tcp 3>"$tmp/display" >/dev/null 2>&1 & xpid=$!
until [ -s "$tmp/display" ]; do sleep 0.05; done
display=:$(head -1 "$tmp/display")
export DISPLAY=$display
dunst -config /dev/null >/dev/null 2>&1 & dpid=$!
# On a failure the daemon's log says why (bench.sh shows the last lines).
trap 'rc=$?; [ $rc = 0 ] || tail -20 "$DEVTRACK_HOME/daemon.log" >&2 2>/dev/null
      "$devtrack" stop >/dev/null 2>&1; kill $dpid $xpid 2>/dev/null; rm -rf "$tmp"' EXIT
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q true; do sleep 0.05; done
"$devtrack" config init >/dev/null
sed -i 's/work_hours: "09:00-18:00"/work_hours: "00:00-24:00"/; s/work_days: \[mon, tue, wed, thu, fri\]/work_days: [mon, tue, wed, thu, fri, sat, sun]/' "$DEVTRACK_HOME/config.yaml"
"$devtrack" start >/dev/null
times=()
for _ in $(seq "$n"); do
  t0=$(date +%s%N)
  "$devtrack" ask --no-wait >/dev/null
  until [ "$(dunstctl count displayed)" = 1 ]; do sleep 0.002; done
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000 )))
  "$devtrack" checkin --skip >/dev/null
  dunstctl close-all
  until [ "$(dunstctl count displayed)" = 0 ]; do sleep 0.01; done
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f %.2f\n", a[int((NR + 1) / 2)] / 1000, a[1] / 1000 }'
