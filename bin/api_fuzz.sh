#!/usr/bin/env bash
# API fuzz run (S-API, `make api-fuzz`, CI stage api-fuzz): schemathesis against a real server.
#
# 1. a fresh SQLite database in a temporary folder (the test settings, pointed at that file),
#    migrated and seeded by `manage.py seed_api_fuzz` (demo data, inbound events, and an API key
#    with the read, write and events scopes);
# 2. gunicorn on a free loopback port, with a random INTEGRATION_API_KEY (the test settings keep
#    the rate limits far above what the run sends);
# 3. schemathesis twice on /api/v1/schema/: once with the integration key (read + events), once
#    with the API key (read + write + events); checks: no server error, responses as the schema
#    documents them. Any failure fails the script. The server is always stopped.
#
# That every write operation can succeed is proven by tests/api/test_writes_succeed.py (a fuzzer
# sends mostly invalid bodies: it cannot be asked for a 2xx on each write).
#
# Environment: API_FUZZ_MAX_EXAMPLES (default 50) test cases per operation and phase;
# API_FUZZ_SEED to replay a run (printed at the start).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
SCHEMATHESIS="$ROOT/.venv/bin/schemathesis"
GUNICORN="$ROOT/.venv/bin/gunicorn"
MAX_EXAMPLES="${API_FUZZ_MAX_EXAMPLES:-50}"
SEED="${API_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
CHECKS=not_a_server_error,response_schema_conformance

STARTED=$SECONDS
WORK="$(mktemp -d -t asf-api-fuzz-XXXXXX)"
SERVER_PID=""

stop_server() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=""
}

on_exit() {
	local rc=$?
	trap - EXIT
	stop_server
	if [ "$rc" -ne 0 ] && [ -s "$WORK/server.log" ]; then
		echo "--- last lines of the server log ---" >&2
		tail -n 40 "$WORK/server.log" >&2 || true
	fi
	rm -rf "$WORK"
	echo "api-fuzz: $([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $((SECONDS - STARTED))s"
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- a throwaway database -----------------------------------------------------------------------

# The test settings (DEBUG off, no .env, fixed test secret, high rate limits) with the SQLite file
# moved to the temporary folder: the developer's db.sqlite3 is never touched.
cat >"$WORK/api_fuzz_settings.py" <<'EOF'
import os

from project.settings_test import *  # noqa: F403
from project.settings_test import DATABASES

# SQLite only (the variables that would select MariaDB are unset below).
assert DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DATABASES["default"]["NAME"] = os.environ["API_FUZZ_DB"]
EOF
unset TEST_DB_ENGINE DB_ENGINE DB_NAME DB_HOST DB_PORT DB_USER DB_PASSWORD
export PYTHONPATH="$WORK${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=api_fuzz_settings
export API_FUZZ_DB="$WORK/db.sqlite3"
export LOG_LEVEL=WARNING
INTEGRATION_API_KEY="fuzz-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
export INTEGRATION_API_KEY

echo "api-fuzz: seed $SEED, $MAX_EXAMPLES examples per operation, database in $WORK"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1 || {
	cat "$WORK/migrate.log" >&2
	exit 1
}
API_KEY="$("$PY" manage.py seed_api_fuzz 2>"$WORK/seed.log")" || {
	cat "$WORK/seed.log" >&2
	exit 1
}
grep -v '^{' "$WORK/seed.log" || true

# --- the server ---------------------------------------------------------------------------------

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$GUNICORN" project.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
	--log-level warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
# Python rather than curl: nothing outside .venv is needed.
answers() { # url -> exit 0 when it answers 200
	"$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" \
		>/dev/null 2>&1
}
for _ in $(seq 1 150); do
	if answers "$BASE/healthz"; then
		break
	fi
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "api-fuzz: the server did not start" >&2
		exit 1
	fi
	sleep 0.2
done
answers "$BASE/api/v1/schema/" || {
	echo "api-fuzz: $BASE/api/v1/schema/ does not answer" >&2
	exit 1
}
echo "api-fuzz: server on $BASE"

# --- schemathesis -------------------------------------------------------------------------------

fuzz() { # label header [extra schemathesis options...]
	local label=$1 header=$2 run_started=$SECONDS
	shift 2
	echo
	echo ">>> schemathesis as $label"
	# In the temporary folder: schemathesis and hypothesis keep nothing in the work tree.
	(cd "$WORK" && "$SCHEMATHESIS" run "$BASE/api/v1/schema/" \
		--header "$header" \
		--checks "$CHECKS" \
		--max-examples "$MAX_EXAMPLES" \
		--seed "$SEED" \
		--workers 1 \
		--request-timeout 30 \
		--generation-database none \
		--no-color "$@")
	echo "<<< schemathesis as $label: passed in $((SECONDS - run_started))s"
}

fuzz "the integration key (read, events)" "X-ASF-Integration-Key: $INTEGRATION_API_KEY"
fuzz "an API key (read, write, events)" "Authorization: Api-Key $API_KEY" \
	--report har --report-har-path "$WORK/writes.har"

# Every write operation must have succeeded at least once with the write key.
"$ROOT/.venv/bin/python" - "$BASE/api/v1/schema/?format=json" "$API_KEY" "$WORK/schema.json" <<'PY'
import sys, urllib.request
url, key, target = sys.argv[1:]
request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"})
with urllib.request.urlopen(request, timeout=30) as answer, open(target, "wb") as out:
    out.write(answer.read())
PY
"$ROOT/.venv/bin/python" "$ROOT/bin/api_fuzz_writes.py" "$WORK/schema.json" "$WORK/writes.har"
