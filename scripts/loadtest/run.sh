#!/usr/bin/env bash
# make loadtest: 50 signed-in users for 60 s against gunicorn on 127.0.0.1, on a PostgreSQL
# database seeded by seed_demo (LOADTEST_DATABASE_URL; it is migrated and seeded here).
# Prints p50/p95 per page, writes var/loadtest.json, fails on any error. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LOADTEST_DATABASE_URL:?set LOADTEST_DATABASE_URL to a PostgreSQL database the load test may fill, e.g. postgres://postgres@127.0.0.1:5432/prevent_loadtest}"
USERS=${LOADTEST_USERS:-50}
DURATION=${LOADTEST_SECONDS:-60}
WORKERS=${LOADTEST_WORKERS:-4}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
UV=${UV:-uv}
export DATABASE_URL=$LOADTEST_DATABASE_URL DJANGO_ENV=demo OUTBOX_SEND_INLINE=false
export CELERY_TASK_ALWAYS_EAGER=false CONN_MAX_AGE=60 ALLOWED_HOSTS=127.0.0.1
OUT=var/loadtest
mkdir -p "$OUT"

echo "--- database: migrate, seed_demo, $USERS load test accounts"
$UV run --frozen python manage.py migrate --no-input >/dev/null
$UV run --frozen python manage.py seed_demo >/dev/null
$UV run --frozen python scripts/loadtest/setup_accounts.py "$USERS"

echo "--- gunicorn on 127.0.0.1:$PORT ($WORKERS workers)"
$UV run --frozen gunicorn prevent_portal.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

echo "--- locust: $USERS users for ${DURATION}s"
status=0
timeout $((DURATION + 120)) $UV run --frozen locust -f scripts/loadtest/locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" -u "$USERS" -r "$USERS" -t "${DURATION}s" --stop-timeout 10 \
  --csv "$OUT/locust" --only-summary >"$OUT/locust.log" 2>&1 || status=$?
$UV run --frozen python scripts/loadtest/summary.py "$OUT/locust_stats.csv" var/loadtest.json \
  || status=1
exit "$status"
