#!/usr/bin/env bash
# Runs the engine on the synthetic demo shop: generates it on first use, then serves it.
# Usage: scripts/demo.sh MERCATO_BINARY DATA_DIR PORT
set -euo pipefail
BIN=${1:-build/release/src/cli/mercato}
DIR=${2:-demo-data}
PORT=${3:-8080}
WRITE_KEY=demo-write-key
READ_KEY=demo-read-key
ADMIN_KEY=demo-admin-key
DAYS=365
# The generator's shop starts on 2026-01-01; predictions are made as of the end of its data.
AS_OF=$(date -u -d "2026-01-01 + $DAYS days" +%Y-%m-%dT%H:%M:%SZ)

if [ ! -d "$DIR" ]; then
  echo "== generating the demo shop (2,000 customers, a year) into $DIR"
  "$BIN" generate --data-dir "$DIR" --customers 2000 --days "$DAYS" --seed 42
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

"$BIN" serve --data-dir "$DIR" --port "$PORT" --write-key "$WRITE_KEY" --read-key "$READ_KEY" \
  --admin-key "$ADMIN_KEY" --ui-dir "$(dirname "$0")/../web/dist" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' INT TERM EXIT
# Model runs, segments, an A/B journey and a little live traffic, so every dashboard page has
# something to show (what exists already is kept).
node "$(dirname "$0")/demo-seed.mjs" --url "http://127.0.0.1:$PORT" --admin-key "$ADMIN_KEY" \
  --write-key "$WRITE_KEY" --as-of "$AS_OF" ||
  echo "== the demo seed failed (above); the server runs on, the dashboard shows less"

cat <<MSG

== mercato demo
  Dashboard: http://127.0.0.1:$PORT/ui/  (sign in with the admin token '$ADMIN_KEY')
  API:       http://127.0.0.1:$PORT/
  Metrics:   http://127.0.0.1:$PORT/metrics
  Health:    http://127.0.0.1:$PORT/healthz
  Keys:      write key '$WRITE_KEY', read key '$READ_KEY', admin key '$ADMIN_KEY' (demo only)

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
wait "$SERVER"
