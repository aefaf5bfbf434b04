#!/usr/bin/env bash
# Runs the ingestion benchmarks against an already built tree and prints a Markdown report:
# each figure, its target, and its ratio to a limit measured in the same run (bench/README.md).
#
#   scripts/run-benchmarks.sh BUILD_DIR [> report.md]
#
# Builds nothing. Needs BUILD_DIR/src/cli/mercato and BUILD_DIR/bench/mercato_{loadgen,bare_server,
# rocksdb_append}; mercato_log_append and mercato_parse_bench are used when present. Every run is bounded; every process
# started here is stopped on exit. Progress goes to stderr, the report to stdout.
#
# Knobs (environment): DURATION_S (10) and WARMUP_S (3) per load run; CONNECTIONS (64);
# LOADGEN_THREADS (1); SERVER_THREADS ("1 2", the better is kept); ROCKSDB_SECONDS (5);
# RATE_LIMIT (the server's --rate-limit-key/--rate-limit-ip; default far above any figure);
# SERVE_ARGS (extra `mercato serve` flags, e.g. --no-profiles); SERVE_CMD (the server command,
# default "BUILD_DIR/src/cli/mercato serve"; "BUILD_DIR/bench/mercato_ingest_server" measures the
# ingestion path without consumers and works while the full binary does not build); BENCH_TMP (parent of the data
# directories; default the system temp dir; must be on the disk you mean to measure).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
MERCATO="$BUILD_DIR/src/cli/mercato"
LOADGEN="$BUILD_DIR/bench/mercato_loadgen"
BARE="$BUILD_DIR/bench/mercato_bare_server"
ROCKS="$BUILD_DIR/bench/mercato_rocksdb_append"
PARSE="$BUILD_DIR/bench/mercato_parse_bench"
SERVE_CMD=${SERVE_CMD:-"$MERCATO serve"}
for binary in ${SERVE_CMD%% *} "$LOADGEN" "$BARE" "$ROCKS"; do
  if [ ! -x "$binary" ]; then
    echo "run-benchmarks: $binary is missing; build it first" >&2
    exit 2
  fi
done

DURATION_S=${DURATION_S:-10}
WARMUP_S=${WARMUP_S:-3}
CONNECTIONS=${CONNECTIONS:-64}
LOADGEN_THREADS=${LOADGEN_THREADS:-1}
SERVER_THREADS=${SERVER_THREADS:-"1 2"}
ROCKSDB_SECONDS=${ROCKSDB_SECONDS:-5}
SERVE_ARGS=${SERVE_ARGS:-}
KEY=bench-key
# One client address and one key send everything: limits far above any figure keep the gateway's
# rate-limit path in the measurement without throttling it.
RATE_LIMIT=${RATE_LIMIT:-1000000000:1000000000}

WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/mercato-bench.XXXXXX")
RESULTS="$WORK/results.tsv"  # label <TAB> load average <TAB> compilers running <TAB> JSON
: >"$RESULTS"
SERVER_PID=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run-benchmarks: $*" >&2; }
# The 1-minute load average includes our own previous run; the busy share of the CPUs over the
# second before a run, when nothing of ours runs, shows what others take from it.
load_average() {
  local before after
  before=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
  sleep 1
  after=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
  echo "$before $after $(cut -d' ' -f1 /proc/loadavg)" |
    awk '{busy = $3 - $1; idle = $4 - $2; printf "%.0f%% busy, load %s", 100 * busy / (busy + idle + 0.001), $5}'
}
# Other work on the machine (a compiler above all) depresses every figure; the report says so.
compilers_running() { ps -e -o comm= | grep -c -E '^(cc1|cc1plus|clang|clang\+\+|clang-tidy|ld|ld\.gold|rustc)$' || true; }

# start_server LOG COMMAND...: starts the server, waits for its "listening on" line, sets PORT.
start_server() {
  local output=$1
  shift
  # Truncated here, not by the child's redirection, so no earlier server's line can be read.
  : >"$output"
  "$@" >>"$output" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 300); do
    PORT=$(sed -n 's|.*listening on http://[^:]*:\([0-9][0-9]*\).*|\1|p' "$output" | head -1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "server did not start: $*"
  cat "$output" >&2
  stop_server
  return 1
}

