#!/usr/bin/env bash
# Load test: gunicorn on loopback, wrk for 60 s against a mix of unit pages, task pages,
# entry POSTs and office pages (tracker/bench/loadplan.py LOAD_MIX) on a bench dataset.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench scripts/loadtest.sh
#
# Environment (defaults): SCALE=city SEED=42 WORKERS=5 (2 × cores + 1 sync workers, gunicorn's
# rule for a 2-core machine) CONNECTIONS=20 DURATION=60s PORT=8765 UNITS=40.
# Prints wrk's report and one RESULT {json} line; exits non-zero when any request failed
# (a socket error or any status but 200: every request of the mix expects 200).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-city}
SEED=${SEED:-42}
WORKERS=${WORKERS:-5}
CONNECTIONS=${CONNECTIONS:-20}
DURATION=${DURATION:-60s}
PORT=${PORT:-8765}
UNITS=${UNITS:-40}
PY=${PY:-.venv/bin/python}
OUT=var/loadtest
mkdir -p "$OUT"
# The plan's sessions are signed with SECRET_KEY: the server must run with the same one.
export SECRET_KEY=${SECRET_KEY:-loadtest-only-secret-key-not-for-production-use-0123456789}

command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 2; }

"$PY" manage.py bench --scale "$SCALE" --seed "$SEED" --generate-only -v0 >/dev/null
"$PY" manage.py bench_loadplan --scale "$SCALE" --seed "$SEED" --units "$UNITS" --out "$OUT/plan.lua"
DEBUG=0 "$PY" manage.py collectstatic --noinput -v0

# Production-like: DEBUG off, sync workers, one persistent DB connection per worker.
DEBUG=0 "$(dirname "$PY")/gunicorn" tracker.wsgi:application \
  --bind "127.0.0.1:$PORT" --workers "$WORKERS" --worker-class sync --timeout 60 \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT

for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 0.2
done

PLAN="$OUT/plan.lua" wrk --threads 2 --connections "$CONNECTIONS" --duration "$DURATION" --timeout 10s --latency \
  --script scripts/loadtest.lua "http://127.0.0.1:$PORT" | tee "$OUT/wrk.txt"

RESULT=$(grep '^RESULT ' "$OUT/wrk.txt" | sed 's/^RESULT //')
echo "$RESULT" > "$OUT/result.json"
ERRORS=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["errors"])' <<<"$RESULT")
echo "errors: $ERRORS (details in $OUT/result.json, server log $OUT/gunicorn.log)"
[ "$ERRORS" = "0" ]
