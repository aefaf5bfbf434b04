#!/usr/bin/env bash
# End-to-end HTTP latency of recommendations at a fixed request rate (bench/README.md): generates a
# synthetic shop, trains the recommendation models from its stored events, starts `mercato serve`,
# and drives GET /v1/recommendations/{customer}?n=10 with the open-loop load generator (latency
# from each request's scheduled send, so queueing is not hidden), then the bare HTTP server with
# the same requests, rate and connections: the HTTP stack's limit in the same run. Prints a
# Markdown section; the goal is p99 <= 5 ms at 2,000 requests/s on 2 cores.
#
#   scripts/run-recommend-http-bench.sh BUILD_DIR [> report.md]
#
# Builds nothing. Needs BUILD_DIR/src/cli/mercato (with `recommend train`) and
# BUILD_DIR/bench/mercato_{loadgen,bare_server}. Every step is bounded in time; every process
# started here is stopped on exit. Progress goes to stderr, the report to stdout. About 1.5 minutes
# plus the training time.
#
# Knobs (environment): RATE (2000 requests/s over all connections); CONNECTIONS (16);
# DURATION_S (20) and WARMUP_S (3) per load run; LOADGEN_THREADS (1); SERVER_THREADS (HTTP threads
# of both servers; default: `mercato serve`'s default, the number of cores, and as many for the bare
# server); CUSTOMERS (2000), PRODUCTS (300), DAYS (120), SEED (42) of `mercato generate` (the
# default shop: ~260k events, ~10 s); TRAIN_ARGS (extra `mercato recommend train` flags);
# TRAIN_TIMEOUT_S (900); SERVE_ARGS (extra `mercato serve` flags); GOAL_P99_MS (5); BENCH_TMP
# (parent of the data directory; default the system temp dir); KEEP_DATA=1 keeps it; MERCATO,
# LOADGEN, BARE override the binaries' paths.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
MERCATO=${MERCATO:-"$BUILD_DIR/src/cli/mercato"}
LOADGEN=${LOADGEN:-"$BUILD_DIR/bench/mercato_loadgen"}
BARE=${BARE:-"$BUILD_DIR/bench/mercato_bare_server"}
log() { echo "run-recommend-http-bench: $*" >&2; }

for binary in "$MERCATO" "$LOADGEN" "$BARE"; do
  if [ ! -x "$binary" ]; then
    log "$binary is missing; build it first"
    exit 2
  fi
done
for tool in curl python3; do
  command -v "$tool" >/dev/null || { log "$tool is needed"; exit 2; }
done
if ! "$LOADGEN" --help 2>&1 | grep -q -- '--rate'; then
  log "$LOADGEN has no --rate (open loop); rebuild mercato_loadgen"
  exit 2
fi
# `recommend train --help` prints the parent's help when `train` is absent, so look at the list.
if ! "$MERCATO" recommend --help 2>&1 | grep -qE '^[[:space:]]+train([[:space:]]|$)'; then
  log "'mercato recommend train' does not exist in $MERCATO: this build cannot train" \
    "recommendation models from stored events, so there is nothing to serve; build a tree that has it"
  exit 1
fi

RATE=${RATE:-2000}
CONNECTIONS=${CONNECTIONS:-16}
DURATION_S=${DURATION_S:-20}
WARMUP_S=${WARMUP_S:-3}
LOADGEN_THREADS=${LOADGEN_THREADS:-1}
SERVER_THREADS=${SERVER_THREADS:-}
CUSTOMERS=${CUSTOMERS:-2000}
PRODUCTS=${PRODUCTS:-300}
DAYS=${DAYS:-120}
SEED=${SEED:-42}
TRAIN_ARGS=${TRAIN_ARGS:-}
TRAIN_TIMEOUT_S=${TRAIN_TIMEOUT_S:-900}
SERVE_ARGS=${SERVE_ARGS:-}
GOAL_P99_MS=${GOAL_P99_MS:-5}
KEY=bench-read-key
WRITE_KEY=bench-write-key
# `mercato generate` names customers cust-00000, cust-00001, ... (printf "cust-%05d", index <
# CUSTOMERS); {n:05} draws the same names. About a fifth of them never identify (window shoppers)
# and get the non-personalised answer, which is part of the realistic mix.
ROUTE='/v1/recommendations/cust-{n:05}?n=10'
# One client address and one key send everything: limits far above the rate keep the gateway's
# rate-limit path in the measurement without throttling it (the default per-address limit is
# 2000/s, exactly the rate).
RATE_LIMIT=1000000000:1000000000

WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/mercato-recbench.XXXXXX")
DATA="$WORK/data"
SERVER_PID=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ]; then wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [ "${KEEP_DATA:-0}" = 1 ]; then log "data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Others' share of the CPUs over one second before a run (nothing of ours runs then) and the load.
load_average() {
  local before after
  before=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
  sleep 1
  after=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
  echo "$before $after $(cut -d' ' -f1 /proc/loadavg)" |
    awk '{busy = $3 - $1; idle = $4 - $2; printf "%.0f%% busy, load %s", 100 * busy / (busy + idle + 0.001), $5}'
}
compilers_running() { ps -e -o comm= | grep -c -E '^(cc1|cc1plus|clang|clang\+\+|clang-tidy|ld|ld\.gold|rustc)$' || true; }

# start_server LOG COMMAND...: starts the server, waits for its "listening on" line, sets PORT.
start_server() {
  local output=$1
  shift
  : >"$output"
  "$@" >>"$output" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 600); do
    PORT=$(sed -n 's|.*listening on http://[^:]*:\([0-9][0-9]*\).*|\1|p' "$output" | head -1)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "server did not start: $*"
  tail -20 "$output" >&2
  stop_server
  return 1
}

# The request path for customer number $1, as the load generator draws it.
route_for() {
  python3 -c 'import re, sys
print(re.sub(r"\{n(?::0(\d+))?\}", lambda m: sys.argv[2].zfill(int(m.group(1) or 0)), sys.argv[1], count=1))' \
    "$ROUTE" "$1"
}

# load LABEL: one bounded open-loop run against $PORT; prints LABEL, load, compilers, JSON.
load() {
  local label=$1 load_at compilers json
  load_at=$(load_average)
  compilers=$(compilers_running)
  log "$label: $RATE req/s over $CONNECTIONS connections, ${WARMUP_S} s + ${DURATION_S} s (load $load_at, compilers $compilers)"
  json=$(timeout $((DURATION_S + WARMUP_S + 30)) "$LOADGEN" --port "$PORT" --mode get \
    --rate "$RATE" --connections "$CONNECTIONS" --threads "$LOADGEN_THREADS" \
    --duration-s "$DURATION_S" --warmup-s "$WARMUP_S" --key "$KEY" --path "$ROUTE" \
    --users "$CUSTOMERS" --seed 1 2>"$WORK/loadgen.err" | tail -1) || true
  [ -s "$WORK/loadgen.err" ] && head -c 600 "$WORK/loadgen.err" >&2
  [ -n "$json" ] || json='{"errors":-1}'
  log "$label: $json"
  printf '%s\t%s\t%s\t%s\n' "$label" "$load_at" "$compilers" "$json" >>"$WORK/results.tsv"
}
: >"$WORK/results.tsv"

log "generating $CUSTOMERS customers, $PRODUCTS products, $DAYS days into $DATA"
GEN_START=$(date +%s.%N)
if ! timeout 600 "$MERCATO" generate --data-dir "$DATA" --customers "$CUSTOMERS" \
  --products "$PRODUCTS" --days "$DAYS" --seed "$SEED" >"$WORK/generate.log" 2>&1; then
  log "mercato generate failed or timed out:"
  tail -20 "$WORK/generate.log" >&2
  exit 1