# record LABEL JSON: keeps one measurement with the machine's load when it was taken.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$LOAD_AT_START" "$COMPILERS_AT_START" "$2" >>"$RESULTS"; }

# load LABEL MODE [extra loadgen flags]: one bounded load run against $PORT.
load() {
  local label=$1 mode=$2
  shift 2
  LOAD_AT_START=$(load_average)
  COMPILERS_AT_START=$(compilers_running)
  log "$label (load $LOAD_AT_START, compilers $COMPILERS_AT_START)"
  local json
  json=$(timeout $((DURATION_S + WARMUP_S + 30)) "$LOADGEN" --port "$PORT" --mode "$mode" \
    --connections "$CONNECTIONS" --threads "$LOADGEN_THREADS" --duration-s "$DURATION_S" \
    --warmup-s "$WARMUP_S" "$@" 2>"$WORK/loadgen.err" | tail -1) || true
  [ -s "$WORK/loadgen.err" ] && head -c 600 "$WORK/loadgen.err" >&2
  [ -n "$json" ] || json='{"errors":-1}'
  record "$label" "$json"
}

# serve_run SYNC THREADS MODE LABEL: a fresh store per run, so runs do not inherit each other's data.
serve_run() {
  local sync=$1 threads=$2 mode=$3 label=$4
  local dir="$WORK/data-$sync-$threads-$mode"
  start_server "$WORK/serve.log" $SERVE_CMD --data-dir "$dir" --port 0 --sync="$sync" \
    --write-key "$KEY" --rate-limit-key "$RATE_LIMIT" --rate-limit-ip "$RATE_LIMIT" \
    --threads "$threads" $SERVE_ARGS || { record "$label" '{"errors":-1}'; return; }
  load "$label" "$mode" --key "$KEY"
  stop_server
  rm -rf "$dir"
}

for threads in $SERVER_THREADS; do
  serve_run batch "$threads" batch "ingest batch sync=batch threads=$threads"
  serve_run batch "$threads" single "ingest single sync=batch threads=$threads"
done
for threads in $SERVER_THREADS; do
  start_server "$WORK/bare.log" "$BARE" --port 0 --threads "$threads" || continue
  load "bare get threads=$threads" get --path /
  load "bare single threads=$threads" single
  load "bare batch threads=$threads" batch
  stop_server
done
# The reference without fsync, with the thread count that did best above.
BEST_THREADS=$(python3 - "$RESULTS" <<'EOF'
import json, sys
best = (0, "1")
for line in open(sys.argv[1]):
    label, _, _, data = line.rstrip("\n").split("\t", 3)
    if label.startswith("ingest batch sync=batch threads="):
        value = json.loads(data).get("events_per_s", 0)
        best = max(best, (value, label.rsplit("=", 1)[1]))
print(best[1])
EOF
)
# What the profile consumer, which shares the cores, costs the ingestion path.
if [ "$SERVE_CMD" = "$MERCATO serve" ]; then
  SERVE_ARGS="$SERVE_ARGS --no-profiles" serve_run batch "$BEST_THREADS" batch \
    "ingest batch sync=batch no-profiles threads=$BEST_THREADS"
fi
serve_run none "$BEST_THREADS" batch "ingest batch sync=none threads=$BEST_THREADS"
serve_run none "$BEST_THREADS" single "ingest single sync=none threads=$BEST_THREADS"

LOAD_AT_START=$(load_average)
COMPILERS_AT_START=$(compilers_running)
log "rocksdb appends (load $LOAD_AT_START)"
timeout $((ROCKSDB_SECONDS * 8 + 60)) "$ROCKS" --dir "$WORK" --seconds "$ROCKSDB_SECONDS" \
  --batch-size 100 --group-batch-size $((CONNECTIONS * 100 / 2)) --writers 2 2>&1 |
  while IFS= read -r line; do
    case "$line" in
      "{"*) record rocksdb "$line" ;;
      *) echo "$line" >&2 ;;
    esac
  done
