#!/usr/bin/env bash
# The core's modules only point down (docs/architecture.md, "Modules"): a
# file in core/M may include "N/..." only when N is below M in this order;
# plugins/ and sdk/ include nothing of core/. Fails with each offending
# line, so a new upward include is caught where it is written.
set -euo pipefail
src=${1:?usage: check_layers.sh SOURCE_DIR}
# Rank of each module; equal ranks may not include each other.
declare -A rank=(
  [util]=0 [log]=1 [store]=2 [secret]=2 [config]=3 [git]=3 [sync]=3 [event]=4
  [plugin]=5 [ipc]=5 [outbox]=6 [checkin]=7 [summary]=8 [daemon]=9 [worker]=9 [cli]=10
)
fail=0
for dir in "$src"/core/*/; do
  module=$(basename "$dir")
  [ "$module" = hook ] && continue  # C, libc only: includes nothing of ours
  if [ -z "${rank[$module]+x}" ]; then
    echo "FAIL: core/$module is not in the module order of $0"; fail=1; continue
  fi
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    dep=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$rest")
    [ "$dep" = "$module" ] && continue
    if [ -z "${rank[$dep]+x}" ]; then
      echo "FAIL: ${file#$src/}:$line includes $dep/, which is not a core module"; fail=1
    elif [ "${rank[$dep]}" -ge "${rank[$module]}" ]; then
      echo "FAIL: ${file#$src/}:$line: $module includes $dep/ (not below it)"; fail=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$dir" --include='*.h' --include='*.cc' --include='*.in' || true)
done
# Plugins and the SDK are built against the SDK alone.
modules=$(printf '%s|' "${!rank[@]}"); modules=${modules%|}
if grep -rnE "^#include \"($modules)/" "$src/plugins" "$src/sdk" --include='*.h' --include='*.hpp' --include='*.cc' --include='*.c'; then
  echo "FAIL: the lines above include core/ from plugins/ or sdk/"; fail=1
fi
if grep -rn 'core' "$src"/plugins/*/CMakeLists.txt | grep -v '^\s*#' | grep -E 'include_directories|SOURCE_DIR\}/core'; then
  echo "FAIL: a plugin's build reaches into core/"; fail=1
fi
[ $fail = 0 ] && echo "core modules point down: ${#rank[@]} modules checked"
exit $fail
