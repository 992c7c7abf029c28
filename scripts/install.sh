#!/usr/bin/env bash
# Installs DevTrack: Debian dependencies, a Release build, the install into
# a prefix (default ~/.local), the default config, shell completions, and
# the daemon with the default bundle.
#
#   scripts/install.sh [--prefix DIR] [--no-deps] [--no-start] [--build-dir DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=${HOME}/.local
build=$root/build-release
deps=1 start=1
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=$2; shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --build-dir) build=$2; shift ;;
    --no-deps) deps=0 ;;
    --no-start) start=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

# shellcheck source=deps.sh
. "$here/deps.sh"
[ $deps = 1 ] && install_deps build

echo "==> building (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DDEVTRACK_BUILD_TESTS=OFF >/dev/null
cmake --build "$build"
echo "==> installing into $prefix"
cmake --install "$build" >/dev/null

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
  if "$devtrack" help daemon >/dev/null 2>&1; then
    "$devtrack" start
  else
    echo "==> this version has no daemon to start yet"
  fi
fi

case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "==> add $prefix/bin to your PATH, e.g.: echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc" ;;
esac
echo "==> done: try 'devtrack --help'"
