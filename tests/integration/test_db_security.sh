#!/bin/bash
# test_db_security.sh -- the database roles of schema/0005_roles.sql:
# the real collector works as a login role of gr_collector and can do
# nothing more; a township dispatcher sees its township's rows only (row-
# level security by current_user), a county dispatcher its whole county;
# an analyst sees masked views only and writes nothing; no party's phone,
# ID number or name reaches the collector's, the agents' or the database's
# logs.  The migration also applies to a second database of the cluster,
# run by a non-superuser owner, when the roles exist already.
. "$(dirname "$0")/lib.sh"

start_servers

# Known parties (invented; the ID numbers carry a valid checksum).
P1_NAME=欧阳明华 P1_PHONE=13912340001 P1_ID=53032219850718123X
P2_NAME=李秀英 P2_PHONE=13800005678 P2_ID=530322199003014563
P3_NAME=段春花 P3_PHONE=13700001111
SECRETS="$P1_NAME $P1_PHONE $P1_ID $P2_NAME $P2_PHONE $P2_ID $P3_NAME $P3_PHONE"

DENIED="permission denied"

# ---- Login roles, as a deployment makes them --------------------------------
sql "CREATE ROLE collector_login LOGIN IN ROLE gr_collector;
	CREATE ROLE disp_530322001 LOGIN IN ROLE gr_dispatcher;
	CREATE ROLE disp_530322101 LOGIN IN ROLE gr_dispatcher;
	CREATE ROLE disp_530322 LOGIN IN ROLE gr_dispatcher;
	CREATE ROLE analyst_1 LOGIN IN ROLE gr_analyst;
	INSERT INTO dispatcher_unit (role_name, unit_code) VALUES
		('disp_530322001', '530322001'), ('disp_530322101', '530322101'),
		('disp_530322', '530322')" || exit 1
is "$(sql "SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles
	WHERE rolname LIKE 'gr\_%' AND NOT rolcanlogin AND NOT rolbypassrls AND NOT rolsuper")" \
	"gr_analyst gr_collector gr_dispatcher" "three NOLOGIN group roles, none bypasses RLS"
is "$(sql "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
	WHERE relrowsecurity AND NOT relforcerowsecurity AND relnamespace = 'public'::regnamespace")" \
	"case case_event dispatcher_unit party report" \
	"row-level security is enabled (not forced) on case, case_event, dispatcher_unit, party, report"
sql_refused postgres "not a member of gr_dispatcher" "INSERT INTO dispatcher_unit VALUES ('analyst_1', '530322')"
sql_refused postgres "does not exist" "INSERT INTO dispatcher_unit VALUES ('nobody', '530322')"
sql_refused postgres "violates check constraint" "INSERT INTO dispatcher_unit VALUES ('disp_530322', '530322001001')"

# ---- The real collector as collector_login -----------------------------------
# Everything the collector does at work (store, dead-letter, the overdue
# sweep at start) must succeed with gr_collector's rights: no warning.
gr_collector_start "$T_DIR" "$BUILD" -l debug -d "$(conn_as collector_login)" || exit 1
is "$(sql "SELECT string_agg(DISTINCT usename, ' ') FROM pg_stat_activity WHERE application_name = 'gr-collector'")" \
	collector_login "the collector is connected as collector_login"

# send WORKER OUTNAME ARGS...: a report; output and errors kept for the log check
send() {
	local w=$1 name=$2
	shift 2
	agent "$w" -l debug -W 20 report --grid "$(grid_of "$w")" "$@" \
		>>"$T_DIR/agent-$name.out" 2>>"$T_DIR/agent-$name.err"
}
rc_all=""
send gw001 a1 --category 02 --item 0201 --colour yellow --people 3 --amount 86000 \
	--summary "欧阳某反映工地拖欠工资, 电话$P1_PHONE" \
	--description "身份证$P1_ID, 电话 $P1_PHONE" --address "东门社区3组" \
	--party "petitioner:$P1_NAME:$P1_PHONE:$P1_ID" \
	--party "respondent:王某:::陆良某建筑公司"; rc_all="$rc_all $?"
