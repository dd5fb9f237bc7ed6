#!/bin/bash
# test_alerts.sh -- the alerts a county watches (DESIGN.md 6): repeat
# petitions, group incidents and 一案双查 (a township's second red or group
# report within 30 days), raised by the database as each case opens and
# published once to the county's dispatch feed, also when no collector was
# there to publish them at the time.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
subscribe county 'gr/v1/dispatch/530322'
GA=$(grid_of gw001)
A=${GA:0:9}
# a worker of another township
WB=$(sql "SELECT w.worker_id FROM worker_grid w WHERE substr(w.grid_code, 1, 9) <> '$A' ORDER BY 1 LIMIT 1")
GB=$(grid_of "$WB")
B=${GB:0:9}
subscribe townshipA "gr/v1/dispatch/$A"
# Only explicit links make repeats here, so that reports of one grid do not
# link to each other by grid and category.
sql "UPDATE setting SET value = '0' WHERE name = 'repeat_window_days'" >/dev/null

# report WORKER GRID ARGS...: send a report; prints its id
report() {
	w=$1 g=$2; shift 2
	agent "$w" -W 20 report --grid "$g" --summary "预警测试" "$@" | cut -d: -f1
}
# alerts ID: "kind related" of the alerts the report's case raised
alerts() { sql "SELECT string_agg(kind || ' ' || array_to_string(related, ','), '; ' ORDER BY kind::text) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$1'"; }
# published N: wait until the county feed carried N alerts
feed_alerts() { messages county | "$GRMSG" notice | grep -c '^alert '; }
at_least() { [ "$(feed_alerts)" -ge "$1" ]; }
published() { gr_wait_for 20 "$1 alerts on the county feed" at_least "$1"; }

r1=$(report gw001 "$GA" --category 10 --colour green --people 2)
is "$(alerts "$r1")" "" "an ordinary report raises no alert"

r2=$(report gw001 "$GA" --category 11 --colour yellow --people 6)
is "$(alerts "$r2")" "group " "6 people: a group incident (群体性事件)"

r3=$(report gw001 "$GA" --category 12 --colour red --people 1)
is "$(alerts "$r3")" "double_check $(caseof "$r2")" \
	"a red report after a group one in the same township: 一案双查, naming the first"
check "the alert says why" sh -c "psql '$GR_DB' -XAtq -c \"SELECT note FROM alert a JOIN \\\"case\\\" c ON c.id = a.case_id WHERE c.report_id = '$r3'\" | grep -q '一案双查: 本乡镇 30 天内第 2 起红色或群体性事件'"

r4=$(report "$WB" "$GB" --category 10 --colour red --people 1)
is "$(alerts "$r4")" "" "the first red report of another township raises nothing"
# r4 is now 31 days old: outside the window
sql "UPDATE \"case\" SET opened_at = opened_at - interval '31 days' WHERE report_id = '$r4'" >/dev/null
r5=$(report "$WB" "$GB" --category 11 --colour red --people 1)
is "$(alerts "$r5")" "" "a red report 31 days after the last one raises nothing"
r6=$(report "$WB" "$GB" --category 12 --colour red --people 5)
is "$(alerts "$r6")" "double_check $(caseof "$r5"); group " \
	"red and a group within the window: 一案双查 naming only the case inside it, and a group alert"

r7=$(report gw001 "$GA" --category 10 --colour green --people 1 --link "$r1")
is "$(alerts "$r7")" "repeat $(caseof "$r1")" "a linked report: repeat petition (重访) of the earlier case"
check "the repeat alert counts the petitions" sh -c "psql '$GR_DB' -XAtq -c \"SELECT note FROM alert a JOIN \\\"case\\\" c ON c.id = a.case_id WHERE c.report_id = '$r7'\" | grep -q '第 2 次'"