fi
GEN_S=$(echo "$GEN_START $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
EVENTS=$(sed -n 's/^generated \([0-9]*\) events.*/\1/p' "$WORK/generate.log" | head -1)
log "generated ${EVENTS:-?} events in $GEN_S s"

log "training: mercato recommend train --data-dir $DATA $TRAIN_ARGS"
TRAIN_START=$(date +%s.%N)
# shellcheck disable=SC2086  # TRAIN_ARGS is a list of flags
if ! timeout "$TRAIN_TIMEOUT_S" "$MERCATO" recommend train --data-dir "$DATA" $TRAIN_ARGS \
  >"$WORK/train.log" 2>&1; then
  log "mercato recommend train failed or took more than $TRAIN_TIMEOUT_S s:"
  tail -20 "$WORK/train.log" >&2
  exit 1
fi
TRAIN_S=$(echo "$TRAIN_START $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
log "trained in $TRAIN_S s"
tail -5 "$WORK/train.log" >&2

THREAD_FLAGS=()
[ -n "$SERVER_THREADS" ] && THREAD_FLAGS=(--threads "$SERVER_THREADS")
# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
start_server "$WORK/serve.log" "$MERCATO" serve --data-dir "$DATA" --port 0 --read-key "$KEY" \
  --write-key "$WRITE_KEY" \
  --rate-limit-key "$RATE_LIMIT" --rate-limit-ip "$RATE_LIMIT" "${THREAD_FLAGS[@]}" $SERVE_ARGS ||
  exit 1
READY=""
for _ in $(seq 1200); do  # 120 s
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/readyz")" = 200 ]; then
    READY=1
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$READY" ]; then
  log "mercato serve did not become ready within 120 s:"
  tail -20 "$WORK/serve.log" >&2
  exit 1
fi

# Live sessions: the generated history ended before now, so without fresh views every answer
# would be the trending list. Each customer views two random products now, as a shop's visitors
# would while the load runs; the answers then go through the model and the live-session read.
python3 - "$CUSTOMERS" "$PRODUCTS" "$SEED" >"$WORK/live.jsonl" <<'PY'
import json, random, sys
customers, products, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
batch = []
for c in range(customers):
    for _ in range(2):
        batch.append({"type": "track", "userId": f"cust-{c:05d}", "event": "Product Viewed",
                      "properties": {"product_id": f"sku-{rng.randrange(products):05d}"}})
    if len(batch) >= 500:
        print(json.dumps({"batch": batch}))
        batch = []
if batch:
    print(json.dumps({"batch": batch}))
PY
while IFS= read -r body; do
  code=$(printf '%s' "$body" | curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    -u "$WRITE_KEY:" -H 'Content-Type: application/json' --data-binary @- \
    "http://127.0.0.1:$PORT/v1/batch" || true)
  if [ "$code" != 200 ]; then
    log "sending live views failed with HTTP ${code:-000}"
    exit 1
  fi
done <"$WORK/live.jsonl"
LIVE_OK=""
for _ in $(seq 600); do  # 60 s for the profile consumer to store them
  if curl -s --max-time 2 -u "$KEY:" "http://127.0.0.1:$PORT$(route_for $((CUSTOMERS - 1)))" |
    grep -q '"session":\["sku'; then
    LIVE_OK=1
    break
  fi
  sleep 0.1
done
[ -n "$LIVE_OK" ] || log "warning: the last customer's live session did not show within 60 s"

# A few customers spread over the range, before loading: the route must answer 200 with JSON.
PROBES=20
PROBE_OK=0
PROBE_LIVE=0
PROBE_CODES=""
for k in $(seq 0 $((PROBES - 1))); do
  path=$(route_for $((k * CUSTOMERS / PROBES)))
  code=$(curl -s -o "$WORK/probe.json" -w '%{http_code}' --max-time 5 -u "$KEY:" \
    "http://127.0.0.1:$PORT$path" || true)
  code=${code:-000}
  [ -f "$WORK/probe.json" ] || : >"$WORK/probe.json"
  PROBE_CODES="$PROBE_CODES $code"
  if [ "$code" = 200 ] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
    "$WORK/probe.json" 2>/dev/null; then
    PROBE_OK=$((PROBE_OK + 1))
    grep -q '"personalised":true' "$WORK/probe.json" && PROBE_LIVE=$((PROBE_LIVE + 1))
    cp "$WORK/probe.json" "$WORK/probe-ok.json"
  else
    cp "$WORK/probe.json" "$WORK/probe-bad.json"
  fi
done
log "probes: $PROBE_OK of $PROBES answered 200 with JSON (statuses:$PROBE_CODES)"
if [ "$PROBE_OK" -eq 0 ]; then
  log "GET $(route_for 0) never answered 200 with JSON; last answer:"
  head -c 600 "$WORK/probe-bad.json" >&2
  echo >&2
  exit 1
fi
[ -f "$WORK/probe-ok.json" ] && log "sample answer: $(head -c 300 "$WORK/probe-ok.json")"

load "mercato serve"
stop_server

BARE_THREADS=${SERVER_THREADS:-$(nproc)}
start_server "$WORK/bare.log" "$BARE" --port 0 --threads "$BARE_THREADS" || exit 1
load "bare server"
stop_server

MACHINE_CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
MACHINE_CORES=$(nproc)
MACHINE_HYPERVISOR=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)
MACHINE_MEMORY=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
MACHINE_KERNEL=$(uname -sr)
RUN_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
RUN_COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git --no-optional-locks -C "$REPO_DIR" status --porcelain 2>/dev/null | head -1)" ]; then
  RUN_COMMIT="$RUN_COMMIT (working tree modified)"