send gw001 a2 --category 10 --colour red --people 2 --summary "相邻通行纠纷激化" \
	--party "petitioner:$P3_NAME:$P3_PHONE"; rc_all="$rc_all $?"
send gw002 a3 --category 10 --item 1001 --colour green --people 2 \
	--summary "排水沟堵塞引发邻里矛盾"; rc_all="$rc_all $?"
send gw013 b1 --category 09 --colour yellow --people 2 --summary "家庭赡养纠纷" \
	--party "petitioner:$P2_NAME:$P2_PHONE:$P2_ID"; rc_all="$rc_all $?"
send gw014 b2 --category 03 --colour green --people 1 --summary "承包地边界争议" \
	--party "petitioner:$P2_NAME:$P2_PHONE:$P2_ID" --party "respondent:$P1_NAME:$P1_PHONE"; rc_all="$rc_all $?"
send gw008 c1 --category 07 --colour green --people 1 --summary "物业费纠纷"; rc_all="$rc_all $?"
is "$rc_all" " 0 0 0 0 0 0" "six reports from two townships (and a third) are stored under gr_collector"
# A report for a grid gw001 does not serve: rejected, kept in dead_letter.
agent gw001 -l debug -W 20 report --grid "$(grid_of gw013)" --category 10 --colour green \
	--people 1 --summary "越界上报" --party "petitioner:$P1_NAME:$P1_PHONE:$P1_ID" \
	>>"$T_DIR/agent-bad.out" 2>>"$T_DIR/agent-bad.err"
is "$?" 4 "a report for a foreign grid is rejected (exit 4)"

is "$(sql "SELECT count(*) FROM report")" 6 "6 report rows"
is "$(sql "SELECT count(*) FROM \"case\"")" 6 "6 cases"
is "$(sql "SELECT count(*) FROM case_event")" 12 "12 case events"
is "$(sql "SELECT count(*) FROM party")" 6 "6 parties"
YEAR=$(sql "SELECT gr_case_year()")
is "$(sql "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relkind = 'S' AND relname LIKE 'case\_no\_%'")" \
	"case_no_530322_$YEAR case_no_530322_$((YEAR + 1))" \
	"the county's case number sequences for this year and the next are made ahead"
is "$(sql "SELECT last_value || ' ' || is_called FROM case_no_530322_$YEAR")" "6 true" \
	"this year's has given the six cases their numbers"
is "$(sql "SELECT reason FROM dead_letter")" not_registered "the rejected report is dead-lettered"
is "$(grep -c 'event=report-stored' "$T_DIR/collector.log")" 6 "the collector logged 6 stored reports"
is "$(grep 'level=error\|level=warn' "$T_DIR/collector.log")" "" "the collector logged no error or warning"
RED=$(sql "SELECT report_id FROM \"case\" WHERE route_rule = 'red'")
is "$(sql "SELECT level || ' ' || unit_code || ' ' || township_code FROM \"case\" WHERE report_id = '$RED'")" \
	"county 530322 530322001" "the red report of 530322001 is a county case"
# A resend after a lost Ack reads the existing case (the duplicate path).
rid=$(sqlite3 "$T_DIR/agents/gw002.db" "SELECT id FROM outbox LIMIT 1")
sqlite3 "$T_DIR/agents/gw002.db" "UPDATE outbox SET state = 'queued', case_no = NULL WHERE id = '$rid'"
agent gw002 -W 20 sync >>"$T_DIR/agent-a3.out" 2>>"$T_DIR/agent-a3.err"
is "$?:$(sqlite3 "$T_DIR/agents/gw002.db" "SELECT duplicate FROM outbox WHERE id = '$rid'")" "0:1" \
	"a resent report gets its duplicate Ack under gr_collector"