n=$(sql "SELECT count(*) FROM alert")
is "$n" 5 "five alerts in all"
published "$n"
check "every alert is marked published" wait_count 20 0 "SELECT count(*) FROM alert_unsent"
got=$(messages county | "$GRMSG" notice | grep '^alert ')
is "$(echo "$got" | wc -l)" "$n" "each alert reaches the county feed once"
check "the feed's alert names the case, the township and the related cases" \
	grep -q "^alert id=[0-9]* kind=double_check case=$(caseof "$r3") township=$A related=$(caseof "$r2") " <<<"$got"
is "$(messages townshipA | "$GRMSG" notice | grep -c '^alert ')" 0 "alerts go to the county, not the township's feed"

# An alert raised but not published (the collector died first) is
# published when a collector starts.
gr_collector_stop TERM
id=$(sql "SELECT a.id FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$r2'")
sql "INSERT INTO alert_unsent VALUES ($id)" >/dev/null
gr_collector_start "$T_DIR" "$BUILD"
published $((n + 1))
is "$(messages county | "$GRMSG" notice | grep -c "^alert id=$id kind=group ")" 2 \
	"an alert left unpublished is published by the next collector"
check "... and marked published" wait_count 20 0 "SELECT count(*) FROM alert_unsent"

# Two red reports of one township stored at the same moment (two
# collectors): the second waits for the first to commit, then sees it.
# Each transaction is a psql session of its own (lib.sh session_open).
# red_case N [WORKER GRID OPENED]: SQL opening a red case, number N, in
# township A (or GRID's, reported by WORKER) now (or at OPENED)
red_case() {
	local w=${2:-gw001} g=${3:-$GA} at=${4:-now()}
	printf "INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, category, colour, people, summary) VALUES ('01KCCCCCCCCCCCCCCCCCCCCC%02d', 1, '%s', 'd', '%s', now(), '10', 'red', 1, '并发');\n" "$1" "$w" "$g"
	printf "INSERT INTO \"case\" (case_no, report_id, county_code, township_code, level, unit_code, state, opened_at, response_due, resolve_due, route_rule, route_reason) VALUES ('530322-2099-%06d', '01KCCCCCCCCCCCCCCCCCCCCC%02d', '530322', '%s', 'county', '530322', 'routed', %s, now(), now(), 'red', 'test');\n" "$1" "$1" "${g:0:9}" "$at"
}
sql "UPDATE \"case\" SET opened_at = opened_at - interval '60 days' WHERE township_code = '$A'" >/dev/null
session_open tx1
session_open tx2
advisory() { [ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = $1")" -ge 1 ]; }
session_send tx1 "$(echo "BEGIN;"; red_case 1)"
gr_wait_for 20 "the first case to be in" advisory true
session_send tx2 "$(echo "BEGIN;"; red_case 2; echo "COMMIT;")"
waiting() { advisory false; }
check "the second red case of the township waits for the first to commit" gr_wait_for 20 "a lock wait" waiting
session_close tx1 "COMMIT;"
session_close tx2
is "$(sql "SELECT array_to_string(related, ',') FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000002' AND kind = 'double_check'")" \
	"530322-2099-000001" "... and then raises 一案双查 naming it"

check "analysts read the alerts" sh -c "psql '$GR_DB' -XAtq -c 'SET ROLE gr_analyst; SELECT count(*) FROM alert' | grep -qx $(sql "SELECT count(*) FROM alert")"

# A busy township: its 一案双查 alert names the 20 latest red or group
# cases of the window, oldest first, and its note counts them all.
sql "UPDATE \"case\" SET opened_at = opened_at - interval '60 days' WHERE township_code = '$A'" >/dev/null
for k in $(seq 10 34); do red_case "$k"; done | psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 >/dev/null
busy() { sql "SELECT $1 FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000034' AND a.kind = 'double_check'"; }
is "$(busy "cardinality(related) || ' ' || related[1] || ' ' || related[20]")" \
	"20 530322-2099-000014 530322-2099-000033" \
	"the 25th red case of a township names the 20 latest before it, oldest first"
