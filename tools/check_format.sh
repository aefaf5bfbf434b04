#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format (.clang-format) would write.
# Fix with: tools/check_format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'src/*.h' 'src/*.cc' 'tests/*.h' 'tests/*.cc' 'bench/*.h' 'bench/*.cc' \
                       'fuzz/*.h' 'fuzz/*.cc' 2>/dev/null ||
                     find src tests bench fuzz -name '*.h' -o -name '*.cc')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "needs formatting: $file"
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "format: all files formatted"
exit $bad