# ---- What the collector role cannot do ---------------------------------------
sql_refused collector_login "$DENIED" "DELETE FROM report"
sql_refused collector_login "$DENIED" "UPDATE report SET summary = 'x'"
sql_refused collector_login "$DENIED" "UPDATE \"case\" SET state = 'closed'"
sql_refused collector_login "$DENIED" "DELETE FROM \"case\""
sql_refused collector_login "$DENIED" "DELETE FROM case_event"
sql_refused collector_login "$DENIED" "TRUNCATE dead_letter"
sql_refused collector_login "$DENIED" "SELECT count(*) FROM party"
sql_refused collector_login "$DENIED" "SELECT payload FROM dead_letter"
SEQ=case_no_530322_$YEAR
sql_refused collector_login "$DENIED" "SELECT setval('$SEQ', 1)"
sql_refused collector_login "$DENIED" "SELECT nextval('$SEQ')"
sql_refused collector_login "$DENIED" "SELECT gr_case_no_seq('530322', 2000)"
# A temporary sequence of the collector's own does not stand in for the
# county's (last year's is not made ahead): the numbers come from one in
# public, made for them.
is "$(sql_as collector_login "CREATE TEMP SEQUENCE case_no_530322_$((YEAR - 1)) START 500" \
	"SELECT no FROM gr_case_numbers(ARRAY['530322'], $((YEAR - 1)))" 2>&1)" 1 \
	"a temporary sequence named like the county's is not used"
sql_refused collector_login "no county 530399" "SELECT * FROM gr_case_numbers(ARRAY['530399'], $YEAR)"
sql_refused collector_login "no case numbers for year $((YEAR + 2))" "SELECT * FROM gr_case_numbers(ARRAY['530322'], $((YEAR + 2)))"
sql_refused collector_login "$DENIED" "INSERT INTO route_rule (name, priority, level, reason) VALUES ('x', 1, 'county', 'x')"
sql_refused collector_login "$DENIED" "INSERT INTO dispatcher_unit VALUES ('collector_login', '530322')"
sql_refused collector_login "$DENIED" "SELECT rolpassword FROM pg_authid"
sql_refused collector_login "$DENIED" "SELECT pg_read_file('PG_VERSION')"
sql_refused collector_login "$DENIED" "CREATE TABLE stash (x text)"
sql_refused collector_login "superuser\|$DENIED" "COPY report TO PROGRAM 'cat'"
sql_refused collector_login "$DENIED" "SET ROLE postgres"
sql_refused collector_login "must be owner" "ALTER TABLE report DISABLE ROW LEVEL SECURITY"

# ---- Dispatchers: row-level security -----------------------------------------
# counts ROLE: "reports cases parties events" as ROLE sees them
counts() {
	sql_as "$1" "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM \"case\")
		|| ' ' || (SELECT count(*) FROM party) || ' ' || (SELECT count(*) FROM case_event)"
}
# expected AREA: the same counts, as the superuser computes them for an area
expected() {
	sql "SELECT (SELECT count(*) FROM report WHERE grid_code LIKE '$1%') || ' ' ||
		(SELECT count(*) FROM \"case\" WHERE township_code LIKE '$1%') || ' ' ||
		(SELECT count(*) FROM party p JOIN report r ON r.id = p.report_id WHERE r.grid_code LIKE '$1%')
		|| ' ' || (SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id
		WHERE c.township_code LIKE '$1%')"
}
is "$(expected 530322001)" "3 3 3 6" "(530322001 has 3 reports, 3 cases, 3 parties, 6 events)"
is "$(expected 530322101)" "2 2 3 4" "(530322101 has 2 reports, 2 cases, 3 parties, 4 events)"
is "$(counts disp_530322001)" "$(expected 530322001)" \
	"the 530322001 dispatcher sees its township's reports, cases, parties, events"
is "$(counts disp_530322101)" "$(expected 530322101)" \
	"the 530322101 dispatcher sees its township's reports, cases, parties, events"
is "$(counts disp_530322)" "$(expected 530322)" "the county dispatcher sees the whole county"
is "$(counts disp_530322)" "6 6 6 12" "(which is every row)"
is "$(sql_as disp_530322001 "SELECT count(*) FROM report WHERE grid_code NOT LIKE '530322001%'")
$(sql_as disp_530322001 "SELECT count(*) FROM \"case\" WHERE township_code <> '530322001'")
$(sql_as disp_530322001 "SELECT count(*) FROM party p WHERE p.report_id IN (SELECT id FROM report WHERE grid_code NOT LIKE '530322001%')")" \
	"0
0
0" "the 530322001 dispatcher sees no row of another township"
B1=$(sql "SELECT id FROM report WHERE grid_code LIKE '530322101%' ORDER BY id LIMIT 1")
is "$(sql_as disp_530322001 "SELECT (SELECT count(*) FROM report WHERE id = '$B1')
	+ (SELECT count(*) FROM party WHERE report_id = '$B1')")" 0 \
	"a 530322101 report and its parties are invisible to 530322001, even by id"
is "$(sql_as disp_530322001 "SELECT count(*) FROM \"case\" WHERE report_id = '$RED'")" 1 \
	"the township sees the county-level case of its own territory"
