#!/bin/bash
# test_batch.sh -- reports that reach the collector together are stored in
# one transaction with set-based statements (collector/store.c
# store_batch), with the same results as one at a time: case numbers
# consecutive in arrival order, two repeats of one case in the batch
# counted 第 2 次 and 第 3 次, text with quotes, backslashes, commas and
# braces kept as sent, a red and a group report raising 一案双查 between
# them, a duplicate answered with its case and a report of
# an unregistered grid rejected, next to the new ones.  The batch is made
# by holding a lock on table "case" until the reports have arrived.  Then
# what lets collectors store side by side (schema/0022): a case number
# taken by an open transaction holds nothing up, and a batch takes its
# 一案双查 township locks first, in one order.  A report stored meanwhile
# by a session that takes no matter lock fails its batch's plain INSERT,
# and the batch is stored one report at a time.  One store worker, whose
# batches these are (test_workers.sh: two side by side).
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD" -o store_workers=1
sql "UPDATE setting SET value = '0' WHERE name = 'repeat_window_days'" >/dev/null
G=$(grid_of gw001)
OTHER=$(sql "SELECT code FROM grid WHERE code NOT IN (SELECT grid_code FROM worker_grid WHERE worker_id = 'gw001') ORDER BY 1 LIMIT 1")
idof() { sql "SELECT id FROM report WHERE summary = '$1'"; }
# alerts_of ID: "kind related note-count" of the alerts of the report's case
alerts_of() { sql "SELECT string_agg(a.kind || ' ' || array_to_string(a.related, ',') || ' ' || coalesce(substring(a.note from '第 [0-9]+ 起'), substring(a.note from '[0-9]+ 人'), ''), '; ' ORDER BY a.kind::text) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$1'"; }
# other OUTBOX ARGS...: gw001 with an outbox of its own
other() { nowait agent_outbox gw001 "$@"; }
# hold_case NAME CATEGORY SUMMARY: session NAME locks table "case", and a
# report (of CATEGORY, with SUMMARY) comes that waits for it: the
# collector's next write waits, and what arrives meanwhile queues up for
# one batch, stored once session_close NAME COMMIT; lets the first go.
hold_case() {
	lock_cases "$1"
	other "$1" -W 1 report --grid "$G" --category "$2" --colour green \
		--people 1 --summary "$3" >/dev/null
	gr_wait_for 20 "the collector waits for table case" sql_is 1 \
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector' AND wait_event_type = 'Lock'"
}

agent gw001 -W 20 report --grid "$G" --category 15 --colour green --people 1 \
	--summary "批量 原案" >/dev/null
r0=$(idof "批量 原案")
c0=$(caseof "$r0")
check "the first report is stored ($c0)" [ -n "$c0" ]

# Reports of one grid and category, or linking to each other, go in
# separate batches (collector/store.c store_conflicts()): the categories
# differ.
hold_case wait 11 "批量 等待"

weird='引号 "a", 反斜杠 \ {b} 逗号,'
cat >"$T_DIR/batch.txt" <<EOF
grid: $G
category: 10
colour: green
people: 1
summary: 批量 重访一
link: $r0

grid: $G
category: 13
colour: green
people: 1
summary: 批量 重访二
link: $r0

grid: $G
category: 12
colour: yellow
people: 2
summary: 批量 $weird
description: $weird
party: petitioner:张"某\\,{}:13900001111
party: respondent:某公司:::某"公司"\\

grid: $G
category: 14
colour: red
people: 1
summary: 批量 红色一

grid: $G
category: 17
colour: yellow
people: 6
summary: 批量 群体二

grid: $OTHER
category: 12
colour: green
people: 1
summary: 批量 未登记网格
EOF
other batch -W 1 report --file "$T_DIR/batch.txt" >/dev/null
# and the first report once more: a duplicate in the same batch
sqlite3 "$T_DIR/agents/gw001.db" "UPDATE outbox SET state = 'queued' WHERE id = '$r0'"
nowait agent gw001 -W 1 sync >/dev/null

session_close wait "COMMIT;"
wait_count 20 7 "SELECT count(*) FROM report"
wait_count 20 1 "SELECT count(*) FROM dead_letter"

