#!/bin/bash
# test_references.sh -- what names a report or a case names one that is
# there, checked once per statement (schema/0028_record_references.sql):
# a party, a case (its report, the case it repeats), an event, an alert and
# a flagged case naming none is refused with SQLSTATE 23503, its whole
# statement undone, on INSERT and on UPDATE, for the owner and the
# collector's role alike; rows naming reports and cases
# of the same statement are taken, as the collector's batches write them.
# Reports and cases are permanent: no DELETE, TRUNCATE or new id while the
# triggers are on, not even for the owner.  What they name of the county's
# reference data (worker, grid, category, township) is checked the same way
# (schema/0031_reference_data_checks.sql), locked until commit, and kept:
# not deleted, renumbered or truncated while named.
. "$(dirname "$0")/lib.sh"

gr_pg_start "$T_DIR" || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null || exit 1

NONE=01JQZZZZZZZZZZZZZZZZZZZZZZ
# refused PATTERN SQL: the owner's statement fails with an error (SQLSTATE
# and message) matching PATTERN
refused() { sql_refused postgres "$@"; }
counts() { sql "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM party) || ' ' ||
	(SELECT count(*) FROM \"case\") || ' ' || (SELECT count(*) FROM case_event) || ' ' ||
	(SELECT count(*) FROM alert) || ' ' || (SELECT count(*) FROM case_flagged)"; }
# report_row ID COLOUR: the VALUES of a report of gw001's grid
report_row() {
	echo "('$1', 1, 'gw001', 'dev-gw001', (SELECT min(grid_code) FROM worker_grid WHERE worker_id = 'gw001'),
	now(), '10', '$2', 1, '引用测试')"
}
REPORT_COLS="id, schema_version, worker_id, device_id, grid_code, created_at, category, colour, people, summary"
# case_of REPORT-ID CASE-NO: a SELECT of a township case's columns for it
CASE_COLS="case_no, report_id, county_code, township_code, level, unit_code, state, response_due, resolve_due, route_rule, route_reason"
case_of() {
	echo "SELECT '$2', $1, '530322', '530322001', 'township', '530322001', 'routed', now(), now(), 'territorial', 'x'"
}

# ---- The collector's shape: parents and children in one statement -----------------
sql "WITH r AS (INSERT INTO report ($REPORT_COLS) VALUES $(report_row 01JQ0000000000000000000R01 red) RETURNING id),
	p AS (INSERT INTO party (report_id, idx, role, phone) SELECT id, 0, 'petitioner', '13900000001' FROM r),
	c AS (INSERT INTO \"case\" ($CASE_COLS) $(case_of "(SELECT id FROM r)" 530322-2026-900001) RETURNING id),
	e AS (INSERT INTO case_event (case_id, actor, to_state) SELECT id, 'test', 'received' FROM c)
	SELECT 1" >/dev/null
is "$(counts)" "1 1 1 1 0 1" "a report, its party, its case and event in one statement are stored (red: flagged)"
R1=01JQ0000000000000000000R01
C1=$(sql "SELECT id FROM \"case\" WHERE report_id = '$R1'")
sql "INSERT INTO report ($REPORT_COLS) VALUES $(report_row 01JQ0000000000000000000R02 green);
	INSERT INTO \"case\" ($CASE_COLS, repeat_of) $(case_of "'01JQ0000000000000000000R02'" 530322-2026-900002), $C1" >/dev/null
C2=$(sql "SELECT id FROM \"case\" WHERE report_id = '01JQ0000000000000000000R02'")
is "$(sql "SELECT repeat_of FROM \"case\" WHERE id = $C2")" "$C1" "a repeat names the earlier case"
is "$(sql "SELECT kind FROM alert WHERE case_id = $C2")" "repeat" "and raises its repeat alert"
BEFORE=$(counts)

# ---- Names of what is not there: refused, the whole statement undone ---------------------
refused "23503.*party_report_id_ref" \
	"INSERT INTO party (report_id, idx, role) VALUES ('$R1', 1, 'respondent'), ('$NONE', 0, 'petitioner')"
refused "23503.*party_report_id_ref" "UPDATE party SET report_id = '$NONE' WHERE report_id = '$R1'"
refused "23503.*case_report_id_ref" "INSERT INTO \"case\" ($CASE_COLS) $(case_of "'$NONE'" 530322-2026-900003)"
refused "23503.*case_repeat_of_ref" "UPDATE \"case\" SET repeat_of = $C2 + 1000 WHERE id = $C2"
refused "23503.*case_event_case_id_ref" \
	"INSERT INTO case_event (case_id, actor, to_state) VALUES ($C1, 'test', 'routed'), ($C2 + 1000, 'test', 'routed')"
refused "23503.*alert_case_id_ref" \
	"INSERT INTO alert (kind, case_id, county_code, township_code, note) VALUES ('group', $C2 + 1000, '530322', '530322001', 'x')"
refused "23503.*alert_case_id_ref" "UPDATE alert SET case_id = $C2 + 1000 WHERE case_id = $C2"
refused "23503.*case_flagged_case_id_ref" \
	"INSERT INTO case_flagged (case_id, township_code, opened_at, case_no) VALUES ($C2 + 1000, '530322001', now(), 'x')"
refused "23503.*case_flagged_case_id_ref" "UPDATE case_flagged SET case_id = $C2 + 1000 WHERE case_id = $C1"
# the checks run as the writer: the collector's role sees what they need
sql "CREATE ROLE refs_collector LOGIN IN ROLE gr_collector" >/dev/null
sql_refused refs_collector "23503.*party_report_id_ref" \
	"INSERT INTO party (report_id, idx, role) VALUES ('$NONE', 0, 'petitioner')"
sql_refused refs_collector "23503.*case_event_case_id_ref" \
	"INSERT INTO case_event (case_id, actor, to_state) VALUES ($C2 + 1000, 'collector', 'routed')"
if out=$(sql_as refs_collector "BEGIN" \
	"INSERT INTO party (report_id, idx, role) VALUES ('$R1', 5, 'other')" \
	"INSERT INTO case_event (case_id, actor, to_state) VALUES ($C2, 'collector', 'routed')" \
	"ROLLBACK" 2>&1); then
	ok "the collector's role adds a party and an event naming what is there"
else
	not_ok "the collector's role adds a party and an event naming what is there ($out)"
fi
is "$(counts)" "$BEFORE" "nothing of the refused statements is stored"
is "$(sql "SELECT count(*) FROM party WHERE report_id = '$R1'")" 1 "not even the good row of a refused statement"

# ---- Reports and cases are permanent -------------------------------------------------------
refused "23001.*permanent" "DELETE FROM report WHERE id = '$R1'"
refused "23001.*permanent" "DELETE FROM \"case\" WHERE id = $C2"
refused "23001.*permanent" "TRUNCATE report CASCADE"
refused "23001.*permanent" "TRUNCATE \"case\" CASCADE"
refused "23001.*permanent" "UPDATE report SET id = '$NONE' WHERE id = '$R1'"
refused "23001.*permanent" "UPDATE \"case\" SET id = $C2 + 1000 WHERE id = $C2"
is "$(counts)" "$BEFORE" "every report and case is still there"
sql "UPDATE \"case\" SET state = 'accepted' WHERE id = $C1; UPDATE report SET summary = summary WHERE id = '$R1'" >/dev/null
is "$(sql "SELECT state FROM \"case\" WHERE id = $C1")" accepted "other changes to a case are taken"