check "... and its note counts all 24 before it" sh -c \
	"psql '$GR_DB' -XAtq -c \"SELECT note FROM alert a JOIN \\\"case\\\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000034' AND a.kind = 'double_check'\" | grep -q '第 25 起红色或群体性事件 (列出最近 20 起, 共 24 起)'"
is "$(sql "SELECT count(*) FROM alert_unsent u JOIN alert a ON a.id = u.alert_id JOIN \"case\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000034'")" 1 \
	"a young alert of a case opened by hand waits in alert_unsent (the sweep takes it once 30 s old)"

# The window rarely starts at midnight.  Past the 20 cases its alert lists,
# its count (schema/0035) takes the township's flagged cases per day from
# flagged_day for the days after its first, and those of its first day
# after its start from case_flagged.  A township with no case yet: flagged
# cases opened about the start of the window of a red case opened at
# 2026-06-15 12:00 UTC, which is 2026-05-16 12:00 UTC, two of them
# inside it, and one a day from 2026-05-17 to 2026-06-06: 23 inside it in
# all.  Opened by a session of another time zone: the days are UTC days,
# whoever counts them.
WC=$(sql "SELECT w.worker_id FROM worker_grid w WHERE substr(w.grid_code, 1, 9) NOT IN ('$A', '$B') ORDER BY 1 LIMIT 1")
GC=$(grid_of "$WC")
{
	echo "SET TimeZone = 'Asia/Shanghai';"
	k=40
	for at in '2026-05-15 23:59:59+00' '2026-05-16 00:00:00+00' \
		'2026-05-16 11:59:59+00' '2026-05-16 12:00:00+00' \
		'2026-05-16 12:00:01+00' '2026-05-16 23:59:59.999+00'; do
		red_case "$k" "$WC" "$GC" "'$at'"
		k=$((k + 1))
	done
	for d in $(seq 0 20); do
		red_case $((50 + d)) "$WC" "$GC" "'2026-05-17 00:00:00+00'::timestamptz + interval '$d days'"
	done
	echo "SET TimeZone = 'UTC';"
	red_case 80 "$WC" "$GC" "'2026-06-15 12:00:00+00'"
} | psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 >/dev/null
edge() { sql "SELECT $1 FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000080' AND a.kind = 'double_check'"; }
is "$(edge "cardinality(related) || ' ' || related[1] || ' ' || related[20]")" \
	"20 530322-2099-000051 530322-2099-000070" \
	"a window starting at noon names the latest 20 flagged cases inside it"
is "$(edge note)" "一案双查: 本乡镇 30 天内第 24 起红色或群体性事件 (列出最近 20 起, 共 23 起)" \
	"... and counts all 23, those of its first day after its start, none before"

# A township's days counted wrong (case_flagged emptied with its triggers
# off): a red case raises no alert that names no case.
is "$(sql_as postgres "BEGIN" "SET session_replication_role = replica" \
	"DELETE FROM case_flagged WHERE township_code = '$B'" \
	"RESET session_replication_role" "$(red_case 81 "$WB" "$GB")" \
	"SELECT count(*) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.case_no = '530322-2099-000081'" \
	"ROLLBACK")" 0 \
	"flagged_day counting cases case_flagged no longer holds: no 一案双查 alert naming none"

