#!/bin/sh
# Measures the HTTP service with wrk (Debian's `wrk`): GET /health, an authenticated projection
# read, a command on one tenant, and the read again while commands run. One run each, 64
# connections, on a fresh data directory.
#
#   Tools/wrk/run.sh [BULKHEAD_BINARY] [SECONDS]
#
# BULKHEAD_BINARY defaults to .build/release/bulkhead (`swift build -c release --product bulkhead`).
set -eu
BIN=${1:-.build/release/bulkhead}
SECONDS_EACH=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(mktemp -d /tmp/bulkhead-wrk.XXXXXX)
PORT=${BULKHEAD_WRK_PORT:-18080}
export BULKHEAD_DATA="$DATA"
export BULKHEAD_ACTOR=wrk@bench.example
"$BIN" tenant create wrk-bench --name "wrk bench" --owner "$BULKHEAD_ACTOR" >/dev/null
BULKHEAD_KEY=$("$BIN" exec --tenant wrk-bench --actor "$BULKHEAD_ACTOR" tenant.issueApiKey '{"label":"wrk"}' --format json \
    | sed -n 's/.*"apiKey" *: *"\([^"]*\)".*/\1/p')
BULKHEAD_PROJECT=$("$BIN" exec --tenant wrk-bench --actor "$BULKHEAD_ACTOR" project.create '{"name":"read me"}' --format json \
    | sed -n 's/.*"projectId" *: *"\([^"]*\)".*/\1/p')
export BULKHEAD_KEY BULKHEAD_PROJECT
"$BIN" serve --host 127.0.0.1 --port "$PORT" --no-maintenance --log-level error &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.2; done
URL="http://127.0.0.1:$PORT"
W="wrk -t2 -c64 -d${SECONDS_EACH}s --latency"
# The tenant's first command is the set-up's: a warm-up request opens its environment in the server.
curl -s -H "Authorization: Bearer $BULKHEAD_KEY" "$URL/v1/projects/$BULKHEAD_PROJECT" >/dev/null
echo "== GET /health"; $W "$URL/health"
echo "== GET /v1/projects/{id} (idle)"; $W -s "$HERE/read.lua" "$URL"
echo "== POST /v1/commands/project.create"; $W -s "$HERE/command.lua" "$URL"
echo "== GET /v1/projects/{id} (64 connections) while commands run (16 more connections)"
wrk -t1 -c16 -d$((SECONDS_EACH + 2))s -s "$HERE/command.lua" "$URL" > "$DATA.writer" &
WRITER=$!
sleep 1
$W -s "$HERE/read.lua" "$URL"
wait $WRITER
echo "-- the commands meanwhile:"; grep -E "Requests/sec|Non-2xx" "$DATA.writer" || true
rm -f "$DATA.writer"
