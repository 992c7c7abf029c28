#!/usr/bin/env bash
# Installs DevTrack: Debian dependencies, a Release build, the install into
# a prefix (default ~/.local), the default config, shell completions, and
# the daemon (a systemd user service where a user systemd runs, else
# `devtrack start`).
#
#   scripts/install.sh [--prefix DIR] [--no-deps] [--no-start] [--build-dir DIR] [--no-build]
#   scripts/install.sh --uninstall [--purge] [--prefix DIR]
#
# --uninstall gives every watched repository its own post-commit hook back,
# removes the service and the installed files, and keeps your data
# ($DEVTRACK_HOME); --purge removes the data too. Running it again is safe.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=${HOME}/.local
build=$root/build-release
deps=1 start=1 build_it=1 uninstall=0 purge=0
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the header comment
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
# Where bash-completion (2.11, Debian 12) looks first: the user's own directory.
bash_completion_user_dir=${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion}/completions

# The watched repositories' paths, NUL-separated, from `devtrack repos list
# --json` on stdin. JSON is read with a JSON tool: the keys' order and
# layout are nlohmann's to choose (a sed on them broke uninstall once).
json_repo_paths() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys
for r in json.load(sys.stdin): sys.stdout.write(r["path"] + "\0")'
  else
    jq -j '.[] | .path, "\u0000"'
  fi
}

# Puts back what `devtrack repos remove` would (core/git/hooks.cc): our
# post-commit symlink goes, the user's chained hook returns to post-commit.
# For when devtrack itself is gone but its hooks are not.
restore_hook() {
  local hook=$1/post-commit chained=$1/post-commit.devtrack-chained
  if [ -L "$hook" ] && [ "$(basename "$(readlink "$hook")")" = devtrack-hook ]; then
    rm -f "$hook"
    echo "==> removed the hook $hook"
  elif [ -e "$hook" ] || [ -L "$hook" ]; then
    return 0  # not ours: the user's own, or already restored
  fi
  if [ -e "$chained" ] || [ -L "$chained" ]; then
    mv "$chained" "$hook"
    echo "==> restored your hook $hook"
  fi
}

# Restores the hooks of the repositories in the database when the program
# that would do it is gone (deleted by hand, or an older install.sh removed it
# and left the hooks pointing at nothing). Reads the database read-only:
# repos.hooks_dir is the directory `devtrack repos add` installed into.
restore_hooks_from_db() {
  local db=$1/devtrack.db dir
  [ -f "$db" ] || return 0
  if ! command -v python3 >/dev/null; then
    echo "install.sh: devtrack is gone and python3 is missing: check the post-commit hooks of your" \
      "repositories by hand (a post-commit.devtrack-chained file is your own hook)" >&2
    return 0
  fi
  while IFS= read -r -d '' dir; do
    restore_hook "$dir"
  done < <(python3 - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for (d,) in db.execute("SELECT hooks_dir FROM repos WHERE ifnull(hooks_dir, '') <> ''"):
    sys.stdout.write(d + "\0")
PY
  )
}

# Stops the daemon and takes DevTrack's hook out of every watched repository
# with devtrack itself, before its binaries go. Fails (exit 1) before
# removing anything if a hook cannot be restored.
unhook_repositories() {
  local devtrack=$1 json repos=() repo failed=0
  if ! command -v python3 >/dev/null && ! command -v jq >/dev/null; then
    echo "install.sh: reading the watched repositories needs python3 or jq (apt-get install jq); nothing removed" >&2
    exit 1
  fi
  json=$("$devtrack" repos list --json)
  json_repo_paths <<<"$json" >/dev/null  # a parse error stops here, before anything is removed
  mapfile -d '' -t repos < <(json_repo_paths <<<"$json")
  "$devtrack" stop >/dev/null 2>&1 || true
  for repo in "${repos[@]}"; do
    "$devtrack" repos remove "$repo" || { failed=1; echo "install.sh: could not restore the hook of $repo" >&2; }
  done
  [ $failed = 0 ] || { echo "install.sh: DevTrack left installed: fix the above and run --uninstall again" >&2; exit 1; }
}