rw=$(idof "批量 等待")
r1=$(idof "批量 重访一")
r2=$(idof "批量 重访二")
r3=$(sql "SELECT id FROM report WHERE summary LIKE '批量 引号%'")
r4=$(idof "批量 红色一")
r5=$(idof "批量 群体二")
is "$(sql "SELECT count(DISTINCT xmin::text) FROM report WHERE id IN ('$r1', '$r2', '$r3', '$r4', '$r5')")" 1 \
	"the reports that arrived while the first waited were stored in one transaction"
is "$(sql "SELECT count(*) || ' ' || bool_and(right(case_no, 6)::int = n) FROM (SELECT case_no, row_number() OVER (ORDER BY id) AS n FROM \"case\") c")" \
	"7 true" "case numbers run 1 to 7 in the order the cases were inserted, no gap"
is "$(sql "SELECT string_agg(c.case_no || ' ' || coalesce(r.case_no, '-'), ',' ORDER BY c.id) FROM \"case\" c LEFT JOIN \"case\" r ON r.id = c.repeat_of WHERE c.report_id IN ('$r1', '$r2')")" \
	"$(caseof "$r1") $c0,$(caseof "$r2") $c0" "both repeats link to the original case"
is "$(sql "SELECT string_agg(substring(a.note from '第 [0-9]+ 次'), ',' ORDER BY c.id) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE a.kind = 'repeat' AND c.report_id IN ('$r1', '$r2')")" \
	"第 2 次,第 3 次" "two repeats of one case in a batch: 第 2 次, then 第 3 次"
is "$(alerts_of "$r4")" "" "the batch's first red report raises no alert"
is "$(alerts_of "$r5")" "double_check $(caseof "$r4") 第 2 起; group  6 人" \
	"the batch's group report: a group alert, and 一案双查 naming the red case before it"
is "$(sql "SELECT count(*) FROM case_flagged f JOIN \"case\" c ON c.id = f.case_id WHERE c.report_id IN ('$r4', '$r5')")" 2 \
	"both are recorded as red or group cases"
is "$(sql "SELECT summary = '批量 ' || \$\$$weird\$\$ AND description = \$\$$weird\$\$ FROM report WHERE id = '$r3'")" t \
	"quotes, backslashes, commas and braces are stored as sent"
is "$(sql "SELECT string_agg(idx || ':' || role || ':' || coalesce(name, '-') || ':' || coalesce(phone, '-') || ':' || coalesce(organisation, '-'), '|' ORDER BY idx) FROM party WHERE report_id = '$r3'")" \
	'1:petitioner:张"某\,{}:13900001111:-|2:respondent:某公司:-:某"公司"\' \
	"the parties are stored as sent"
is "$(sql "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.report_id IN ('$r1', '$r2', '$r3')")" 6 \
	"two events for each case"
is "$(sql "SELECT reason FROM dead_letter")" not_registered \
	"the report of a grid the worker is not registered for is rejected"
is "$(sql "SELECT count(*) FROM report WHERE id = '$r0'")" 1 "the resent report is stored once"

# ---- A case number holds nothing up -------------------------------------
# Case numbers come from the county's sequence for the year (0022), not a
# counter row locked to the commit: a transaction that took a number and
# is still open does not hold up the next report's case.  The number it
# rolls back is a gap.
YEAR=$(sql "SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')")
session_open no
session_send no "BEGIN; SELECT 'no ' || no FROM gr_case_numbers(ARRAY['530322'], $YEAR);"
session_wait no "^no "
held=$(sed -n 's/^no //p' "$T_DIR/no.out")
other open -W 20 report --grid "$G" --category 18 --colour green --people 1 \
	--summary "编号 未提交" >/dev/null
is "$?" 0 "a report is stored while another transaction holds case number $held"
session_close no "ROLLBACK;"
is "$(sql "SELECT right(case_no, 6)::int > $held FROM \"case\" WHERE report_id = '$(idof "编号 未提交")'")" t \
	"its number follows the one taken"

