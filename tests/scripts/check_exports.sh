#!/usr/bin/env bash
# Every plugin the build made exports exactly one symbol: devtrack_plugin_entry;
# the host's own modules (lib/devtrack/libdevtrack-*.so) theirs, by name.
set -euo pipefail
build=$1
command -v nm >/dev/null || { echo "nm not found: skipping"; exit 77; }
fail=0
expect_exports() {  # SO SYMBOL
  # Defined dynamic symbols, less the linker's own markers.
  local syms
  syms=$(nm -D --defined-only "$1" | awk '{print $3}' | grep -v -E '^(_init|_fini|__bss_start|_edata|_end)$' || true)
  if [ "$syms" != "$2" ]; then
    echo "FAIL $1 exports:"; echo "$syms" | sed 's/^/  /'; fail=1
  else
    echo "ok   $1"
  fi
}
mapfile -t plugins < <(find "$build/lib" "$build/tests/plugins" -name '*.so' -type f -not -name 'libdevtrack-*.so' 2>/dev/null |
  grep -v -e '/broken/no_entry.so' -e '/broken/missing_symbol.so' -e '/broken/not_elf.so')
[ ${#plugins[@]} -gt 0 ] || { echo "no plugins found under $build"; exit 1; }
for so in "${plugins[@]}"; do expect_exports "$so" devtrack_plugin_entry; done
for module in "$build"/lib/devtrack/libdevtrack-*.so; do
  [ -e "$module" ] || continue
  name=$(basename "$module" .so)
  name=${name#lib}
  expect_exports "$module" "${name//-/_}_module"  # libdevtrack-tz.so: devtrack_tz_module
done
exit $fail