# Cases opened by one statement (as a collector's batch opens them) raise
# the same alerts, in the same order, as the same cases opened one
# statement each: 30 cases of two townships, repeats of one earlier case,
# opened from now to 36 days ago, so that later cases of the statement
# fall in earlier ones' windows.  statement_alerts COLOUR PEOPLE: with
# these SQL expressions of k for each case's colour and people; sets one
# and many, the alerts of each way.
R1CASE=$(sql "SELECT id FROM \"case\" WHERE report_id = '$r1'")
statement_alerts() {
psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 >"$T_DIR/statement-alerts.out" <<SQL
BEGIN;
CREATE TEMP TABLE spec AS
SELECT k, '01KDDDDDDDDDDDDDDDDDDDDD' || lpad(k::text, 2, '0') AS rid,
	CASE WHEN k % 3 = 0 THEN '$B' ELSE '$A' END AS township,
	CASE WHEN k % 3 = 0 THEN '$GB' ELSE '$GA' END AS grid,
	CASE WHEN k % 3 = 0 THEN '$WB' ELSE 'gw001' END AS worker,
	($1)::colour AS colour,
	$2 AS people,
	now() - make_interval(days => (k % 5) * 9) AS opened,
	CASE WHEN k % 4 = 0 THEN $R1CASE END AS repeat_of
FROM generate_series(1, 30) k;
INSERT INTO report (id, schema_version, worker_id, device_id, grid_code,
	created_at, category, colour, people, summary)
SELECT rid, 1, worker, 'd', grid, now(), '10', colour, people, '同批'
FROM spec ORDER BY k;
SAVEPOINT one_by_one;
DO \$\$
DECLARE s record;
BEGIN
	FOR s IN SELECT * FROM spec ORDER BY k LOOP
		INSERT INTO "case" (case_no, report_id, county_code, township_code,
			level, unit_code, state, opened_at, response_due, resolve_due,
			route_rule, route_reason, repeat_of)
		VALUES ('530322-2098-' || lpad(s.k::text, 6, '0'), s.rid, '530322',
			s.township, 'township', s.township, 'routed', s.opened, now(),
			now(), 'test', 'test', s.repeat_of);
	END LOOP;
END;
\$\$;
SELECT string_agg(c.case_no || ' ' || a.kind || ' ' ||
	array_to_string(a.related, ',') || ' ' || a.note, E'\\n' ORDER BY a.id)
	AS one FROM alert a JOIN "case" c ON c.id = a.case_id
	WHERE c.case_no LIKE '530322-2098-%' \gset
ROLLBACK TO one_by_one;
INSERT INTO "case" (case_no, report_id, county_code, township_code, level,
	unit_code, state, opened_at, response_due, resolve_due, route_rule,
	route_reason, repeat_of)
SELECT '530322-2098-' || lpad(k::text, 6, '0'), rid, '530322', township,
	'township', township, 'routed', opened, now(), now(), 'test', 'test',
	repeat_of
FROM spec ORDER BY k;
SELECT string_agg(c.case_no || ' ' || a.kind || ' ' ||
	array_to_string(a.related, ',') || ' ' || a.note, E'\\n' ORDER BY a.id)
	AS many FROM alert a JOIN "case" c ON c.id = a.case_id
	WHERE c.case_no LIKE '530322-2098-%' \gset
ROLLBACK;
\echo one
\echo :one
\echo many
\echo :many
SQL
one=$(sed -n '/^one$/,/^many$/p' "$T_DIR/statement-alerts.out" | sed '1d;$d')
many=$(sed '1,/^many$/d' "$T_DIR/statement-alerts.out")
}
# red or green, some of 6 people
statement_alerts "CASE WHEN k % 2 = 1 THEN 'red' ELSE 'green' END" \
	"CASE WHEN k % 5 = 0 THEN 6 ELSE 1 END"
is "$many" "$one" "cases opened by one statement raise the alerts of cases opened one by one"
is "$(printf '%s\n' "$one" | awk '{ print $2 }' | sort -u | tr '\n' ' ')" \
	"double_check group repeat " \
	"... repeats, group incidents and 一案双查 among them"
check "... one of which names the 20 latest of more" grep -q '列出最近 20 起' <<<"$one"
# none of them red or of 5 people or more: no 一案双查 to look for, the
# repeats raised by a statement of their own (schema/0038)
statement_alerts "CASE WHEN k % 2 = 1 THEN 'yellow' ELSE 'green' END" 1
is "$many" "$one" "cases none of them red or group, opened by one statement, raise the alerts of cases opened one by one"
is "$(printf '%s\n' "$many" | awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }')" \
	"7 repeat" "... the repeats of the 7 among them"