# ---- A batch takes its 一案双查 township locks first, in one order ---------
# So that collectors (or connections) of one county store side by side
# (schema/0022_case_number_sequences.sql), a batch takes the township locks
# of its red and group cases before its cases, sorted, rather than case by
# case in the trigger: two batches can then never each hold a township the
# other waits for.  Another session holds the first township's lock; a
# batch whose red report of the last township comes first waits for it
# holding no lock at all (case by case, it would hold the last one's).
# TLO and THI: the townships with grid workers whose locks come first and
# last in that order (gr_lock_townships: by the lock key, hashtext).
towns="SELECT DISTINCT substr(wg.grid_code, 1, 9) AS t FROM worker_grid wg JOIN worker w ON w.id = wg.worker_id WHERE w.active"
TLO=$(sql "SELECT t FROM ($towns) s ORDER BY hashtext(t) LIMIT 1")
THI=$(sql "SELECT t FROM ($towns) s ORDER BY hashtext(t) DESC LIMIT 1")
worker_in() { sql "SELECT min(wg.worker_id) FROM worker_grid wg JOIN worker w ON w.id = wg.worker_id WHERE w.active AND substr(wg.grid_code, 1, 9) = '$1'"; }
WLO=$(worker_in "$TLO")
WHI=$(worker_in "$THI")
check "two townships with grid workers ($TLO $WLO, $THI $WHI)" [ -n "$WLO" -a -n "$WHI" -a "$TLO" != "$THI" ]
before=$(sql "SELECT count(*) FROM report")

hold_case wait2 16 "锁序 等待"
session_open town
session_send town "BEGIN; SELECT gr_lock_townships(ARRAY['$TLO'], ARRAY['red'], ARRAY[1]); SELECT 'held';"
session_wait town held
nowait agent "$WHI" -W 1 report --grid "$(grid_of "$WHI")" --category 14 --colour red \
	--people 1 --summary "锁序 后乡镇" >/dev/null
nowait agent "$WLO" -W 1 report --grid "$(grid_of "$WLO")" --category 14 --colour red \
	--people 1 --summary "锁序 前乡镇" >/dev/null
session_close wait2 "COMMIT;"
gr_wait_for 20 "the next batch waits for township $TLO" advisory_waits 1 gr_double_check
is "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'gr-collector' AND l.locktype = 'advisory' AND l.classid = hashtext('gr_double_check')::oid AND l.granted")" 0 \
	"waiting for township $TLO, the batch holds no township lock (not $THI's)"
session_close town "COMMIT;"
wait_count 20 $((before + 3)) "SELECT count(*) FROM report"
rlo=$(idof "锁序 前乡镇")
rhi=$(idof "锁序 后乡镇")
is "$(sql "SELECT count(DISTINCT xmin::text) FROM report WHERE id IN ('$rlo', '$rhi')")" 1 \
	"the two red reports were one batch"
is "$(sql "SELECT string_agg(c.township_code, ' ' ORDER BY c.id) FROM \"case\" c JOIN case_flagged f ON f.case_id = c.id WHERE c.report_id IN ('$rlo', '$rhi')")" \
	"$THI $TLO" "$THI's red case came first in the batch, and both are recorded as red"
# Which cases need a township's lock: red ones and those of 5 people or
# more (as gr_cases_alerts() counts them for 一案双查), not the others.
locked=$(psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" \
	-c "SELECT gr_lock_townships(ARRAY['$TLO', '$THI', '530322999', NULL], ARRAY['red', 'green', 'yellow', 'red'], ARRAY[1, 5, 4, 9])" \
	-c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()" \
	-c "ROLLBACK" | tail -n 1)
is "$locked" 2 "a red case's and a 5-person case's townships are locked, not a yellow 4-person one's"

# The batch inserts its reports by a plain INSERT: its checks found none
# stored under the ids' locks.  A writer that takes no matter lock (a
# session here) stores one of them meanwhile: the batch's INSERT waits for
# it, fails (23505) when it commits, and the batch goes one report at a
# time: that report is a duplicate with the session's case, the other
# report of the batch is stored.
RID=01J0BATCHRACE0000000000001
# Deadlines in working days (schema/0040_deadline_days.sql), the next
# weekday off: the report stored one at a time has them too.
sql "UPDATE setting SET value = 'working' WHERE name = 'deadline_days';
	INSERT INTO holiday (day, working, name)
	SELECT d, false, '测试假日' FROM generate_series(1, 7) i,
		LATERAL (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + i AS d) x
	WHERE extract(isodow FROM d) < 6 ORDER BY i LIMIT 1" >/dev/null || exit 1
