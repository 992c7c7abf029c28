#!/usr/bin/env bash
# Every plugin the build made exports exactly one symbol: devtrack_plugin_entry.
set -euo pipefail
build=$1
command -v nm >/dev/null || { echo "nm not found: skipping"; exit 77; }
mapfile -t plugins < <(find "$build/lib" "$build/tests/plugins" -name '*.so' -type f 2>/dev/null |
  grep -v -e '/broken/no_entry.so' -e '/broken/missing_symbol.so' -e '/broken/not_elf.so')
[ ${#plugins[@]} -gt 0 ] || { echo "no plugins found under $build"; exit 1; }
fail=0
for so in "${plugins[@]}"; do
  # Defined dynamic symbols, less the linker's own markers.
  syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v -E '^(_init|_fini|__bss_start|_edata|_end)$' || true)
  if [ "$syms" != "devtrack_plugin_entry" ]; then
    echo "FAIL $so exports:"; echo "$syms" | sed 's/^/  /'; fail=1
  else
    echo "ok   $so"
  fi
done
exit $fail