# ---- The county's reference data (schema/0031_reference_data_checks.sql) -----------------
# A report's worker, grid, category and item, a case's and an alert's
# township: checked once per statement, the same refusal as a foreign key's.
BEFORE=$(counts)
refused "23503.*report_worker_id_ref" "INSERT INTO report ($REPORT_COLS) VALUES
	$(report_row 01JQ0000000000000000000R03 green),
	('01JQ0000000000000000000R04', 1, 'nobody', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x')"
refused "23503.*report_grid_code_ref" "INSERT INTO report ($REPORT_COLS) VALUES
	('01JQ0000000000000000000R04', 1, 'gw001', 'dev-x', '530322999999', now(), '10', 'green', 1, 'x')"
refused "23503.*report_category_ref" "INSERT INTO report ($REPORT_COLS) VALUES
	('01JQ0000000000000000000R04', 1, 'gw001', 'dev-x', '$(grid_of gw001)', now(), '99', 'green', 1, 'x')"
refused "23503.*report_item_ref" "INSERT INTO report ($REPORT_COLS, item) VALUES
	('01JQ0000000000000000000R04', 1, 'gw001', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x', '1000')"
refused "23503.*report_worker_id_ref" "UPDATE report SET worker_id = 'nobody' WHERE id = '$R1'"
refused "23503.*report_grid_code_ref" "UPDATE report SET grid_code = '530322999999' WHERE id = '$R1'"
refused "23503.*report_category_ref" "UPDATE report SET category = '99' WHERE id = '$R1'"
refused "23503.*report_item_ref" "UPDATE report SET item = '1000' WHERE id = '$R1'"
refused "23503.*case_township_code_ref" "WITH r AS (INSERT INTO report ($REPORT_COLS) VALUES $(report_row 01JQ0000000000000000000R03 green) RETURNING id)
	INSERT INTO \"case\" ($CASE_COLS) SELECT '530399-2026-900004', id, '530399', '530399001', 'township', '530399001', 'routed', now(), now(), 'territorial', 'x' FROM r"
refused "23503.*case_township_code_ref" "UPDATE \"case\" SET county_code = '530399', township_code = '530399001', unit_code = '530399001' WHERE id = $C1"
refused "23503.*alert_township_code_ref" \
	"INSERT INTO alert (kind, case_id, county_code, township_code, note) VALUES ('group', $C2, '530399', '530399001', 'x')"
refused "23503.*alert_township_code_ref" "UPDATE alert SET county_code = '530399', township_code = '530399001' WHERE case_id = $C2"
sql_refused refs_collector "23503.*report_worker_id_ref" "INSERT INTO report ($REPORT_COLS) VALUES
	('01JQ0000000000000000000R04', 1, 'nobody', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x')"
is "$(counts)" "$BEFORE" "nothing of the refused statements is stored"
if out=$(sql_as refs_collector "BEGIN" \
	"INSERT INTO report ($REPORT_COLS, item) VALUES ('01JQ0000000000000000000R05', 1, 'gw001', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x', '1001')" \
	"ROLLBACK" 2>&1); then
	ok "the collector's role stores a report naming what is there"
else
	not_ok "the collector's role stores a report naming what is there ($out)"
fi

# What a report, case or alert names is kept: not deleted, not renumbered,
# not truncated; other changes are taken.
sql "INSERT INTO report ($REPORT_COLS, item) VALUES ('01JQ0000000000000000000R06', 1, 'gw001', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x', '1001')" >/dev/null
refused "23503.*report_worker_id_ref" "DELETE FROM worker WHERE id = 'gw001'"
refused "23503.*report_worker_id_ref" "UPDATE worker SET id = 'gw001x' WHERE id = 'gw001'"
refused "23503.*report_grid_code_ref" "DELETE FROM grid WHERE code = '$(grid_of gw001)'"
refused "23503.*report_item_ref" "DELETE FROM category WHERE code = '1001'"
refused "23503.*case_township_code_ref" "DELETE FROM division WHERE code = '530322001'"
refused "23503.*report" "TRUNCATE worker CASCADE"
refused "23503.*report" "TRUNCATE category CASCADE"
refused "23503.*case" "TRUNCATE division CASCADE"
refused "55000.*READ COMMITTED" "BEGIN ISOLATION LEVEL REPEATABLE READ" "DELETE FROM worker WHERE id = 'gw002'"
refused "55000.*READ COMMITTED" "BEGIN ISOLATION LEVEL REPEATABLE READ" "TRUNCATE worker CASCADE"
is "$(sql_as postgres "BEGIN" "UPDATE worker SET active = false WHERE id = 'gw001'" \
	"DELETE FROM category WHERE code = '1002' RETURNING code" "ROLLBACK")" 1002 \
	"a worker is made inactive, a category no report names is deleted"

# The rows a report, a case or an alert names are locked until its commit:
# one deleted meanwhile waits, then is refused.
# held_delete NAME STORE-SQL DELETE-SQL PATTERN: STORE-SQL in an open
# transaction, DELETE-SQL from another session waits for it and, once it
# commits, is refused with PATTERN
held_delete() {
	session_open "store$1"
	session_send "store$1" "BEGIN; $2; SELECT 'stored';"
	session_wait "store$1" stored
	session_open "remove$1"
	session_send "remove$1" "SET application_name = 'remove$1'; $3;"
	check "$1: the delete waits for what names the row" gr_wait_for 20 "the delete waiting" \
		sql_is 1 "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'remove$1' AND wait_event_type = 'Lock'"
	session_close "store$1" "COMMIT;"
	check "... and is refused once that is committed" session_wait "remove$1" "$4"
	session_ended "remove$1"
}
sql "INSERT INTO worker (id, name) VALUES ('gw-new', '新网格员');
	INSERT INTO category (code, parent_code, name_zh, name_en) VALUES ('1098', '10', '测试小类', 'test item');
	INSERT INTO division (code, parent_code, level, name_zh) SELECT '530322098', '530322', level, '测试镇' FROM division WHERE code = '530322001'" >/dev/null
held_delete worker "INSERT INTO report ($REPORT_COLS) VALUES ('01JQ0000000000000000000R07', 1, 'gw-new', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x')" \
	"DELETE FROM worker WHERE id = 'gw-new'" "report_worker_id_ref"
held_delete item "INSERT INTO report ($REPORT_COLS, item) VALUES ('01JQ0000000000000000000R08', 1, 'gw001', 'dev-x', '$(grid_of gw001)', now(), '10', 'green', 1, 'x', '1098')" \
	"DELETE FROM category WHERE code = '1098'" "report_item_ref"
held_delete township "INSERT INTO alert (kind, case_id, county_code, township_code, note) VALUES ('group', $C2, '530322', '530322098', 'x')" \
	"DELETE FROM division WHERE code = '530322098'" "alert_township_code_ref"
is "$(sql "SELECT (SELECT count(*) FROM worker WHERE id = 'gw-new') + (SELECT count(*) FROM category WHERE code = '1098') +
	(SELECT count(*) FROM division WHERE code = '530322098')")" 3 "the worker, the item and the township are still there"
