#!/usr/bin/env bash
# Sync at scale (docs/sync.md "How it scales"): three devices, each holding
# a year of one developer's answers (N, ~20 a work day), on one bare remote.
# Prints the time of each device's first sync, of a full round after them,
# of an incremental one (one new answer), and the remote's size.
#   sync_scale.sh DEVTRACK SUMMARY_BENCH N TMPDIR
set -euo pipefail
devtrack=$1 seed=$2 n=$3 tmp=$4
remote=$tmp/remote.git
git init -q --bare "$remote"
ms() { date +%s%3N; }
dev() {  # NAME ARGS...: devtrack in that device's home
  local name=$1; shift
  DEVTRACK_HOME=$tmp/$name "$devtrack" "$@"
}
timed() {  # NAME: one `sync-remote now`, in ms
  local t0; t0=$(ms)
  dev "$1" sync-remote now --wait 600 >/dev/null
  echo $(( $(ms) - t0 ))
}
i=0
for d in laptop desk devbox; do
  mkdir -p "$tmp/$d"; chmod 700 "$tmp/$d"
  printf 'settings: {timezone: UTC}\nplugins: {rules: {enabled: true}, github: {enabled: false}, timer: {enabled: false}}\n' \
    >"$tmp/$d/config.yaml"
  "$seed" "$tmp/$d/devtrack.db" "$n" $((i * 10000000)) >/dev/null
  i=$((i + 1))
done
dev laptop sync-remote set "$remote" --device laptop >/dev/null
key=$(dev laptop sync-remote key export)
for d in desk devbox; do
  echo "$key" | dev $d sync-remote key import >/dev/null
  dev $d sync-remote set "$remote" --device $d >/dev/null
done
trap 'for d in laptop desk devbox; do dev $d stop >/dev/null 2>&1 || true; done' EXIT
# One device after the other: `now` right after start runs the daemon's
# first round at once (instead of 3 s after start), and it is the one timed.
dev laptop start >/dev/null; first_laptop=$(timed laptop)
dev desk start >/dev/null; first_desk=$(timed desk)
dev devbox start >/dev/null; first_devbox=$(timed devbox)
full=$(timed laptop)
timed desk >/dev/null  # the desk catches up on the devbox's too: what follows is incremental
dev laptop ask --no-wait >/dev/null
dev laptop checkin --answer "one more answer, 10m" >/dev/null
inc_push=$(timed laptop) inc_fetch=$(timed desk)
size=$(du -sk "$remote" | cut -f1)
files=$(git -C "$remote" ls-tree -r --name-only devtrack-sync | wc -l)
total=$(dev desk report --from 2020-01-01 --to 2030-01-01 --by device --format json | grep -o '"answers": [0-9]*' | awk '{s+=$2} END {print s}')
echo "first_laptop=$first_laptop first_desk=$first_desk first_devbox=$first_devbox full=$full"
echo "inc_push=$inc_push inc_fetch=$inc_fetch size_kb=$size files=$files answers_on_desk=$total"