fi
RUN_DATA="mercato generate --customers $CUSTOMERS --products $PRODUCTS --days $DAYS --seed $SEED: ${EVENTS:-?} events in ${GEN_S} s; mercato recommend train${TRAIN_ARGS:+ $TRAIN_ARGS}: ${TRAIN_S} s"
RUN_SETTINGS="GET $ROUTE with a read key (HTTP Basic), {n} uniform over the $CUSTOMERS customers; open loop at $RATE req/s over $CONNECTIONS keep-alive connections, ${DURATION_S} s measured after ${WARMUP_S} s warm-up, loadgen threads $LOADGEN_THREADS; server threads: ${SERVER_THREADS:-default (cores)} for mercato serve, $BARE_THREADS for the bare server${SERVE_ARGS:+; serve flags: $SERVE_ARGS}"
RUN_PROBES="$PROBE_OK of $PROBES probed customers answered 200 with JSON before the load, $PROBE_LIVE of them personalised from a live session of two views sent just before the load (statuses:$PROBE_CODES)"
export MACHINE_CPU MACHINE_CORES MACHINE_HYPERVISOR MACHINE_MEMORY MACHINE_KERNEL RUN_DATE RUN_COMMIT \
  RUN_DATA RUN_SETTINGS RUN_PROBES RATE GOAL_P99_MS

python3 - "$WORK/results.tsv" <<'EOF'
import json, os, sys

rows = {}
for line in open(sys.argv[1]):
    label, load, compilers, data = line.rstrip("\n").split("\t", 3)
    rows[label] = (load, compilers, json.loads(data))

e = os.environ
rate = float(e["RATE"])
goal = float(e["GOAL_P99_MS"])
print("## Recommendations over HTTP at a fixed rate\n")
print(f"- Machine: {e['MACHINE_CPU']}, {e['MACHINE_CORES']} cores"
      f"{' (' + e['MACHINE_HYPERVISOR'] + ' guest)' if e.get('MACHINE_HYPERVISOR') else ''}, "
      f"{e['MACHINE_MEMORY']} RAM, {e['MACHINE_KERNEL']}")
print(f"- Date: {e['RUN_DATE']}; commit {e['RUN_COMMIT']}")
print(f"- Data: {e['RUN_DATA']}")
print(f"- Settings: {e['RUN_SETTINGS']}; the load generator runs on the same machine. Latency runs "
      "from each request's scheduled send to the end of its response (no coordinated omission).")
print(f"- Route check: {e['RUN_PROBES']}")
print()
print("| Server | Achieved req/s (target) | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | "
      "Late sends / unsent | Errors (non-2xx) | Others' CPU before the run / compilers |")
print("|---|---|---|---|---|---|---|---|---|---|")

def ms(d, key):
    return f"{d[key]:.2f}" if key in d else "n/a"

for label, name in (("mercato serve", "`mercato serve`, GET /v1/recommendations/{customer}?n=10"),
                    ("bare server", "bare HTTP server, same requests (limit)")):
    if label not in rows:
        print(f"| {name} | not measured | | | | | | | | |")
        continue
    load, compilers, d = rows[label]
    print(f"| {name} | {d.get('achieved_rps', 0):,.0f} ({rate:,.0f}) | {ms(d, 'p50_ms')} | "
          f"{ms(d, 'p90_ms')} | {ms(d, 'p99_ms')} | {ms(d, 'p999_ms')} | {ms(d, 'max_ms')} | "
          f"{d.get('late_sends', 'n/a')} / {d.get('unsent', 'n/a')} | "
          f"{d.get('errors', 'n/a')} ({d.get('non_2xx', 0)}) | {load} / {compilers} |")
print()

serve = rows.get("mercato serve", (None, None, {}))[2]
bare = rows.get("bare server", (None, None, {}))[2]
if "p99_ms" in serve:
    p99 = serve["p99_ms"]
    held = serve.get("achieved_rps", 0) >= 0.98 * rate and serve.get("errors", 1) == 0
    verdict = ("met" if p99 <= goal else "NOT met") if held else \
        "not shown (the rate was not held or requests failed)"
    print(f"- p99 {p99:.2f} ms against the goal of <= {goal:g} ms at {rate:,.0f} req/s: **{verdict}** "
          f"(anchor: bol.com Serenade, p90 < 7 ms at 1,000 req/s; p90 here {serve['p90_ms']:.2f} ms).")
    if bare.get("p99_ms"):
        print(f"- Ratio to the bare server's p99 ({bare['p99_ms']:.2f} ms, the HTTP stack and load "
              f"generator on this machine in this run): {p99 / bare['p99_ms']:.2f}x.")
else:
    print("- The load run against `mercato serve` produced no result.")
EOF
