#!/usr/bin/env bash
# Runs the engine on the synthetic demo shop: generates it on first use, then serves it.
# Usage: scripts/demo.sh MERCATO_BINARY DATA_DIR PORT
set -euo pipefail
BIN=${1:-build/release/src/cli/mercato}
DIR=${2:-demo-data}
PORT=${3:-8080}
WRITE_KEY=demo-write-key
READ_KEY=demo-read-key

if [ ! -d "$DIR" ]; then
  echo "== generating the demo shop (2,000 customers, 120 days) into $DIR"
  "$BIN" generate --data-dir "$DIR" --customers 2000 --days 120 --seed 42
  echo "== training recommendations from the demo shop's events"
  "$BIN" recommend train --data-dir "$DIR"
fi
# A customer of the demo shop who has signed up and ordered, to show in the examples.
SAMPLE_USER=""
for n in $(seq -w 0 99); do
  if "$BIN" profile --data-dir "$DIR" "cust-000$n" 2>/dev/null | grep -q '"orders":[1-9]'; then
    SAMPLE_USER="cust-000$n"
    break
  fi
done
SAMPLE_USER=${SAMPLE_USER:-cust-00002}

cat <<MSG

== mercato demo
  API:      http://127.0.0.1:$PORT/
  Metrics:  http://127.0.0.1:$PORT/metrics
  Health:   http://127.0.0.1:$PORT/healthz
  Keys:     write key '$WRITE_KEY', read key '$READ_KEY' (demo only)

Try, in another terminal:
  curl -s -u $WRITE_KEY: -H 'Content-Type: application/json' \\
       -d '{"userId":"$SAMPLE_USER","event":"Product Viewed","properties":{"product_id":"sku-00042"}}' \\
       http://127.0.0.1:$PORT/v1/track
  curl -s -u $READ_KEY: 'http://127.0.0.1:$PORT/v1/recommendations/$SAMPLE_USER?n=5'
  curl -s -u $READ_KEY: -d '{"items":["sku-00042","sku-00007"],"n":5}' \\
       http://127.0.0.1:$PORT/v1/recommendations/session
  curl -s -u $READ_KEY: http://127.0.0.1:$PORT/v1/profiles/$SAMPLE_USER
  curl -s -u $READ_KEY: 'http://127.0.0.1:$PORT/v1/profiles/$SAMPLE_USER/events?limit=5'
  curl -s http://127.0.0.1:$PORT/metrics | grep mercato_events_ingested_total

Stop with Ctrl-C. The data stays in $DIR (delete it to start over).

MSG
exec "$BIN" serve --data-dir "$DIR" --port "$PORT" --write-key "$WRITE_KEY" --read-key "$READ_KEY"