is "$(sql_as disp_530322101 "SELECT count(*) FROM \"case\" WHERE report_id = '$RED'")" 0 \
	"another township does not"
is "$(sql_as disp_530322001 "SELECT count(*) FROM party WHERE phone = '$P2_PHONE'")" 0 \
	"530322001 cannot find the other township's party by phone"
is "$(sql_as disp_530322001 "SELECT role_name || ' ' || unit_code FROM dispatcher_unit")" \
	"disp_530322001 530322001" "a dispatcher sees its own unit only"

# A session cannot widen its view.
for v in "SET gr.unit = '530322'" "SET app.township = '530322101'" \
	"DO \$\$ BEGIN PERFORM set_config('gr.dispatcher_unit', '530322', false); END \$\$" \
	"SET application_name = 'gr-collector'"; do
	is "$(sql_as disp_530322001 "$v" "SELECT count(*) FROM report")" 3 "after $v the dispatcher still sees 3 reports"
done
is "$(sql_as disp_530322001 "CREATE TEMP TABLE dispatcher_unit (role_name name, unit_code text)" \
	"INSERT INTO dispatcher_unit VALUES (current_user, '530322')" \
	"SELECT count(*) FROM report")" 3 "a temporary dispatcher_unit does not stand in for the real one"
is "$(sql_as disp_530322001 "SET ROLE gr_dispatcher" "SELECT count(*) FROM \"case\"")" 0 \
	"SET ROLE gr_dispatcher (no unit) sees nothing"
sql_refused disp_530322001 "$DENIED" "SET ROLE disp_530322"
sql_refused disp_530322001 "$DENIED" "SET SESSION AUTHORIZATION disp_530322"
sql_refused disp_530322001 "row-level security" "SET row_security = off" "SELECT count(*) FROM report"

