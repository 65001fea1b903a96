#!/usr/bin/env bash
# The whole suite: once on SQLite (with the browser tests), then again on PostgreSQL and with
# the Redis task backend when those servers are reachable. CI runs both.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0

echo "== SQLite =="
env -u DATABASE_URL -u REDIS_URL $BIN/pytest -q "$@" || status=$?

PG_URL=${COPHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc}); skipping the PostgreSQL run", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== PostgreSQL + Redis =="
  REDIS=${COPHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
  DATABASE_URL=$PG_URL COPHUB_TEST_REDIS_URL=$REDIS $BIN/pytest -q -m "not e2e" "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required in CI" >&2
  status=1
fi
exit $status
