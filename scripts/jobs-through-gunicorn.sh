#!/usr/bin/env bash
# Issue 21's two long jobs through the real stack: gunicorn (3 sync workers, its DEFAULT timeout
# of 30 s: no --timeout here) and one Celery worker, on a bench dataset. As the bench city's office
# (scripts/jobs_through_gunicorn.py): the full task-ledger export as a job (start, poll, download,
# count the rows), then an import of UNITS new units with their generated tasks (upload, check,
# run, poll); then it deletes what the import created and runs check_rollups.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench REDIS_URL=redis://127.0.0.1:6379/3 \
#     scripts/jobs-through-gunicorn.sh
#
# Environment (defaults): SCALE=city SEED=42 UNITS=2000 PORT=8766 POLL=0.5 (seconds between polls)
# JOB_LIMIT=300 (a job still active after this is stuck) REDIS_URL=redis://127.0.0.1:6379/3 (give
# it a Redis database of its own: the worker consumes its default queue, where the jobs go).
# Prints the timings and one RESULT {json} line; exits non-zero when a request took longer than
# 30 s, answered 5xx or nothing, a job failed or got stuck, the workbook's rows were wrong, the
# unit and task counts changed or the roll-ups differ from a recount. Logs under var/jobs-gunicorn/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-city}
SEED=${SEED:-42}
UNITS=${UNITS:-2000}
PORT=${PORT:-8766}
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
OUT=var/jobs-gunicorn
mkdir -p "$OUT"
export SCALE SEED UNITS
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
# The client mints its session with this key: the server must run with the same one.
export SECRET_KEY=${SECRET_KEY:-loadtest-only-secret-key-not-for-production-use-0123456789}
# Plain HTTP on loopback: the client keeps its cookies (as the scale-out drill does).
export SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
: "${DATABASE_URL:?set DATABASE_URL (the database of the bench dataset)}"

"$PY" manage.py bench --scale "$SCALE" --seed "$SEED" --generate-only -v0 >/dev/null
DEBUG=0 "$PY" manage.py collectstatic --noinput -v0

# Production-like: DEBUG off, sync workers, gunicorn's default timeout (30 s).
DEBUG=0 "$BIN/gunicorn" tracker.wsgi:application \
  --bind "127.0.0.1:$PORT" --workers 3 --worker-class sync \
  --access-logfile "$OUT/access.log" --access-logformat '%(t)s "%(r)s" %(s)s %(b)s %(L)ss' \
  --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
# The jobs go to Celery's default queue ("celery"; no task_routes): one worker consuming it.
DEBUG=0 "$BIN/celery" -A tracker worker -l warning --concurrency 1 -Q celery >"$OUT/worker.log" 2>&1 &
WORKER=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null; wait $GUNICORN $WORKER 2>/dev/null || true' EXIT

for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 0.2
done

uptime
set +e
"$PY" scripts/jobs_through_gunicorn.py --base "http://127.0.0.1:$PORT" | tee "$OUT/client.txt"
STATUS=${PIPESTATUS[0]}
set -e
grep '^RESULT ' "$OUT/client.txt" | sed 's/^RESULT //' > "$OUT/result.json" || true
echo "exit $STATUS (result $OUT/result.json, logs $OUT/gunicorn.log $OUT/worker.log $OUT/access.log)"
exit "$STATUS"