# A dispatcher writes nothing (case actions go through the collector).
sql_refused disp_530322001 "$DENIED" "INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, category, colour, people, summary) VALUES ('01J00000000000000000000000', 1, 'gw001', 'x', '530322001001001', now(), '10', 'green', 1, 'x')"
sql_refused disp_530322001 "$DENIED" "UPDATE \"case\" SET state = 'closed'"
sql_refused disp_530322001 "$DENIED" "DELETE FROM party"
sql_refused disp_530322001 "$DENIED" "UPDATE party SET phone = NULL"
sql_refused disp_530322001 "$DENIED" "INSERT INTO case_event (case_id, actor, to_state) SELECT id, 'me', 'closed' FROM \"case\" LIMIT 1"
sql_refused disp_530322001 "$DENIED" "UPDATE dispatcher_unit SET unit_code = '530322'"
sql_refused disp_530322001 "$DENIED" "INSERT INTO dispatcher_unit VALUES ('disp_x', '530322')"
sql_refused disp_530322001 "$DENIED" "SELECT count(*) FROM dead_letter"
sql_refused disp_530322001 "$DENIED" "UPDATE route_rule SET enabled = false"
sql_refused disp_530322001 "$DENIED" "SELECT * FROM gr_case_numbers(ARRAY['530322'], 2000)"
sql_refused disp_530322001 "$DENIED" "SELECT gr_lock_townships(ARRAY['530322001'], ARRAY['red'], ARRAY[1])"
sql_refused disp_530322001 "$DENIED" "SELECT gr_lock_batch(ARRAY['530322001'], ARRAY['red'], ARRAY[1], ARRAY[1::bigint])"
# The repeat search reads the petitioners' phones and ID numbers: the
# collector's alone.
sql_refused disp_530322001 "$DENIED" "SELECT * FROM gr_find_repeats(ARRAY[NULL], ARRAY['530322001001001'], ARRAY['10'], ARRAY['{13911112222}'], ARRAY['{}'])"
sql_refused analyst_1 "$DENIED" "SELECT * FROM gr_find_repeats(ARRAY[NULL], ARRAY['530322001001001'], ARRAY['10'], ARRAY['{}'], ARRAY['{11010519491231002X}'])"
sql_refused disp_530322 "$DENIED" "DELETE FROM report"
# Taking a dispatcher off: its unit row goes, and it sees nothing at once.
sql "DELETE FROM dispatcher_unit WHERE role_name = 'disp_530322101'"
is "$(counts disp_530322101)" "0 0 0 0" "a dispatcher without a unit sees nothing"

# ---- Analysts: masked views only ---------------------------------------------
sql_refused analyst_1 "$DENIED" "SELECT count(*) FROM party"
sql_refused analyst_1 "$DENIED" "SELECT count(*) FROM report"
sql_refused analyst_1 "$DENIED" "SELECT count(*) FROM \"case\""
sql_refused analyst_1 "$DENIED" "SELECT count(*) FROM case_event"
sql_refused analyst_1 "$DENIED" "SELECT payload FROM dead_letter"
sql_refused analyst_1 "$DENIED" "SELECT phone FROM worker"
sql_refused analyst_1 "does not exist" "SELECT payload FROM analyst_dead_letter"
sql_refused analyst_1 "does not exist" "SELECT description FROM analyst_report"
P1_REPORT=$(sql "SELECT report_id FROM party WHERE phone = '$P1_PHONE' AND id_number IS NOT NULL")
is "$(sql_as analyst_1 "SELECT name || ' ' || phone || ' ' || id_number FROM analyst_party WHERE report_id = '$P1_REPORT' AND idx = 1")" \
	"欧阳* 139****0001 5303**********123X" "the analyst sees 欧阳明华's name, phone and ID masked"
is "$(sql_as analyst_1 "SELECT DISTINCT name || ' ' || phone || ' ' || id_number FROM analyst_party WHERE role = 'petitioner' AND id_number LIKE '%4563'")" \
	"李* 138****5678 5303**********4563" "and 李秀英's"
is "$(sql_as analyst_1 "SELECT count(*) FROM analyst_report")/$(sql_as analyst_1 "SELECT count(*) FROM analyst_party")/$(sql_as analyst_1 "SELECT count(*) FROM analyst_case")/$(sql_as analyst_1 "SELECT count(*) FROM analyst_case_event")/$(sql_as analyst_1 "SELECT count(*) FROM analyst_dead_letter")" \
	"6/6/6/12/1" "the analyst views cover the whole county (reports/parties/cases/events/dead letters)"
is "$(sql_as analyst_1 "SELECT summary FROM analyst_report WHERE id = '$P1_REPORT'")" \
	"欧阳某反映工地拖欠工资, 电话***" "a phone number typed into the summary is masked"
is "$(sql_as analyst_1 "SELECT phone FROM analyst_worker WHERE id = 'gw001'")" "139****0001" \
	"grid workers' phones are masked as well"
is "$(sql_as analyst_1 "SELECT township_code || ' ' || count(*) FROM analyst_report GROUP BY township_code ORDER BY township_code" | tr '\n' ,)" \
	"530322001 3,530322002 1,530322101 2," "an analyst counts reports per township"