LOG_BENCH="$BUILD_DIR/bench/mercato_log_append"
if [ -x "$LOG_BENCH" ]; then
  LOAD_AT_START=$(load_average)
  COMPILERS_AT_START=$(compilers_running)
  log "event log appends (load $LOAD_AT_START)"
  for dedupe_flag in "" --no-dedupe; do
    timeout $((ROCKSDB_SECONDS + 60)) "$LOG_BENCH" --dir "$WORK" --seconds "$ROCKSDB_SECONDS" \
      --sync batch --inflight "$CONNECTIONS" $dedupe_flag 2>&1 |
      while IFS= read -r line; do
        case "$line" in
          "{"*) record eventlog "$line" ;;
          *) echo "$line" >&2 ;;
        esac
      done
  done
fi
if [ -x "$PARSE" ]; then
  LOAD_AT_START=$(load_average)
  COMPILERS_AT_START=$(compilers_running)
  log "parser (load $LOAD_AT_START)"
  timeout 120 "$PARSE" --benchmark_format=json --benchmark_min_time=2 2>/dev/null |
    python3 -c 'import json,sys
for b in json.load(sys.stdin)["benchmarks"]:
    print(json.dumps({"name": b["name"], "events_per_s": b.get("items_per_second", 0), "ns_per_iter": b["cpu_time"]}))' |
    while IFS= read -r line; do record parse "$line"; done || true
fi

# BG/NBD fit on 1M synthetic customers (bench/clv_fit_bench.cc): per-day times, then exact times.
CLV_BENCH="$BUILD_DIR/bench/mercato_clv_fit"
if [ -x "$CLV_BENCH" ]; then
  for times_flag in "" --continuous; do
    LOAD_AT_START=$(load_average)
    COMPILERS_AT_START=$(compilers_running)
    log "BG/NBD fit $times_flag (load $LOAD_AT_START)"
    timeout 300 "$CLV_BENCH" --customers 1000000 --repeats 3 $times_flag 2>&1 |
      while IFS= read -r line; do
        case "$line" in
          "{"*) record clv "$line" ;;
          *) echo "$line" >&2 ;;
        esac
      done
  done
fi

# Machine description.
DATA_DEVICE=$(findmnt -n -o SOURCE --target "$WORK" 2>/dev/null || echo unknown)
DISK=$(lsblk -n -d -o NAME,ROTA,SIZE,MODEL "$(echo "$DATA_DEVICE" | sed 's|\[.*||')" 2>/dev/null |
  awk '{printf "%s, %s, %s %s", $1, ($2 == "1" ? "reported rotational" : "SSD/NVMe"), $3, $4}')
export MACHINE_CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
export MACHINE_CORES=$(nproc)
export MACHINE_HYPERVISOR=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
export MACHINE_MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export MACHINE_KERNEL=$(uname -sr)
export MACHINE_DISK="${DISK:-unknown} ($DATA_DEVICE, $(findmnt -n -o FSTYPE --target "$WORK" 2>/dev/null))"
export RUN_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
export RUN_COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | head -1)" ]; then
  RUN_COMMIT="$RUN_COMMIT (working tree modified)"
fi
export RUN_SETTINGS="server: $(basename "${SERVE_CMD%% *}")${SERVE_CMD#"${SERVE_CMD%% *}"}; ${DURATION_S} s measured after ${WARMUP_S} s warm-up per run, ${CONNECTIONS} connections, loadgen threads ${LOADGEN_THREADS}, server threads tried: ${SERVER_THREADS}${SERVE_ARGS:+, serve flags: $SERVE_ARGS}"

python3 - "$RESULTS" <<'EOF'
import json, os, sys

rows = []
for line in open(sys.argv[1]):
    label, load, compilers, data = line.rstrip("\n").split("\t", 3)
    rows.append((label, load, compilers, json.loads(data)))

def best(prefix, key):
    found = [r for r in rows if r[0].startswith(prefix)]
    return max(found, key=lambda r: r[3].get(key, 0)) if found else None

