#!/usr/bin/env bash
# core/ names no tracker or surface (docs/architecture.md, "An open core"):
# the plugins are found by kind and by what they declare, the default
# bundle comes from config/config.yaml. The one exception is the reading of
# the old project keys, core/config/legacy_project_keys.cc. Fails with each
# offending line.
set -euo pipefail
src=${1:?usage: check_core_names.sh SOURCE_DIR}
names='"(github|jira|trello|gitea|calendar|tty|notify)"'
hits=$(grep -rnE "$names" "$src/core" --include='*.h' --include='*.cc' --include='*.in' \
         | grep -v '^'"$src"'/core/config/legacy_project_keys\.cc:' || true)
if [ -n "$hits" ]; then
  echo "$hits" | sed "s|^$src/||"
  echo "FAIL: the lines above name a plugin in core/"
  exit 1
fi
# The exception stays small: the table of old keys and nothing else.
n=$(grep -cE "$names" "$src/core/config/legacy_project_keys.cc")
[ "$n" -le 3 ] || { echo "FAIL: legacy_project_keys.cc names plugins on $n lines (3 expected)"; exit 1; }
# ...and the grep itself finds what it looks for.
printf 'x = "github";\n' | grep -qE "$names" || { echo "FAIL: the pattern is broken"; exit 1; }
echo "core/ names no tracker or surface"