# Every analyst view, dumped whole: no phone, ID number or name of a party.
views=$(sql "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.views
	WHERE table_schema = 'public' AND table_name LIKE 'analyst\_%'")
is "$(sql_as analyst_1 "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.views
	WHERE table_schema = 'public' AND table_name LIKE 'analyst\_%'")" "$views" \
	"the analyst can read every analyst view ($views)"
: >"$T_DIR/analyst.dump"
for v in $views; do
	sql_as analyst_1 "COPY (SELECT * FROM $v) TO STDOUT" >>"$T_DIR/analyst.dump" ||
		not_ok "dump of $v"
done
check "the analyst views hold data ($(wc -l <"$T_DIR/analyst.dump") rows)" \
	[ "$(wc -l <"$T_DIR/analyst.dump")" -gt 50 ]
leaks=""
for s in $SECRETS; do
	grep -qF -- "$s" "$T_DIR/analyst.dump" && leaks="$leaks $s"
done
is "$leaks" "" "no party's phone, ID number or full name in any analyst view"

sql_refused analyst_1 "$DENIED" "INSERT INTO analyst_party (report_id, idx, role) VALUES ('$P1_REPORT', 9, 'other')"
sql_refused analyst_1 "$DENIED" "UPDATE analyst_report SET people = 1"
sql_refused analyst_1 "$DENIED" "DELETE FROM analyst_case"
sql_refused analyst_1 "$DENIED" "DELETE FROM analyst_dead_letter"
sql_refused analyst_1 "$DENIED" "INSERT INTO division VALUES ('530399', 'county', NULL, 'x', 'x')"
sql_refused analyst_1 "$DENIED" "UPDATE route_rule SET enabled = false"
sql_refused analyst_1 "$DENIED" "CREATE TABLE stash (x text)"
sql_refused analyst_1 "$DENIED" "SELECT count(*) FROM dispatcher_unit"

# ---- The logs ------------------------------------------------------------------
gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the collector drains and exits 0"
logs="$T_DIR/collector.log $T_DIR/pg/server.log $(ls "$T_DIR"/agent-*.out "$T_DIR"/agent-*.err)"
check "the agents' output was captured" [ "$(cat "$T_DIR"/agent-*.out | wc -l)" -ge 7 ]
leaks=""
for s in $SECRETS; do
	for f in $logs; do
		grep -qF -- "$s" "$f" && leaks="$leaks $s:$(basename "$f")"
	done
done
is "$leaks" "" "no phone, ID number or name of a party in the collector's, agents' or database's logs"

# ---- A second database of the cluster, migrated by a non-superuser owner -------
sql "CREATE ROLE migrator LOGIN CREATEROLE" && sql "CREATE DATABASE county2 OWNER migrator"
out=$("$GR_TOP/schema/migrate.sh" "$(conn_as migrator county2)" 2>&1)
case $out in
*"applied 0005_roles"*) ok "migrate.sh applies every migration to a second database, roles already there" ;;
*) not_ok "migrate.sh applies every migration to a second database (got: $out)" ;;
esac
is "$("$GR_TOP/schema/migrate.sh" "$(conn_as migrator county2)" 2>&1)" "migrate: schema is up to date" \
	"and a second run changes nothing"
is "$(psql "$(conn_as analyst_1 county2)" -XAtq -c "SELECT count(*) FROM analyst_party")" 0 \
	"the analyst reads the views of the second database"
refused_county2() {
	if psql "$(conn_as "$1" county2)" -XAtq -v ON_ERROR_STOP=1 -c "$2" >/dev/null 2>&1; then
		not_ok "$1 in county2: $2 is refused"
	else
		ok "$1 in county2: $2 is refused"
	fi
}
refused_county2 analyst_1 "SELECT count(*) FROM party"
refused_county2 collector_login "DELETE FROM report"
is "$(psql "$(conn_as disp_530322 county2)" -XAtq -c "SELECT count(*) FROM \"case\"")" 0 \
	"a dispatcher without a unit in the second database sees nothing there"
