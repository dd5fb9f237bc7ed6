#!/bin/sh
# migrate.sh -- apply the numbered migrations of this folder, in order, each
# once, each in its own transaction, recorded in schema_migrations.
#
# Usage: migrate.sh [CONNINFO]     e.g. migrate.sh "host=127.0.0.1 port=5432 dbname=gridreport"
# Without CONNINFO, psql's PG* environment variables apply.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conn=${1:-}
# "relation already exists, skipping" and the like are not news.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql_q() { psql ${conn:+"$conn"} -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q -c "CREATE TABLE IF NOT EXISTS schema_migrations (
	version text PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now())"

cd "$here"
applied=0
for f in [0-9][0-9][0-9][0-9]_*.sql; do
	v=${f%.sql}
	done_v=$(psql_q -At -c "SELECT 1 FROM schema_migrations WHERE version = '$v'")
	[ "$done_v" = 1 ] && continue
	# One transaction: the migration and its record, or neither.  The lock
	# keeps two concurrent runs from applying the same migration.
	psql_q -1 -c "LOCK TABLE schema_migrations IN EXCLUSIVE MODE" \
		-c "DO \$\$ BEGIN IF EXISTS (SELECT 1 FROM schema_migrations WHERE version = '$v') THEN RAISE EXCEPTION 'migration $v applied concurrently'; END IF; END \$\$" \
		-f "$f" -c "INSERT INTO schema_migrations (version) VALUES ('$v')"
	echo "migrate: applied $v"
	applied=$((applied + 1))
done
[ "$applied" -eq 0 ] && echo "migrate: schema is up to date"
exit 0
