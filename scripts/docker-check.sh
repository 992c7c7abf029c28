#!/usr/bin/env bash
# Proves scripts/Dockerfile on this machine, where there is no registry for
# base images: Debian's podman (vfs storage, as root) builds the image from a
# debootstrap base with the already-built install tree copied in, then runs
# DevTrack inside: --version, the linker's view of every binary and plugin,
# config check, plugins list, summary and report on a mounted DEVTRACK_HOME,
# and the daemon with status and sync. Not part of ctest (minutes, root).
#
#   scripts/docker-check.sh [--build-dir DIR] [--work DIR] [--rebuild-base]
#
# The base (devtrack-base:12) is `debootstrap --variant=minbase bookworm` from
# the machine's Debian mirror, imported once and reused. The Dockerfile's apt
# line runs as users run it when the build can reach the mirror; when it
# cannot, the base is made again with the runtime packages included
# (debootstrap --include), so the same Dockerfile needs nothing from the net.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-release
work=/var/tmp/devtrack-docker
rebuild_base=0
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --work) work=$2; shift ;;
    --rebuild-base) rebuild_base=1 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "docker-check.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "docker-check.sh: run as root (podman with the vfs driver, debootstrap)" >&2; exit 1; }
base=devtrack-base:12 image=devtrack:check
start_s=$SECONDS
step() { echo "==> [$((SECONDS - start_s))s] $*"; }
fail() { echo "docker-check.sh: FAIL: $*" >&2; exit 1; }

# shellcheck source=deps.sh
. "$here/deps.sh"
install_pkgs podman debootstrap

# Machines like this one are containers themselves; their quirks are
# detected, not assumed. crun refuses hybrid cgroups (v1 and v2 mounted):
# runc runs there. Without CAP_SYS_RESOURCE no limit can be raised, and
# podman's default limits (nofile 1048576, nproc 4194304) would be.
podman=(podman --storage-driver vfs)
limits=()
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  install_pkgs runc
  podman+=(--runtime runc)
fi
if (( ((0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24) & 1) == 0 )); then
  nproc=$(ulimit -Hu)  # capped: runc here was refused 65536 of a hard 96364
  [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
  limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=$nproc:$nproc")
fi

# The first Debian (not security, not third-party) mirror apt is configured
# with, from deb822 .sources files or one-line .list files.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { uri = ""; ok = 0
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
             if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1 }
           if (ok && uri != "") { print uri; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { sub(/\[[^]]*\][ \t]*/, ""); if ($3 == "bookworm") print $2 }' "$f"
  done
}

# The Dockerfile's runtime package list (its `pkgs="..."`), for --include.
dockerfile_packages() { sed -n 's/.*pkgs="\([^"]*\)".*/\1/p' "$here/Dockerfile" | tr ' ' ','; }

make_base() {  # make_base [--include=...]: debootstrap, then podman import
  local mirror rootfs=$work/rootfs
  mirror=$(debian_mirror | awk 'NR == 1')  # reads it all: no SIGPIPE under pipefail
  [ -n "$mirror" ] || fail "no bookworm mirror in /etc/apt/sources.list*"
  step "debootstrap --variant=minbase ${*:+$* }bookworm from $mirror"
  rm -rf "$rootfs"
  debootstrap --variant=minbase "$@" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap (log: $work/debootstrap.log)"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  "${podman[@]}" rmi -f "$base" >/dev/null 2>&1 || true
  tar -C "$rootfs" -c . | "${podman[@]}" import --quiet - "$base" >/dev/null
  rm -rf "$rootfs"
  step "imported $base ($(du_image "$base"))"
}

du_image() { "${podman[@]}" image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

build_image() {  # the image it replaces is removed: vfs keeps every layer whole
  local old
  old=$("${podman[@]}" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  "${podman[@]}" build "${limits[@]}" -f "$here/Dockerfile" --build-arg BASE="$base" -t "$image" "$work/ctx" >"$work/build.log" 2>&1 || return
  if [ -n "$old" ] && [ "$old" != "$("${podman[@]}" image inspect --format '{{.Id}}' "$image")" ]; then
    "${podman[@]}" rmi "$old" >/dev/null 2>&1 || true
  fi
}

mkdir -p "$work"
if [ $rebuild_base = 1 ] || ! "${podman[@]}" image exists "$base"; then make_base; fi

step "install tree from $build into $work/ctx/usr/local"
[ -x "$build/bin/devtrack" ] || fail "$build has no built devtrack: build it first (see README.md)"
rm -rf "$work/ctx"
cmake --install "$build" --prefix "$work/ctx/usr/local" --strip >/dev/null  # no debug info in an image

step "podman build -f scripts/Dockerfile --build-arg BASE=$base"
if ! build_image; then
  grep -qiE 'Temporary failure|Could not resolve|Unable to connect|Network is unreachable|Failed to fetch' "$work/build.log" ||
    { tail -n 30 "$work/build.log" >&2; fail "podman build (log: $work/build.log)"; }
  step "the build cannot reach the mirror: a base with the runtime packages included"
  make_base --include="$(dockerfile_packages)"
  build_image || { tail -n 30 "$work/build.log" >&2; fail "podman build (log: $work/build.log)"; }
fi
step "built $image ($(du_image "$image"))"

run() { "${podman[@]}" run --rm "${limits[@]}" -v "$work/data:/data" "$image" "$@"; }

rm -rf "$work/data" && install -d -o 1000 -g 1000 -m 700 "$work/data"  # DEVTRACK_HOME, the image's user's
step "devtrack --version"
run --version
step "every binary and plugin finds its libraries"
missing=$("${podman[@]}" run --rm "${limits[@]}" --entrypoint sh "$image" -c \
  'ldd /usr/local/bin/devtrack /usr/local/libexec/devtrack/* /usr/local/lib/devtrack/plugins/*.so | grep "not found" || true')
[ -z "$missing" ] || fail "libraries missing in the image (add their packages to the Dockerfile): $missing"

step "devtrack config init, config check, plugins list (DEVTRACK_HOME on a volume)"
run config init
run config check
run plugins list
step "devtrack summary; devtrack report"
run summary
run report

step "the daemon in a container; status and sync from beside it"
"${podman[@]}" rm -f devtrack-check >/dev/null 2>&1 || true
"${podman[@]}" run -d "${limits[@]}" --name devtrack-check -v "$work/data:/data" "$image" >/dev/null
trap '"${podman[@]}" rm -f devtrack-check >/dev/null 2>&1 || true' EXIT
for _ in $(seq 100); do
  "${podman[@]}" exec devtrack-check devtrack status >/dev/null 2>&1 && break; sleep 0.2
done
in_daemon() { "${podman[@]}" exec devtrack-check devtrack "$@"; }
in_daemon status
step "an answer through the daemon, then the day's summary shows it"
in_daemon ask --no-wait
in_daemon checkin --answer "reviewed the release notes, 30m"
in_daemon summary | tee "$work/summary.md"
grep -q 'reviewed the release notes' "$work/summary.md" || fail "the answer is not in the summary"
in_daemon sync --wait 10
"${podman[@]}" stop -t 10 devtrack-check >/dev/null
state=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' devtrack-check)
[ "$state" = 0 ] || { "${podman[@]}" logs devtrack-check | tail -n 20 >&2; fail "the daemon exited with $state on SIGTERM"; }
step "done: $image is $(du_image "$image"), base $base $(du_image "$base")"