n0=$(sql "SELECT count(*) FROM \"case\" WHERE repeat_of = $R1CASE")
is "$(printf '%s\n' "$many" | sed -n 's/.*第 \([0-9]*\) 次.*/\1/p' | tr '\n' ' ')" \
	"$(seq $((n0 + 2)) $((n0 + 8)) | tr '\n' ' ')" \
	"... each counted in its place, after the earlier case and its $n0 repeats (第 N 次)"

# A case's county and unit follow from its township, and so do an
# alert's county (schema/0027_case_units_checked.sql): checked in the row,
# with no foreign key of their own.
c1=$(sql "SELECT id FROM \"case\" WHERE report_id = '$r1'")
sql_refused postgres case_township_county "UPDATE \"case\" SET county_code = '530323' WHERE id = $c1"
sql_refused postgres case_township_county "UPDATE \"case\" SET township_code = '${GA:0:12}', unit_code = '${GA:0:12}' WHERE id = $c1"
sql_refused postgres case_unit_of_level "UPDATE \"case\" SET unit_code = '$B' WHERE id = $c1"
sql_refused postgres case_unit_of_level "UPDATE \"case\" SET level = 'county' WHERE id = $c1"
sql_refused postgres case_township_code_ref "UPDATE \"case\" SET county_code = '530399', township_code = '530399001', unit_code = '530399001' WHERE id = $c1"
sql_refused postgres alert_township_county "UPDATE alert SET county_code = '530323' WHERE id = (SELECT min(id) FROM alert)"
is "$(sql_as postgres "BEGIN" "UPDATE \"case\" SET level = 'county', unit_code = county_code WHERE id = $c1 RETURNING unit_code" "ROLLBACK")" \
	530322 "a case goes to its county, level and unit together"

# A running collector publishes the alerts another collector left
# unpublished (it died between its commit and the mark) at its sweep, once
# they are ALERT_SETTLED_S (30 s) old; a younger one is still its own
# collector's to mark, and is left alone.
gr_collector_stop TERM
cp "$T_DIR/county.sub" "$T_DIR/county.sub.startup"
unsent=$(sql "SELECT alert_id FROM alert_unsent ORDER BY 1")
gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=1
check "the alerts of the cases opened by hand are published at startup" \
	wait_count 20 0 "SELECT count(*) FROM alert_unsent"
# messages_since FILE: the county feed's messages after those of FILE
messages_since() { messages county | tail -n +"$(($(grep -c '^gr/v1/' "$1") + 1))"; }
# per new message carrying alerts, their number
startup_lists() {
	messages_since "$T_DIR/county.sub.startup" | while read -r topic hex; do
		echo "$topic $hex" | "$GRMSG" notice | grep -c '^alert '
	done | grep -vx 0
}
all_there() { [ "$(startup_lists | awk '{ s += $1 } END { print s + 0 }')" = "$(echo "$unsent" | wc -l)" ]; }
gr_wait_for 20 "the $(echo "$unsent" | wc -l) alerts on the county feed" all_there
# taken 32 at a time, in order of id: a message per run of consecutive ids
runs=$(echo "$unsent" | awk '{ if (NR % 32 == 1 || $1 != p + 1) m++; p = $1 } END { print m }')
is "$(startup_lists | wc -l)" "$runs" \
	"the $(echo "$unsent" | wc -l) alerts come in $runs messages, one per run of consecutive ids"
