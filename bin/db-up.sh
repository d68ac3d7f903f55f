#!/usr/bin/env bash
# Make sure a MariaDB server answers on 127.0.0.1:PORT and that the `asf` user exists.
#
#   PORT = TEST_DB_PORT, else DB_PORT, else 3306.
#
# - When nothing answers and PORT is 3306, start the local server (Debian's mariadb-server) the
#   way ARCHITECTURE.md "Environment notes" describes, then wait up to ~30 s for it.
# - Through the unix socket as root (no password), create idempotently the database `asf_wms`
#   and the user asf / asf (on localhost, 127.0.0.1 and %) with all rights on `asf_wms` and on
#   the test databases `test\_asf%`.
#
# Used by `make db-up` (developers) and `.ci/run` (CI). Safe to run any number of times.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST=127.0.0.1
PORT="${TEST_DB_PORT:-${DB_PORT:-3306}}"
WAIT_SECONDS="${DB_UP_WAIT_SECONDS:-30}"
PIDFILE="$ROOT/.mariadbd.pid"
ERROR_LOG=/var/log/mysql/error.log

log() { printf 'db-up: %s\n' "$*"; }
die() {
	printf 'db-up: ERROR: %s\n' "$*" >&2
	exit 1
}

# Run a command as root: directly when we are root, through sudo otherwise (developer laptops).
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "root is needed for: $* (run as root or install sudo)"
	fi
}

# Alive = the server answered, even if it refused our (absent) credentials.
# Dead = connection refused / timed out / no such host.
server_alive() {
	local out
	out="$(mariadb-admin --protocol=tcp -h "$HOST" -P "$PORT" --connect-timeout=2 ping 2>&1)" || true
	grep -qiE 'is alive|access denied' <<<"$out"
}

start_server() {
	[ -x /usr/sbin/mariadbd ] || die "MariaDB is not answering on $HOST:$PORT and /usr/sbin/mariadbd is missing (apt-get install mariadb-server)"
	log "no MariaDB server answers on $HOST:$PORT: starting /usr/sbin/mariadbd"
	as_root mkdir -p /run/mysqld
	as_root chown mysql:mysql /run/mysqld
	# --oknodo: a mariadbd already started from this pidfile (still booting) is not an error.
	as_root start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$PIDFILE" \
		--chuid mysql --exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1 --port=3306
}

wait_for_server() {
	local deadline=$((SECONDS + WAIT_SECONDS))
	while ((SECONDS < deadline)); do
		if server_alive; then
			return 0
		fi
		sleep 1
	done
	server_alive
}

explain_dead_server() {
	local msg="MariaDB is not answering on $HOST:$PORT"
	if [ "$PORT" != 3306 ]; then
		msg+=" (only a server on port 3306 is started automatically; start yours or unset TEST_DB_PORT/DB_PORT)"
	else
		msg+=" after starting /usr/sbin/mariadbd and waiting ${WAIT_SECONDS}s"
		if [ -r "$ERROR_LOG" ]; then
			printf 'db-up: last lines of %s:\n' "$ERROR_LOG" >&2
			tail -n 20 "$ERROR_LOG" >&2 || true
		fi
	fi
	die "$msg"
}

create_database_and_user() {
	local sql host
	sql="CREATE DATABASE IF NOT EXISTS asf_wms CHARACTER SET utf8mb4;"
	for host in localhost 127.0.0.1 %; do
		sql+="
CREATE USER IF NOT EXISTS 'asf'@'$host' IDENTIFIED BY 'asf';
ALTER USER 'asf'@'$host' IDENTIFIED BY 'asf';
GRANT ALL PRIVILEGES ON asf_wms.* TO 'asf'@'$host';
GRANT ALL PRIVILEGES ON \`test\\_asf%\`.* TO 'asf'@'$host';"
	done
	sql+="
FLUSH PRIVILEGES;"
	if ! as_root mariadb -e "$sql"; then
		die "could not create the asf_wms database and the asf user through the unix socket as root (MariaDB on $HOST:$PORT answers, but 'mariadb -e' as root failed)"
	fi
	log "database asf_wms and user asf/asf ready (rights on asf_wms and test\\_asf%)"
}

# Django converts dates to Europe/Paris in SQL (admin date drill-downs, __date lookups): MariaDB
# needs its time-zone tables for that, and a fresh server has them empty.
load_time_zones() {
	local zones
	zones=$(as_root mariadb -N -e "SELECT COUNT(*) FROM mysql.time_zone_name" 2>/dev/null || echo 0)
	if [ "${zones:-0}" -gt 0 ]; then
		log "time-zone tables present ($zones names)"
		return 0
	fi
	command -v mariadb-tzinfo-to-sql >/dev/null 2>&1 || die "mariadb-tzinfo-to-sql not found (mariadb-server)"
	mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | as_root mariadb mysql ||
		die "could not load the time-zone tables into MariaDB"
	log "time-zone tables loaded"
}

main() {
	command -v mariadb-admin >/dev/null 2>&1 ||
		die "mariadb-admin not found: apt-get install mariadb-client mariadb-server"
	if server_alive; then
		log "MariaDB answers on $HOST:$PORT"
	elif [ "$PORT" = 3306 ]; then
		start_server
		wait_for_server || explain_dead_server
		log "MariaDB started and answers on $HOST:$PORT"
	else
		explain_dead_server
	fi
	create_database_and_user
	load_time_zones
}

main "$@"
