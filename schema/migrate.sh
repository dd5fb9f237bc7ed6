#!/bin/sh
# migrate.sh -- apply the numbered migrations of this folder, in order, each
# once, each in its own transaction, recorded in schema_migrations.
#
# Usage: migrate.sh [CONNINFO]     e.g. migrate.sh "host=127.0.0.1 port=5432 dbname=gridreport"
# Without CONNINFO, psql's PG* environment variables apply.
#
# The migrations not yet recorded run in one psql session, one transaction
# each: a migration and its record, or neither.  The first that fails
# stops the run; those before it stay applied.  Each starts from a clean
# session (DISCARD ALL), as if it had a connection of its own.  psql
# writes out what it has printed before each statement it sends, so each
# "applied" line comes as its migration commits, before any error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conn=${1:-}
# "relation already exists, skipping" and the like are not news.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql_q() { psql ${conn:+"$conn"} -X -q -v ON_ERROR_STOP=1 "$@"; }

applied=$(psql_q -At -c "CREATE TABLE IF NOT EXISTS schema_migrations (
	version text PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now())" \
	-c "SELECT version FROM schema_migrations")
applied=" $(echo $applied) "

cd "$here"
script=
pending=0
for f in [0-9][0-9][0-9][0-9]_*.sql; do
	v=${f%.sql}
	case $v in
	*[!A-Za-z0-9_]*)
		echo "migrate: $f: a migration's name is digits, letters and _" >&2
		exit 1 ;;
	esac
	case $applied in *" $v "*) continue ;; esac
	# The lock keeps two concurrent runs from applying the same migration.
	script="$script
BEGIN;
LOCK TABLE schema_migrations IN EXCLUSIVE MODE;
DO \$\$ BEGIN IF EXISTS (SELECT 1 FROM schema_migrations WHERE version = '$v') THEN RAISE EXCEPTION 'migration $v applied concurrently'; END IF; END \$\$;
\\i $f
INSERT INTO schema_migrations (version) VALUES ('$v');
COMMIT;
DISCARD ALL;
\\echo migrate: applied $v"
	pending=$((pending + 1))
done
if [ "$pending" -eq 0 ]; then
	echo "migrate: schema is up to date"
	exit 0
fi
printf '%s\n' "$script" | psql_q -f -