old=$(sql "SELECT a.id FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$r3'")
young=$(sql "SELECT a.id FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$r7'")
feed_of() { messages county | "$GRMSG" notice | grep -c "^alert id=$1 "; }
young_before=$(feed_of "$young")
sql "INSERT INTO alert_unsent VALUES ($old), ($young); UPDATE alert SET raised_at = CASE id WHEN $old THEN now() - interval '1 hour' ELSE now() END WHERE id IN ($old, $young)" >/dev/null
check "an alert left unpublished an hour ago is published at the next sweep" \
	wait_count 20 0 "SELECT count(*) FROM alert_unsent WHERE alert_id = $old"
is "$(sql "SELECT count(*) FROM alert_unsent WHERE alert_id = $young")" 1 \
	"... not one raised a moment ago (its collector marks it)"
sql "UPDATE alert SET raised_at = now() - interval '1 minute' WHERE id = $young" >/dev/null
check "... until it is 30 s old" \
	wait_count 20 0 "SELECT count(*) FROM alert_unsent WHERE alert_id = $young"
published_young() { [ "$(feed_of "$young")" -gt "$young_before" ]; }
check "... and then it reaches the county feed again" gr_wait_for 20 "alert $young on the feed" published_young

# The news of one batch in few messages.  While a session holds table
# "case", the collector's transaction waits with one report; six more come
# meanwhile, each a repeat of r1's open case (so the county's), of
# different categories (so no two of one matter, which would go to
# different batches).  They are stored by the next batch together, and the
# county gets their six cases in one message and their six repeat alerts
# in another (Notice.list); the broker's one answer marks all six alerts
# published.
gr_collector_stop TERM
port=$(gr_free_port)
gr_collector_start "$T_DIR" "$BUILD" -o store_workers=1 -o metrics_port="$port"
cp "$T_DIR/county.sub" "$T_DIR/county.sub.before"
lock_cases hold
first=$(nowait agent_outbox gw001 batch-first -W 1 report --grid "$GA" --category 16 \
	--colour green --people 1 --summary "批量 先到" | cut -d: -f1)
check "the first report's transaction waits on table case" \
	gr_wait_for 20 "the collector waiting on table case" lock_waits 1 relation
for c in 10 11 12 13 14 15; do
	printf 'grid: %s\ncategory: %s\ncolour: green\npeople: 1\nsummary: 批量 %s\nlink: %s\n\n' \
		"$GA" "$c" "$c" "$r1"
done >"$T_DIR/batch.txt"
nowait agent_outbox gw001 batch-rest -W 1 report --file "$T_DIR/batch.txt" >/dev/null
waiting_is() {	# the collector holds N reports (queued, or in its batch)
	[ "$(curl -sf --max-time 10 "http://127.0.0.1:$port/metrics" |
		awk '$1 == "gr_collector_queue_length" { print $2 }')" = "$1" ]
}
check "the collector holds all seven reports" \
	gr_wait_for 20 "seven reports held" waiting_is 7
session_close hold "COMMIT;"
rest="SELECT c.case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.summary LIKE '批量 1_' ORDER BY 1"
check "the seven are stored" wait_count 20 7 "SELECT count(*) FROM report WHERE summary LIKE '批量 %'"
check "the six alerts are marked published" wait_count 20 0 \
	"SELECT count(*) FROM alert_unsent"
new_messages() { messages_since "$T_DIR/county.sub.before"; }
fed() { [ "$(new_messages | "$GRMSG" notice | grep -c "^$1 ")" -ge 6 ]; }
gr_wait_for 20 "the six cases on the county feed" fed case
gr_wait_for 20 "the six alerts on the county feed" fed alert
# per new message of the county feed: its case numbers, then its alert cases
new_messages | while read -r topic hex; do
	echo "$topic $hex" | "$GRMSG" notice |
		sed -n 's/^case case_no=\([^ ]*\) .*/\1/p; s/^alert id=[0-9]* kind=repeat case=\([^ ]*\) .*/alert:\1/p' |
		sort | tr '\n' ' '
	echo
