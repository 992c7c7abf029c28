#!/usr/bin/env bash
# Installs DevTrack: Debian dependencies, a Release build, the install into
# a prefix (default ~/.local), the default config, shell completions, and
# the daemon (a systemd user service where a user systemd runs, else
# `devtrack start`).
#
#   scripts/install.sh [--prefix DIR] [--no-deps] [--no-start] [--build-dir DIR] [--no-build]
#   scripts/install.sh --uninstall [--purge] [--prefix DIR]
#
# --uninstall removes the hooks, the service and the installed files and
# keeps your data ($DEVTRACK_HOME); --purge removes the data too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=${HOME}/.local
build=$root/build-release
deps=1 start=1 build_it=1 uninstall=0 purge=0
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --build-dir) build=$2; shift ;;
    --no-deps) deps=0 ;;
    --no-start) start=0 ;;
    --no-build) build_it=0 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
unit_dir=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
have_user_systemd() { command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; }

if [ $uninstall = 1 ]; then
  devtrack=$prefix/bin/devtrack
  [ -x "$devtrack" ] || { echo "install.sh: no DevTrack installed in $prefix" >&2; exit 1; }
  home=$(dirname "$("$devtrack" config path)")
  if have_user_systemd && [ -f "$unit_dir/devtrack.service" ]; then
    systemctl --user disable --now devtrack.service >/dev/null 2>&1 || true
  fi
  "$devtrack" stop >/dev/null 2>&1 || true
  rm -f "$unit_dir/devtrack.service"
  # Take the hooks out of every watched repository (restoring chained ones).
  "$devtrack" repos list --json 2>/dev/null | sed -n 's/^    "path": "\(.*\)",$/\1/p' | while read -r repo; do
    "$devtrack" repos remove "$repo" || true
  done
  rm -rf "$prefix/bin/devtrack" "$prefix/bin/devtrackctl" "$prefix/libexec/devtrack" \
    "$prefix"/lib*/devtrack "$prefix/include/devtrack" "$prefix"/lib*/cmake/DevTrackSDK \
    "$prefix/share/devtrack" "$prefix/share/man/man1/devtrack.1" \
    "$prefix/share/bash-completion/completions/devtrack" "$prefix/share/zsh/site-functions/_devtrack" \
    "$prefix/share/fish/vendor_completions.d/devtrack.fish"
  echo "==> removed DevTrack from $prefix"
  if [ $purge = 1 ]; then
    rm -rf "$home"
    echo "==> removed your data in $home"
  else
    echo "==> kept your data in $home (--purge removes it)"
  fi
  exit 0
fi

mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

# shellcheck source=deps.sh
. "$here/deps.sh"
[ $deps = 1 ] && install_deps build

if [ $build_it = 1 ]; then
  echo "==> building (Release) in $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEVTRACK_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build"
fi
echo "==> installing into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

devtrack=$prefix/bin/devtrack
"$devtrack" --version

# Shell completions where each shell looks for them under the prefix.
mkdir -p "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d"
"$devtrack" completion bash >"$prefix/share/bash-completion/completions/devtrack"
"$devtrack" completion zsh >"$prefix/share/zsh/site-functions/_devtrack"
"$devtrack" completion fish >"$prefix/share/fish/vendor_completions.d/devtrack.fish"

config=$("$devtrack" config path)
if [ -f "$config" ]; then
  echo "==> keeping your config $config"
else
  "$devtrack" config init
fi
"$devtrack" config check
"$devtrack" plugins list

if [ $start = 1 ]; then
  if have_user_systemd; then
    mkdir -p "$unit_dir"
    sed "s|@PREFIX@|$prefix|g" "$prefix/share/devtrack/devtrack.service.in" >"$unit_dir/devtrack.service"
    "$devtrack" stop >/dev/null 2>&1 || true
    systemctl --user daemon-reload
    systemctl --user enable --now devtrack.service
    echo "==> the daemon runs as the systemd user service devtrack.service"
  else
    "$devtrack" restart
    echo "==> no user systemd here: started with 'devtrack start' (run it again after a reboot)"
  fi
  echo "==> next: devtrack repos add <your repository>"
fi

case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "==> add $prefix/bin to your PATH, e.g.: echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc" ;;
esac
echo "==> done: try 'devtrack --help'"
