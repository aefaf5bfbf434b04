#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the project's sources with a build's compile_commands.json.
# Fails on any finding in project code. Usage: tools/run_clang_tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/release}
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "run_clang_tidy: $BUILD_DIR/compile_commands.json missing; configure that build first" >&2
  exit 2
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
git ls-files 'src/*.cc' | xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD_DIR" --quiet \
  --extra-arg=-Wno-unknown-warning-option > "$out" 2>/dev/null || true
if grep -E "^$(pwd)/.*: (warning|error):" "$out"; then
  echo "clang-tidy: findings above"
  exit 1
fi
echo "clang-tidy: no findings in $(git ls-files 'src/*.cc' | wc -l) files"
