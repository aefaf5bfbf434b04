#!/usr/bin/env bash
# Cluster ingest on loopback: one, two and three `mercato serve` nodes in cluster mode on the mock
# Kafka cluster (tests/tools/kafka_mock), loaded through every node at once. Prints a Markdown
# report (docs/benchmarks.md, "Cluster"):
#   - acknowledged events/s (each acknowledged only once Kafka has it on all in-sync replicas);
#   - the consumers' lag during the load (the largest sum over the nodes of mirror lag plus profile
#     lag, sampled twice a second) and the time to drain it after the load stops.
#
#   scripts/run-cluster-benchmark.sh BUILD_DIR [> report.md]
#
# Knobs: DURATION_S (15), WARMUP_S (3), CONNECTIONS per node (16), BATCH (50 events per request),
# PARTITIONS (12), NODES ("1 2 3"), BENCH_TMP (parent of the data directories).
# Everything runs on this machine: nodes, mock brokers and load generators share its cores, so
# the figures are those of the whole cluster on one machine, not of one node per machine.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
MERCATO="$BUILD_DIR/src/cli/mercato"
LOADGEN="$BUILD_DIR/bench/mercato_loadgen"
MOCK="$BUILD_DIR/tests/kafka_mock"
for binary in "$MERCATO" "$LOADGEN" "$MOCK"; do
  [ -x "$binary" ] || { echo "run-cluster-benchmark: $binary is missing; build it first" >&2; exit 2; }
done
DURATION_S=${DURATION_S:-15}
WARMUP_S=${WARMUP_S:-3}
CONNECTIONS=${CONNECTIONS:-16}
BATCH=${BATCH:-50}
PARTITIONS=${PARTITIONS:-12}
NODES=${NODES:-"1 2 3"}
KEY="cluster-bench-write-key"
ADMIN="cluster-bench-admin-key"
POLICY="$REPO_DIR/deploy/cluster/privacy-policy.json"
WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/mercato-cluster-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "cluster-bench: $*" >&2; }

# The mock cluster, one topic per cluster size so that every run starts from an empty topic.
topics=()
for n in $NODES; do topics+=(--topic "bench$n:$PARTITIONS"); done
mkfifo "$WORK/mock.in"
"$MOCK" --brokers 3 "${topics[@]}" < "$WORK/mock.in" > "$WORK/mock.out" 2> "$WORK/mock.err" &
PIDS+=($!)
exec 9> "$WORK/mock.in"  # held open: the mock runs until this script exits
for _ in $(seq 1 100); do grep -q bootstrap "$WORK/mock.out" && break; sleep 0.1; done
BROKERS=$(awk '/bootstrap/ {print $2}' "$WORK/mock.out")
[ -n "$BROKERS" ] || { echo "kafka_mock did not start" >&2; cat "$WORK/mock.err" >&2; exit 1; }

metric_sum() {  # metric_sum NAME PORT...: the sum of a metric's samples over the nodes
  local name=$1 total=0 port value
  shift
  for port in "$@"; do
    value=$(curl -s "http://127.0.0.1:$port/metrics" |
      awk -v n="$name" 'index($0, n) == 1 && $0 !~ /^#/ {s += $NF} END {printf "%d", s}')
    total=$((total + ${value:-0}))
  done
  echo "$total"
}

lag_now() {  # mirror lag plus profile lag over the nodes
  echo $(($(metric_sum mercato_kafka_consumer_lag "$@") + \
          $(metric_sum 'mercato_consumer_lag{consumer="profiles"}' "$@")))
}

echo "## Cluster ingest on loopback"
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load at start" \
     "$(cut -d' ' -f1 /proc/loadavg). Mock Kafka cluster of 3 brokers, topic of $PARTITIONS" \
     "partitions; POST /v1/batch of $BATCH events, $CONNECTIONS connections per node, ${DURATION_S} s" \
     "measured after ${WARMUP_S} s. Every process shares this machine's cores."
echo
echo "| nodes | events/s acknowledged | requests/s | p99 ms | errors | max lag during load | drain after load (s) |"
echo "|---|---|---|---|---|---|---|"
for n in $NODES; do
  ports=()
  node_pids=()
  for i in $(seq 1 "$n"); do
    out="$WORK/node$n-$i.out"
    "$MERCATO" serve --data-dir "$WORK/data$n-$i" --port 0 --kafka-brokers "$BROKERS" \
      --kafka-topic "bench$n" --kafka-group "bench$n" --privacy-policy "$POLICY" \
      --write-key "$KEY" --admin-key "$ADMIN" --rate-limit-key 0 --rate-limit-ip 0 \
      > "$out" 2> "$WORK/node$n-$i.log" &
    PIDS+=($!)
    node_pids+=($!)
    for _ in $(seq 1 300); do grep -q "listening on" "$out" && break; sleep 0.1; done
    ports+=("$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$out")")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 600); do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
      sleep 0.1
    done
  done
  log "$n node(s) ready on ports ${ports[*]}"
  results=()
  load_pids=()
  for port in "${ports[@]}"; do
    "$LOADGEN" --port "$port" --mode batch --batch-size "$BATCH" --connections "$CONNECTIONS" \
      --duration-s "$DURATION_S" --warmup-s "$WARMUP_S" --key "$KEY" --users 100000 \
      > "$WORK/load$n-$port.json" 2> "$WORK/load$n-$port.err" &
    load_pids+=($!)
    results+=("$WORK/load$n-$port.json")
  done
  max_lag=0
  end=$(( $(date +%s) + DURATION_S + WARMUP_S ))
  while [ "$(date +%s)" -lt "$end" ]; do
    lag=$(lag_now "${ports[@]}")
    [ "$lag" -gt "$max_lag" ] && max_lag=$lag
    sleep 0.5
  done
  wait_start=$(date +%s.%N)
  for pid in "${load_pids[@]}"; do wait "$pid" || true; done
  drain="n/a"
  for _ in $(seq 1 1200); do
    if [ "$(lag_now "${ports[@]}")" -eq 0 ]; then
      drain=$(echo "$(date +%s.%N) - $wait_start" | bc)
      break
    fi
    sleep 0.1
  done
  python3 - "$n" "$max_lag" "$drain" "${results[@]}" <<'PY'
import json, sys
n, max_lag, drain = sys.argv[1], sys.argv[2], sys.argv[3]
rps = events = errors = 0.0
p99 = 0.0
for path in sys.argv[4:]:
    lines = [l for l in open(path) if l.strip()]
    if not lines:
        errors += 1
        continue
    r = json.loads(lines[-1])
    rps += r.get("requests_per_s", 0)
    events += r.get("events_per_s", 0)
    errors += r.get("errors", 0)
    p99 = max(p99, r.get("p99_ms", 0))
drain_text = drain if drain == "n/a" else f"{float(drain):.1f}"
print(f"| {n} | {events:,.0f} | {rps:,.0f} | {p99:.1f} | {errors:.0f} | {int(max_lag):,} | {drain_text} |")
PY
  for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
done
