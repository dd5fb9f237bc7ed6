#!/bin/bash
# analyst.sh -- the analyst benchmark (make bench-analyst): how long each
# analyst view of schema/0009_analyst_views.sql takes on a year of a county,
# N reports (1,000,000 by default) with their cases, parties and events
# (tests/bench/analyst-data.sql), and how long the summary's refresh and a
# whole gr-analyst run take.  Queries run as a login role of gr_analyst,
# through libpq, each REPEAT times (5); the table shows the median and the
# slowest, client-side (psql's \timing), and the rows returned.
#
# Usage: tests/bench/analyst.sh [BUILD]     (N=1000000 REPEAT=5)
#
# The cluster lives in .run/bench-analyst/pg and is kept: a later run with
# the same N reuses its data (delete the folder to make it afresh).  Loading
# a million reports takes some minutes on 2 cores.  Prints figures, asserts
# no timing; exit 1 only when something failed.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

B_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GR_TOP=$B_TOP
. "$B_TOP/scripts/env.sh"

B_BUILD=${1:-build}
case $B_BUILD in /*) ;; *) B_BUILD=$B_TOP/$B_BUILD ;; esac
B_DIR=$B_TOP/.run/bench-analyst
B_N=${N:-1000000}
B_REPEAT=${REPEAT:-5}
mkdir -p "$B_DIR"
chmod 755 "$B_DIR"

gr_pg_start "$B_DIR" || exit 1
trap 'gr_pg_stop "$B_DIR"' EXIT
B_ADMIN=$GR_DB
B_ANALYST="host=127.0.0.1 port=$GR_PG_PORT user=bench_analyst dbname=gridreport"
b_sql() { psql "$B_ADMIN" -XAtq -v ON_ERROR_STOP=1 "$@"; }

b_secs() { date +%s.%N; }
b_since() { echo "$(b_secs) $1" | awk '{ printf "%.1f", $1 - $2 }'; }

have=$(b_sql -c "SELECT count(*) FROM report")
if [ "$have" != "$B_N" ]; then
	echo "# loading $B_N reports (a year of county 530322) ..."
	b_sql -c "DROP DATABASE IF EXISTS gridreport" -d "${B_ADMIN/dbname=gridreport/dbname=postgres}" 2>/dev/null ||
		psql "${B_ADMIN/dbname=gridreport/dbname=postgres}" -Xq -c "DROP DATABASE gridreport" || exit 1
	psql "${B_ADMIN/dbname=gridreport/dbname=postgres}" -Xq -c "CREATE DATABASE gridreport" || exit 1
	"$B_TOP/schema/migrate.sh" "$B_ADMIN" >/dev/null || exit 1
	b_sql -f "$B_TOP/schema/demo/530322.sql" >/dev/null || exit 1
	t0=$(b_secs)
	b_sql -v n="$B_N" -f "$B_TOP/tests/bench/analyst-data.sql" >/dev/null || exit 1
	# As autovacuum leaves a table at rest: statistics and visibility map.
	b_sql -c "VACUUM ANALYZE" || exit 1
	echo "# loaded in $(b_since "$t0") s"
fi
psql "${B_ADMIN/dbname=gridreport/dbname=postgres}" -Xq -c "DO \$\$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_analyst') THEN
		CREATE ROLE bench_analyst LOGIN IN ROLE gr_analyst;
	END IF; END \$\$" || exit 1

echo "# data: $(b_sql -c "SELECT (SELECT count(*) FROM report) || ' reports, ' ||
	(SELECT count(*) FROM \"case\") || ' cases, ' ||
	(SELECT count(*) FROM case_event) || ' case events, ' ||
	(SELECT count(*) FROM party) || ' parties, ' ||
	(SELECT count(*) FROM \"case\" WHERE state NOT IN ('resolved', 'visited', 'closed', 'refused')) || ' open cases; ' ||
	pg_size_pretty(pg_database_size('gridreport'))")"

t0=$(b_secs)
b_sql -c "SELECT gr_analyst_refresh()" >/dev/null || exit 1
B_REFRESH=$(b_since "$t0")
echo "# summary refreshed (REFRESH MATERIALIZED VIEW CONCURRENTLY) in $B_REFRESH s: $(b_sql -c "SELECT count(*) FROM analyst_summary") rows"
b_sql -c "VACUUM ANALYZE analyst_summary" || exit 1

# time NAME SQL: run SQL REPEAT times as the analyst; print one table row
B_FAILED=0
b_time() {
	local name=$1 q=$2 out rows times
	out=$( { echo '\timing on'; for _ in $(seq 1 "$B_REPEAT"); do
			echo "$q;"; done; } |
		psql "$B_ANALYST" -XAtq -v ON_ERROR_STOP=1 2>&1) || {
		echo "FAILED $name: $out" | head -n 5; B_FAILED=1; return; }
	rows=$(echo "$out" | grep -v '^Time: ' | wc -l)
	rows=$((rows / B_REPEAT))
	times=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n)
	printf '%-30s %8s %10s %10s  %s\n' "$name" "$rows" \
		"$(echo "$times" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }')" \
		"$(echo "$times" | tail -n 1)" "$q" | cut -c1-200
}

echo
printf '%-30s %8s %10s %10s  %s\n' "view" "rows" "median ms" "max ms" "query"
M="month >= '2025-01-01' AND month < '2026-01-01'"
b_time analyst_monthly_counts "SELECT * FROM analyst_monthly_counts WHERE county_code = '530322' AND $M"
b_time "  (county trend, 同比)" "SELECT month, reports, reports_prev_year, reports_yoy_pct FROM analyst_monthly_counts WHERE county_code = '530322' AND township_code IS NULL AND category IS NULL AND $M"
b_time analyst_resolution_rate "SELECT * FROM analyst_resolution_rate WHERE county_code = '530322' AND $M"
b_time analyst_satisfaction "SELECT * FROM analyst_satisfaction WHERE county_code = '530322' AND $M"
b_time analyst_first_contact "SELECT * FROM analyst_first_contact WHERE county_code = '530322' AND $M"
b_time analyst_handling_time "SELECT * FROM analyst_handling_time WHERE county_code = '530322' AND $M"
b_time analyst_local_resolution "SELECT * FROM analyst_local_resolution WHERE county_code = '530322' AND $M"
b_time analyst_repeat_group_monthly "SELECT * FROM analyst_repeat_group_monthly WHERE county_code = '530322' AND $M"
b_time analyst_open_cases "SELECT * FROM analyst_open_cases WHERE county_code = '530322'"
b_time analyst_repeat_petitions "SELECT * FROM analyst_repeat_petitions WHERE county_code = '530322' AND opened_at >= '2025-06-01 00:00+08' AND opened_at < '2025-07-01 00:00+08'"
b_time "  (whole year, count)" "SELECT count(*) FROM analyst_repeat_petitions WHERE county_code = '530322' AND opened_at >= '2025-01-01 00:00+08' AND opened_at < '2026-01-01 00:00+08'"
b_time analyst_group_incidents "SELECT * FROM analyst_group_incidents WHERE received_at >= '2025-06-01 00:00+08' AND received_at < '2025-07-01 00:00+08'"
b_time "  (whole year, count)" "SELECT count(*) FROM analyst_group_incidents WHERE received_at >= '2025-01-01 00:00+08' AND received_at < '2026-01-01 00:00+08'"
b_time analyst_refreshed "SELECT * FROM analyst_refreshed"

if [ -x "$B_BUILD/gr-analyst" ]; then
	rm -rf "$B_DIR/report"
	t0=$(b_secs)
	if "$B_BUILD/gr-analyst" -d "$B_ANALYST" --county 530322 --from 2025-01 --to 2025-12 \
		--out "$B_DIR/report" >"$B_DIR/gr-analyst.log" 2>&1; then
		echo
		echo "# gr-analyst, county 530322, 2025-01..2025-12: $(b_since "$t0") s ($(ls "$B_DIR/report" | wc -l) files in $B_DIR/report)"
	else
		echo "FAILED gr-analyst: $(cat "$B_DIR/gr-analyst.log")"
		B_FAILED=1
	fi
fi
exit $B_FAILED
