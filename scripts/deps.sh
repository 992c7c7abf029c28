# Debian 12 packages DevTrack needs, installed idempotently (as root or via
# sudo). Sourced by install.sh and test.sh:  install_deps build|test
# shellcheck shell=bash

DEVTRACK_BUILD_DEPS=(
  build-essential cmake ninja-build pkg-config git binutils tzdata
  libboost-dev libboost-program-options-dev
  libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libhowardhinnant-date-dev libgit2-dev libedit-dev libcurl4-openssl-dev libsodium-dev
  libcmark-dev libical-dev libsystemd-dev
  libnotify-bin  # runtime: the notify surface runs notify-send
  bash-completion  # runtime: loads the installed tab completions (nothing else does)
)
DEVTRACK_TEST_DEPS=(catch2 libbenchmark-dev util-linux tmux dbus gnome-keyring libsecret-tools curl openssl chromium
  dunst libnotify-bin xvfb xauth neovim vim python3 python3-dbusmock)

# Installs the named Debian packages that are missing.
install_pkgs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "deps: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_deps() {
  local want=("${DEVTRACK_BUILD_DEPS[@]}")
  [ "${1:-build}" = test ] && want+=("${DEVTRACK_TEST_DEPS[@]}")
  install_pkgs "${want[@]}"
  echo "deps: ${#want[@]} Debian packages present"
}
