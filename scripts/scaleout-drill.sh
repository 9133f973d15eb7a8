#!/usr/bin/env bash
# Scale-out drill (issue 20 item 6): two gunicorn web processes and two Celery workers (one beat)
# on one PostgreSQL, one Redis and one MEDIA_ROOT, behind Debian's nginx with both web processes
# in its upstream; a load with writes, exports (jobs) and mail through nginx; halfway kill -9 of one
# web process and one worker; then the checks: no confirmed write lost, no mail twice, no job stuck,
# errors and p99 after the kill, requests per second. Ends with one RESULT {json} line.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct REDIS_URL=redis://127.0.0.1:6379/5 scripts/scaleout-drill.sh
#
# It creates a scratch database next to DATABASE_URL's (ct_drill_<pid>; migrated, seeded with the
# demo, dropped at the end), uses REDIS_URL's database (give it one of its own: the workers purge
# its queue), logs and nginx's config under var/drill/. Options: --duration 60 (seconds),
# --database-url URL (an existing database instead), --keep-database; `--help` lists the rest.
# Needs nginx (Debian: apt-get install nginx) and the dev requirements (aiosmtpd).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "nginx is not installed (Debian: apt-get install nginx)" >&2; exit 2; }
[ -n "${REDIS_URL:-}" ] || { echo "set REDIS_URL (a Redis database of the drill's own)" >&2; exit 2; }
uptime
exec "$PY" scripts/scaleout_drill.py "$@"