done >"$T_DIR/batch-messages"
want_cases=$(sql "$rest" | tr '\n' ' ')
want_alerts=$(sql "$rest" | sed 's/^/alert:/' | tr '\n' ' ')
check "the six cases of the batch come in one message ($(wc -l <"$T_DIR/batch-messages") new messages)" \
	grep -qxF "$want_cases" "$T_DIR/batch-messages"
check "... and their six repeat alerts in one more" \
	grep -qxF "$want_alerts" "$T_DIR/batch-messages"
is "$(new_messages | "$GRMSG" notice | grep -c '^alert ')" 6 "each alert of the batch once"
is "$(sql "SELECT count(*) FROM alert a JOIN \"case\" c ON c.id = a.case_id JOIN report r ON r.id = c.report_id WHERE r.summary LIKE '批量 1_' AND a.kind = 'repeat'")" \
	6 "the six are repeats of r1's case"

# Deleting an alert, or emptying alert, takes the ids out of alert_unsent:
# no id is left waiting for an alert that is gone (a later alert of the
# same id would not be kept).
gr_collector_stop TERM
sql "INSERT INTO alert_unsent SELECT max(id) FROM alert" >/dev/null
is "$(sql "SELECT count(*) FROM alert_unsent")" 1 "an alert waits in alert_unsent"
last=$(sql "SELECT max(id) FROM alert")
sql "DELETE FROM alert WHERE id = $last" >/dev/null
is "$(sql "SELECT count(*) FROM alert_unsent")" 0 "deleting an alert takes its id out of alert_unsent"
sql "INSERT INTO alert_unsent SELECT max(id) FROM alert" >/dev/null
sql "TRUNCATE alert" >/dev/null
is "$(sql "SELECT count(*) FROM alert_unsent")" 0 "TRUNCATE alert empties alert_unsent"

# flagged_day holds case_flagged's number of cases per township and day
# (schema/0035), through cases opened one by one and by one statement,
# moved back 31 and 60 days, deleted or emptied.
days_differ="SELECT count(*) FROM (SELECT township_code, gr_utc_day(opened_at) AS day, count(*) AS n FROM case_flagged GROUP BY 1, 2) f FULL JOIN flagged_day d ON d.township_code = f.township_code AND d.day = f.day WHERE f.n IS DISTINCT FROM d.cases"
check "flagged_day holds days of the three townships" \
	test "$(sql "SELECT count(DISTINCT township_code) FROM flagged_day")" -ge 3
is "$(sql "$days_differ")" 0 "flagged_day counts the flagged cases of each township and day"
C40=$(sql "SELECT id FROM \"case\" WHERE case_no = '530322-2099-000040'")
C45=$(sql "SELECT id FROM \"case\" WHERE case_no = '530322-2099-000045'")
is "$(sql_as postgres "BEGIN" "DELETE FROM case_flagged WHERE case_id IN ($C40, $C45)" "$days_differ" "SELECT count(*) FROM flagged_day WHERE township_code = '${GC:0:9}' AND day IN ('2026-05-15', '2026-05-16')" "ROLLBACK")" \
	"0
1" "... less the deleted ones (a day left with none goes)"
is "$(sql_as postgres "BEGIN" "UPDATE \"case\" SET opened_at = opened_at + interval '1 hour' WHERE case_no LIKE '530322-2099-00004_'" "$days_differ" "ROLLBACK")" \
	0 "... moved across midnight by their cases"
is "$(sql_as postgres "BEGIN" "UPDATE case_flagged SET opened_at = opened_at - interval '12 hours' WHERE township_code = '${GC:0:9}'" "$days_differ" "UPDATE case_flagged SET case_no = case_no || '-x' WHERE township_code = '${GC:0:9}'" "$days_differ" "ROLLBACK")" \
	"0
0" "... moved by one statement, or renumbered"
is "$(sql_as postgres "BEGIN" "TRUNCATE case_flagged" "SELECT count(*) FROM flagged_day" "ROLLBACK")" \
	0 "TRUNCATE case_flagged empties flagged_day"
