#!/usr/bin/env bash
# Runs the fuzz targets of a `fuzz` preset build (docs/fuzzing.md), each for a fixed time, from its
# seed corpus (fuzz/corpus/<name>/, read only) with its dictionary. New corpus entries, logs and
# crash inputs go to a temporary directory. Fails when any target finds a crash, a leak, a timeout
# or runs out of memory, and prints the input that did it.
#
#   scripts/run-fuzzers.sh [build dir] [seconds per target] [target...]
#
# Defaults: build/fuzz, 30 s, every target the build lists. FUZZ_KEEP=1 keeps the temporary
# directory after a successful run (it is always kept after a failure).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build/fuzz}
seconds=${2:-30}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
only=("$@")

list="$build/fuzz/fuzzers.txt"
if [ ! -f "$list" ]; then
  echo "run-fuzzers: $list is missing; build first: cmake --preset fuzz && cmake --build --preset fuzz" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mercato-fuzz.XXXXXX")
# Sanitizer reports with stacks; UBSan findings are fatal (the preset also sets
# -fno-sanitize-recover=undefined).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Prints a file as an escaped string (first 4 KiB), so that binary inputs survive a CI log.
show_input() {
  python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
print(f"  {len(data)} bytes: {data[:4096]!r}{'...' if len(data) > 4096 else ''}")
PY
}

failed=()
ran=0
while read -r name dict; do
  [ -n "$name" ] || continue
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qxF "$name"; then continue; fi
  binary="$build/fuzz/${name}_fuzzer"
  seeds="fuzz/corpus/$name"
  dir="$work/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  if [ "$dict" != "-" ]; then args+=(-dict="$dict"); fi
  corpora=("$dir/corpus")  # the first directory receives the new entries
  if [ -d "$seeds" ]; then corpora+=("$seeds"); fi
  ran=$((ran + 1))

  start=$(date +%s)
  if "$binary" "${args[@]}" "${corpora[@]}" >"$dir/log" 2>&1; then
    elapsed=$(( $(date +%s) - start ))
    # The last status line: "#123 DONE cov: 456 ft: 789 corp: 10/2Kb ... exec/s: 4 rss: 50Mb".
    last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 || true)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log")
    printf 'fuzz %-14s ok: %ss, %s runs (%s/s), cov %s, ft %s, corpus %s, peak rss %s MB\n' \
      "$name" "$elapsed" "$runs" "$rate" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$rss"
  else
    failed+=("$name")
    echo "fuzz $name FAILED; the end of its log ($dir/log):"
    tail -n 80 "$dir/log" | sed 's/^/  | /'
    for artifact in "$dir"/artifacts/*; do
      [ -f "$artifact" ] || continue
      echo "failing input: $artifact"
      show_input "$artifact"
      echo "reproduce: $binary $artifact"
    done
  fi
done <"$list"

if [ $ran -eq 0 ]; then
  echo "run-fuzzers: no target matched ${only[*]}" >&2
  exit 2
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (work directory: $work)"
  exit 1
fi
if [ "${FUZZ_KEEP:-0}" = "1" ]; then
  echo "fuzz: all $ran targets passed; work directory kept: $work"
else
  rm -rf "$work"
  echo "fuzz: all $ran targets passed"
fi