def rocks(**match):
    for r in rows:
        if r[0] == "rocksdb" and all(r[3].get(k) == v for k, v in match.items()):
            return r
    return None

def num(value, unit=""):
    return "n/a" if value is None else f"{value:,.0f}{unit}"

def latency(r):
    d = r[3]
    return f"{d['p50_ms']:.2f} / {d['p99_ms']:.2f}" if "p50_ms" in d else ""

def ratio(value, limit):
    return f"{value / limit:.0%}" if value and limit else "n/a"

def errors(r):
    d = r[3]
    return f"{d.get('errors', 'n/a')} ({d.get('non_2xx', 0)} non-2xx)"

def env(r):
    return f"{r[1]} / {r[2]}"

e = os.environ
print("## Ingestion benchmark\n")
print(f"- Machine: {e['MACHINE_CPU']}, {e['MACHINE_CORES']} cores"
      f"{' (' + e['MACHINE_HYPERVISOR'] + ' guest)' if e.get('MACHINE_HYPERVISOR') else ''}, "
      f"{e['MACHINE_MEMORY']} RAM, {e['MACHINE_KERNEL']}")
print(f"- Disk: {e['MACHINE_DISK']}")
print(f"- Date: {e['RUN_DATE']}; commit {e['RUN_COMMIT']}")
print(f"- Settings: {e['RUN_SETTINGS']}; the load generator runs on the same machine.")
print()

batch = best("ingest batch sync=batch threads=", "events_per_s")
single = best("ingest single sync=batch", "requests_per_s")
bare_single = best("bare single", "requests_per_s")
bare_get = best("bare get", "requests_per_s")
bare_batch = best("bare batch", "events_per_s")
rocks_group = rocks(sync=True, writers=1, dedupe=False, batch_size=max(
    [r[3]["batch_size"] for r in rows if r[0] == "rocksdb"] or [0]))
rocks_100 = rocks(sync=True, writers=1, dedupe=False, batch_size=100)

print("| Measure | Result | p50 / p99 ms | Target | Limit measured in this run | Ratio to limit | Errors | Others' CPU before the run / compilers |")
print("|---|---|---|---|---|---|---|---|")
def row(name, r, key, unit, target, limit_name, limit):
    if r is None:
        print(f"| {name} | not measured | | {target} | | | | |")
        return
    value = r[3].get(key)
    print(f"| {name} ({r[0].rsplit(' ', 1)[-1]}) | {num(value, unit)} | {latency(r)} | {target} | "
          f"{limit_name}: {num(limit, unit)} | {ratio(value, limit)} | {errors(r)} | {env(r)} |")

rg = rocks_group[3]["events_per_s"] if rocks_group else None
row("Batched ingestion, /v1/batch x100, sync=batch", batch, "events_per_s", " events/s",
    ">= 250,000 events/s",
    f"RocksDB synced appends, {rocks_group[3]['batch_size'] if rocks_group else '?'} events/write", rg)
if batch and bare_batch:
    print(f"| same, against the HTTP limit | | | | bare server, same batch POSTs: "
          f"{num(bare_batch[3]['events_per_s'], ' events/s')} | "
          f"{ratio(batch[3]['events_per_s'], bare_batch[3]['events_per_s'])} | | |")
row("Single-event requests, /v1/track, sync=batch", single, "requests_per_s", " req/s",
    ">= 25,000 req/s", "bare server, same POSTs",
    bare_single[3]["requests_per_s"] if bare_single else None)
print()

print("Reference lines (same run):\n")
print("| Measure | Result | p50 / p99 ms | Errors | Others' CPU before the run / compilers |")
print("|---|---|---|---|---|")
for r in rows:
    label, d = r[0], r[3]
    if label in ("rocksdb", "parse", "eventlog"):
        continue
    key = "events_per_s" if " batch" in label else "requests_per_s"
    unit = " events/s" if key == "events_per_s" else " req/s"
    note = " (reference only: acknowledged events are not fsynced)" if "sync=none" in label else ""
    print(f"| {label}{note} | {num(d.get(key), unit)} | {latency(r)} | {errors(r)} | {env(r)} |")