subscribe feeds 'gr/v1/dispatch/#'
"$GRMSG" report --id "$RID" --category 17 --item 1701 --summary "竞争 会话先存" >"$T_DIR/race.pb"
before=$(sql "SELECT count(*) FROM report")
session_open race
session_send race "BEGIN;
INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, occurred_at, category, item, colour, people, amount_fen, summary, description, lat, lon, address, resolved_on_spot, channel, link_report_id)
	SELECT '$RID', schema_version, worker_id, device_id, grid_code, created_at, occurred_at, '17', '1701', colour, people, amount_fen, '竞争 会话先存', description, lat, lon, address, resolved_on_spot, channel, NULL FROM report WHERE id = '$r0';
SELECT 'inserted';"
session_wait race inserted
hold_case wait3 18 "竞争 等待"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t gr/v1/report/gw001 -f "$T_DIR/race.pb"
other wait3 -W 1 report --grid "$G" --category 19 --colour green --people 1 \
	--summary "竞争 同批" >/dev/null
session_close wait3 "COMMIT;"
gr_wait_for 20 "the batch's INSERT waits for the session's report" sql_is 1 \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO report%'"
check "the batch's INSERT waits for the session's report" [ $? = 0 ]
session_close race "INSERT INTO \"case\" (case_no, report_id, county_code, township_code, level, unit_code, state, response_due, resolve_due, route_rule, route_reason)
	SELECT case_no || '-R', '$RID', county_code, township_code, level, unit_code, 'routed', response_due, resolve_due, route_rule, route_reason FROM \"case\" WHERE report_id = '$r0';
COMMIT;"
wait_count 20 $((before + 3)) "SELECT count(*) FROM report"
is "$(sql "SELECT count(*) FROM report WHERE id = '$RID'")" 1 "the report the session stored is stored once"
is "$(sql "SELECT case_no FROM \"case\" WHERE report_id = '$RID'")" "${c0}-R" "... with the session's case alone"
gr_wait_for 20 "the collector answers it" grep -q "event=report-duplicate report=$RID " "$T_DIR/collector.log"
check "the collector answers it as a duplicate" [ $? = 0 ]
check "... after its batch failed on the key and went one at a time" \
	grep -q "event=db-batch-singly stage=pipeline sqlstate=23505" "$T_DIR/collector.log"
check "the other report of that batch is stored, with its case" \
	[ -n "$(caseof "$(idof "竞争 同批")")" ]
cs=$(caseof "$(idof "竞争 同批")")
# the resolve_days-th day after its opening that is a weekday and not the
# holiday, counted here day by day
is "$(sql "SELECT (resolve_due AT TIME ZONE 'Asia/Shanghai')::date - 1 FROM \"case\" WHERE case_no = '$cs'")" \
	"$(sql "SELECT d FROM \"case\" c, generate_series(1, 200) i,
		LATERAL (SELECT (c.opened_at AT TIME ZONE 'Asia/Shanghai')::date + i AS d) x
		WHERE c.case_no = '$cs' AND extract(isodow FROM d) < 6
		AND d NOT IN (SELECT day FROM holiday)
		ORDER BY i OFFSET (SELECT resolve_days FROM deadline_policy WHERE colour = 'green') - 1 LIMIT 1")" \
	"... its resolution deadline in working days, as set"
gr_wait_for 20 "the case's dispatch entry" sh -c \
	"grep '^gr/v1/dispatch/' '$T_DIR/feeds.sub' | '$GRMSG' notice | grep -q 'case case_no=$cs '"
is "$(messages feeds | "$GRMSG" notice | grep "case case_no=$cs " | head -n 1 | awk '{print $9}')" \
	"event=$(sql "SELECT max(e.id) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$cs'")" \
	"... and its dispatch entry, made one report at a time, names the case's latest event"
