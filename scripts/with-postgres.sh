#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL server: initdb into a temporary folder, the server
# started on a free loopback port (its socket in the same folder), stopped and removed on exit.
#
#   scripts/with-postgres.sh swift test --skip-build
#
# The command sees:
#   ROSTER_TEST_POSTGRES           postgres://postgres@127.0.0.1:PORT, a superuser (trust) without a
#                                  database: tests create a database each
#   ROSTER_TEST_POSTGRES_PASSWORD  postgres://roster_password:right-password@127.0.0.1:PORT/roster_password,
#                                  a role that must give its password (scram-sha-256), and its database
#   PATH                           with the server's programs (psql, createdb, pg_ctl) first
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: PostgreSQL's server programs are not installed (apt-get install postgresql)" >&2
  exit 1
fi
export PATH="$bindir:$PATH"

# In /tmp, not $TMPDIR: the server runs as the postgres user when this runs as root, and must reach it.
dir=$(mktemp -d /tmp/roster-postgres.XXXXXX)
# initdb and postgres refuse to run as root: as root, run them as the postgres user.
as_server() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as_server() { runuser -u postgres -- "$@"; }
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_server pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_server initdb -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# One role that must sign in with its password (the first matching line of pg_hba.conf wins).
hba="$dir/data/pg_hba.conf"
as_server sh -c "{ echo 'host all roster_password 127.0.0.1/32 scram-sha-256'; cat '$hba'; } > '$hba.new' && mv '$hba.new' '$hba'"
as_server pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
  -c "CREATE ROLE roster_password LOGIN PASSWORD 'right-password'" \
  -c "CREATE DATABASE roster_password OWNER roster_password" >/dev/null

export ROSTER_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
export ROSTER_TEST_POSTGRES_PASSWORD="postgres://roster_password:right-password@127.0.0.1:$port/roster_password"
echo "with-postgres: PostgreSQL $(postgres --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
# The command runs in the background so that a TERM or INT sent to this script is handled at once:
# it is passed on, and the server stopped (the EXIT trap).
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; exit 143' TERM
trap 'kill -INT "$child" 2>/dev/null; exit 130' INT
status=0
wait "$child" || status=$?
exit "$status"