for r in rows:
    if r[0] != "rocksdb":
        continue
    d = r[3]
    print(f"| RocksDB append: sync={str(d['sync']).lower()}, {d['writers']} writer(s), "
          f"{d['batch_size']} events/write{', + dedupe index Put per event' if d['dedupe'] else ''} | "
          f"{num(d['events_per_s'], ' events/s')} ({d['mb_per_s']:.0f} MB/s) | "
          f"write {d['write_p50_ms']:.2f} / {d['write_p99_ms']:.2f} | | {env(r)} |")
for r in rows:
    if r[0] == "eventlog":
        d = r[3]
        print(f"| EventLog appends without HTTP: sync={d['sync']}, {d['inflight']} requests of "
              f"{d['batch_size']} in flight{'' if d['dedupe'] else ', no messageId (no dedupe)'} | "
              f"{num(d['events_per_s'], ' events/s')} ({d['log_cpu_us_per_event']:.1f} us CPU/event) | "
              f"{d['p50_ms']:.2f} / {d['p99_ms']:.2f} | {d['failures']} | {env(r)} |")
for r in rows:
    if r[0] == "parse":
        d = r[3]
        print(f"| Parser {d['name']} (one core) | {num(d['events_per_s'], ' events/s')} | | | {env(r)} |")

clv = [r for r in rows if r[0] == "clv"]
if clv:
    print("\nBG/NBD fit on synthetic customers (goal: 1M customers fitted in <= 1 s; "
          "truth r, alpha, a, b = 0.243, 4.414, 0.793, 2.426):\n")
    print("| Customers, times | Distinct rows | Threads | Data s | Fit s | Total s | Evaluations | "
          "Converged | r, alpha, a, b | Others' CPU before the run / compilers |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in clv:
        d = r[3]
        print(f"| {d['customers']:,}, {d['times']} | {d['rows']:,} | {d['threads']} | "
              f"{d['data_s']:.3f} | {d['fit_s']:.3f} | {d['total_s']:.3f} | {d['evaluations']} | "
              f"{d['converged']} | {d['r']:.4f}, {d['alpha']:.4f}, {d['a']:.4f}, {d['b']:.4f} | "
              f"{env(r)} |")
EOF

# Clustering (bench/cluster_bench.cc): k-means and DBSCAN side by side with scikit-learn
# (python3-sklearn) in one run, ~10 minutes; it prints its own Markdown section.
CLUSTER_BENCH="$BUILD_DIR/bench/mercato_cluster_bench"
if [ -x "$CLUSTER_BENCH" ]; then
  log "clustering (load $(load_average), compilers $(compilers_running))"
  echo
  timeout 1800 "$CLUSTER_BENCH" --commit "$RUN_COMMIT" || log "clustering benchmark failed"
fi

# Segment membership (bench/segment_bench.cc): full recompute of 20 segments over 1M profiles and
# event-to-membership latency in one run, ~5 minutes; it prints its own Markdown table.
SEGMENT_BENCH="$BUILD_DIR/bench/mercato_segment_bench"
if [ -x "$SEGMENT_BENCH" ]; then
  log "segments (load $(load_average), compilers $(compilers_running))"
  echo
  timeout 1800 "$SEGMENT_BENCH" --customers 1000000 --samples 300 --rounds 2 || log "segment benchmark failed"
fi

# Next-item prediction latency per model on the SR-GNN Diginetica split (bench/recommend_bench.cc),
# about a minute; skipped when the data set is not there.
RECOMMEND_BENCH="$BUILD_DIR/bench/mercato_recommend_bench"
if [ -x "$RECOMMEND_BENCH" ] && [ -d "${MERCATO_DATA_DIR:-../shared/data}/diginetica_srgnn_split" ]; then
  log "recommendations (load $(load_average), compilers $(compilers_running))"
  echo
  timeout 1800 "$RECOMMEND_BENCH" --data-dir "${MERCATO_DATA_DIR:-../shared/data}" \
    --commit "$RUN_COMMIT" || log "recommendation benchmark failed"
fi