# bash-completion 2.11 looks in its user directory and in
# ${XDG_DATA_DIRS:-/usr/local/share:/usr/share}, not beside the program: for
# any other prefix, a link from the user directory makes it find ours.
link_bash_completion() {
  local ours=$prefix/share/bash-completion/completions/devtrack link=$bash_completion_user_dir/devtrack
  case $prefix/share in
    "${bash_completion_user_dir%/bash-completion/completions}" | /usr/local/share | /usr/share) return 0 ;;
  esac
  [ -e "$link" ] && [ ! -L "$link" ] && return 0  # the user's own file: theirs to keep
  mkdir -p "$bash_completion_user_dir"
  ln -sfn "$ours" "$link"
}

# The closing words: tab completion works only where bash-completion is
# installed (Debian's skeleton ~/.bashrc loads it), and shell-init is how
# the prompt says a check-in is waiting.
say_completion_and_shell_init() {
  if [ -f /usr/share/bash-completion/bash_completion ]; then
    echo "==> tab completion: new bash shells have it (zsh, fish: README.md, \"Shell\")"
  else
    echo "==> tab completion needs the bash-completion package (sudo apt-get install bash-completion);"
    echo "    without it add to ~/.bashrc:  source <(devtrack completion bash)"
  fi
  echo "==> to hear of waiting check-ins at your prompt, add to ~/.bashrc:  eval \"\$(devtrack shell-init bash)\""
  echo "    (zsh: devtrack shell-init zsh, fish: devtrack shell-init fish | source)"
}

uninstall() {
  [ -d "$prefix" ] && prefix=$(cd "$prefix" && pwd)  # as the install spelled it
  local devtrack=$prefix/bin/devtrack home files=() left=() f
  if have_user_systemd && [ -f "$unit_dir/devtrack.service" ]; then
    systemctl --user disable --now devtrack.service >/dev/null 2>&1 || true
  fi
  if [ -x "$devtrack" ]; then
    home=$(dirname "$("$devtrack" config path)")
    unhook_repositories "$devtrack"
  else
    home=${DEVTRACK_HOME:-$HOME/.devtrack}
    restore_hooks_from_db "$home"
  fi
  files=("$unit_dir/devtrack.service" "$prefix/bin/devtrack" "$prefix/bin/devtrackctl" "$prefix/libexec/devtrack"
    "$prefix"/lib*/devtrack "$prefix/include/devtrack" "$prefix"/lib*/cmake/DevTrackSDK
    "$prefix/share/devtrack" "$prefix/share/man/man1/devtrack.1"
    "$prefix/share/bash-completion/completions/devtrack" "$prefix/share/zsh/site-functions/_devtrack"
    "$prefix/share/fish/vendor_completions.d/devtrack.fish")
  # The link install.sh made for bash-completion, if it points into this prefix.
  [ "$(readlink "$bash_completion_user_dir/devtrack" 2>/dev/null)" = "$prefix/share/bash-completion/completions/devtrack" ] &&
    files+=("$bash_completion_user_dir/devtrack")
  for f in "${files[@]}"; do
    if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
  done
  if [ ${#left[@]} -eq 0 ]; then
    echo "==> nothing left to remove in $prefix"
  else
    rm -rf "${left[@]}"
    echo "==> removed DevTrack from $prefix"
  fi
  if [ $purge = 1 ]; then
    if [ -e "$home" ]; then
      rm -rf "$home"
      echo "==> removed your data in $home"
    else
      echo "==> no data to remove in $home"
    fi
  elif [ -e "$home" ]; then
    echo "==> kept your data in $home (--purge removes it)"
  fi
}

if [ $uninstall = 1 ]; then
  uninstall
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
link_bash_completion

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
say_completion_and_shell_init
