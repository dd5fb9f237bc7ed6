#!/bin/bash
# gr-test: once
# test_analyst.sh -- the analyst views of schema/0009_analyst_views.sql
# and gr-analyst, on the small fixed data set tests/fixtures/analyst.sql:
# every view's figures against the values worked out by hand in the
# fixture's comments; phone and ID-card numbers masked everywhere; the
# views granted to gr_analyst only; the summary changes only when
# refreshed; gr-analyst's errors; its CSV files; its HTML report opened in
# headless Chromium (no load errors, the five charts in the DOM, a
# screenshot that is not blank).  Runs psql, gr-analyst and Chromium only:
# once, in the plain pass.
. "$(dirname "$0")/lib.sh"

gr_pg_start "$T_DIR" || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/tests/fixtures/analyst.sql" >/dev/null || exit 1
sql "CREATE ROLE analyst_a LOGIN IN ROLE gr_analyst" || exit 1
ADB="host=127.0.0.1 port=$GR_PG_PORT user=analyst_a dbname=gridreport"

# as_analyst SQL: the rows, fields separated by |
as_analyst() { psql "$ADB" -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>&1 | tr '\n' ';'; }
# fig VIEW COLUMNS WHERE: one view's figures, as the analyst reads them
fig() { as_analyst "SELECT $2 FROM $1 WHERE county_code = '530322' AND $3"; }
A="township_code = '530322001'"
B="township_code = '530322101'"
ALL="township_code IS NULL AND category IS NULL"
MAR="month = '2025-03-01'"
APR="month = '2025-04-01'"

# ---- Report and case counts, a year earlier (同比) ----------------------------
C="reports, cases, reports_prev_year, cases_prev_year, reports_yoy_pct, cases_yoy_pct"
is "$(fig analyst_monthly_counts "$C" "$ALL AND $MAR")" "4|4|2|2|100.0|100.0;" "county, March 2025: 4 reports and cases, 2 a year earlier, +100.0 %"
is "$(fig analyst_monthly_counts "$C" "$ALL AND $APR")" "6|6|0|0||;" "county, April 2025: 6, none a year earlier, no percentage"
is "$(fig analyst_monthly_counts "reports, reports_prev_year, reports_yoy_pct" "$A AND category IS NULL AND $MAR")" "3|1|200.0;" "township A, March: 3 against 1, +200.0 %"
is "$(fig analyst_monthly_counts "reports, reports_prev_year, reports_yoy_pct" "$B AND category IS NULL AND $MAR")" "1|1|0.0;" "township B, March: 1 against 1, 0.0 %"
is "$(fig analyst_monthly_counts "reports, reports_prev_year, coalesce(reports_yoy_pct::text, 'none')" "$A AND category = '10' AND $MAR")" "2|0|none;" "A/10 in March: 2 against none"
is "$(fig analyst_monthly_counts "category || '=' || reports" "township_code IS NULL AND category IS NOT NULL AND $APR ORDER BY category")" "02=4;10=2;" "April by category: 02 4, 10 2"
is "$(fig analyst_monthly_counts "township_name || '=' || reports" "township_code IS NOT NULL AND category IS NULL AND $APR ORDER BY township_code")" "中枢街道=3;马街镇=3;" "April by township, with names"
# 23:30 CST on 31 March is March; 00:30 CST on 1 April is April (31 March in UTC).
is "$(fig analyst_monthly_counts "reports" "$A AND category = '10' AND $MAR")|$(fig analyst_monthly_counts "reports" "$B AND category = '02' AND $APR")" \
	"2;|2;" "months are China Standard Time (reports at 23:30 on 31 March and 00:30 on 1 April)"

# ---- 化解率 --------------------------------------------------------------------
R="due_cases, due_resolved, due_on_time, resolution_rate_pct, on_time_rate_pct"
is "$(fig analyst_resolution_rate "$R" "$ALL AND $MAR")" "1|1|1|100.0|100.0;" "化解率 March: 1 due, resolved on time"
is "$(fig analyst_resolution_rate "$R" "$ALL AND $APR")" "5|3|2|60.0|40.0;" "化解率 April: 5 due (the refused case left out), 3 resolved 60.0 %, 2 on time 40.0 %"
is "$(fig analyst_resolution_rate "$R" "$A AND category IS NULL AND $APR")" "3|2|2|66.7|66.7;" "化解率 April, township A: 66.7 %"
is "$(fig analyst_resolution_rate "$R" "$B AND category IS NULL AND $APR")" "2|1|0|50.0|0.0;" "化解率 April, township B: 50.0 %, none on time"
is "$(fig analyst_resolution_rate "$R" "$ALL AND month IN ('2025-05-01', '2025-06-01') ORDER BY month")" \
	"1|1|1|100.0|100.0;1|0|0|0.0|0.0;" "化解率 May 100.0 % (the deadline at midnight 1 June is May's), June 0.0 %"

# ---- 满意率 --------------------------------------------------------------------
S="follow_ups, satisfied, satisfaction_rate_pct, avg_score"
is "$(fig analyst_satisfaction "$S" "$ALL AND $MAR")" "2|1|50.0|4.00;" "满意率 March: scores 5 and 3, 50.0 %"
is "$(fig analyst_satisfaction "$S" "$ALL AND $APR")" "3|2|66.7|3.33;" "满意率 April: 2 of 3, 66.7 % (the visit of a case reopened since counts, with its score)"

# ---- 一次性办结 ---------------------------------------------------------------
F="resolved, first_contact, first_contact_rate_pct"
is "$(fig analyst_first_contact "$F" "$ALL AND $MAR")" "2|2|100.0;" "一次性办结 March: 2 of 2"
is "$(fig analyst_first_contact "$F" "$ALL AND $APR")" "3|1|33.3;" "一次性办结 April: 1 of 3 (one escalated, one supervised)"

# ---- Handling days ---------------------------------------------------------------
H="resolved, avg_days, p90_days"
is "$(fig analyst_handling_time "$H" "$ALL AND $MAR")" "2|12.0|13.6;" "handling March: average 12.0 days, p90 13.6"
is "$(fig analyst_handling_time "$H" "$ALL AND $APR")" "3|16.2|30.8;" "handling April: average 16.2 days, p90 30.8"
is "$(fig analyst_handling_time "$H" "$B AND category = '10' AND $APR")" "1|36.0|36.0;" "handling April, B/10: the late case, 36.0 days"

# ---- 就地化解, repeats, groups -----------------------------------------------------
L="reports, on_spot_reports, cases, local_cases, local_rate_pct"
is "$(fig analyst_local_resolution "$L" "$ALL AND $MAR")" "4|0|4|1|25.0;" "就地化解 March: 1 of 4"
is "$(fig analyst_local_resolution "$L" "$ALL AND $APR")" "6|1|6|1|16.7;" "就地化解 April: 1 of 6 (marked on the spot)"
G="cases, repeat_cases, repeat_rate_pct, group_cases, group_people"
is "$(fig analyst_repeat_group_monthly "$G" "$ALL AND $MAR")" "4|1|25.0|2|11;" "March: 1 repeat, 2 group incidents of 11 people (5 people is a group)"
is "$(fig analyst_repeat_group_monthly "$G" "$ALL AND $APR")" "6|1|16.7|1|8;" "April: 1 repeat, 1 group incident of 8 people"

# ---- Open, overdue, escalated (live) -----------------------------------------------
O="open_cases, overdue_cases, supervised_cases, escalated_cases, county_level_cases"
is "$(fig analyst_open_cases "$O" "$ALL")" "4|3|1|1|2;" "open now: 4, overdue 3, supervised 1, escalated 1, at the county 2"
is "$(fig analyst_open_cases "$O" "$A AND category IS NULL")" "2|1|0|0|0;" "open now, township A: 2, 1 overdue"
is "$(fig analyst_open_cases "$O" "$B AND category IS NULL")" "2|2|1|1|2;" "open now, township B: 2, both overdue"
# As the sweeper counts: a case not accepted past its response deadline is
# overdue (12, put back to routed: resolution due in days, response due in
# 2025).
sql "UPDATE \"case\" SET state = 'routed', accepted_at = NULL WHERE id = 12" || exit 1
is "$(fig analyst_open_cases "$O" "$A AND category IS NULL")" "2|2|0|0|0;" \
	"a case past its response deadline, never accepted, is overdue"
# A sweep now red-cards every open case (all are 15 days late or more),
# which sends a township's to the county: A's two are escalated, B's 07,
# at the county since it opened, is not (0043); in a transaction undone.
is "$(psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT count(*) FROM gr_sweep(now(), 100)" \
	-c "SELECT coalesce(township_code, '-') || ':' || escalated_cases || '/' || county_level_cases FROM analyst_open_cases
	    WHERE county_code = '530322' AND category IS NULL ORDER BY township_code NULLS FIRST" -c "ROLLBACK" | tr '\n' ' ')" \
	"4 -:3/4 530322001:2/2 530322101:1/2 " \
	"red-carded to the county, a township's cases count as escalated, not one the county had from the start"
sql "UPDATE \"case\" SET state = 'accepted', accepted_at = now() WHERE id = 12" || exit 1

# ---- Case lists, masked ---------------------------------------------------------------
is "$(fig analyst_repeat_petitions "case_no, repeats_case_no, days_since, petitioner_phone, coalesce(petitioner_id_number, '-')" "true ORDER BY case_no")" \
	"530322-2025-000003|530322-2025-000002|19.4|137****1111|-;530322-2025-000006|530322-2025-000004|14.6|139****5678|5303**********1234;" \
	"repeat petitions, with the case they repeat and the petitioner masked"
is "$(fig analyst_group_incidents "case_no, people, summary, coalesce(petitioner_phone, '-'), coalesce(petitioner_id_number, '-')" "true ORDER BY case_no")" \
	"530322-2025-000002|6|宅基地纠纷激化, 联系人***|137****1111|-;530322-2025-000005|8|农民工集体讨薪, 电话***|136****2222|5303**********002X;530322-2025-000008|5|排水沟五户纠纷|-|-;" \
	"group incidents, summary digits and petitioner masked"

NEW_VIEWS="analyst_first_contact analyst_group_incidents analyst_handling_time analyst_local_resolution analyst_monthly_counts analyst_open_cases analyst_refreshed analyst_repeat_group_monthly analyst_repeat_petitions analyst_resolution_rate analyst_satisfaction"
: >"$T_DIR/views.dump"
for v in $NEW_VIEWS; do
	psql "$ADB" -XAtq -c "COPY (SELECT * FROM $v) TO STDOUT" >>"$T_DIR/views.dump" 2>&1 ||
		not_ok "the analyst dumps $v"
done
leaks=""
for s in 13700001111 13600002222 13600003333 13912345678 53032219800101002X 530322199001011234 段春花 欧阳明华 李秀英; do
	grep -qF "$s" "$T_DIR/views.dump" && leaks="$leaks $s"
done
is "$leaks" "" "no party's phone, ID number or name in any of the new views ($(wc -l <"$T_DIR/views.dump") rows)"

# ---- Privileges -------------------------------------------------------------------------
is "$(sql "SELECT string_agg(DISTINCT grantee || ':' || privilege_type, ' ') FROM information_schema.role_table_grants
	WHERE table_name IN ('$(echo "$NEW_VIEWS" | sed "s/ /','/g")') AND grantee <> current_user")" \
	"gr_analyst:SELECT" "the new views are granted to gr_analyst only, SELECT only"
is "$(sql "SELECT count(*) FROM information_schema.role_table_grants WHERE table_name IN ('analyst_summary', 'analyst_visits') AND grantee <> current_user")" \
	0 "the summaries themselves are granted to nobody"
check "the analyst cannot read the summaries directly" \
	sh -c "! psql '$ADB' -XAtq -c 'SELECT 1 FROM analyst_summary' 2>/dev/null && ! psql '$ADB' -XAtq -c 'SELECT 1 FROM analyst_visits' 2>/dev/null"
check "the analyst cannot refresh it" \
	sh -c "! psql '$ADB' -XAtq -c 'SELECT gr_analyst_refresh()' 2>/dev/null"
check "nor write through a view" \
	sh -c "! psql '$ADB' -XAtq -c \"DELETE FROM analyst_repeat_petitions\" 2>/dev/null"

# ---- Refresh ------------------------------------------------------------------------------
# A report and case of March 2025 added after the refresh: the monthly
# figures move only when the owner refreshes; the live views at once.
sql "INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, received_at,
	category, colour, people, summary) VALUES ('01JQ000000000000000000000D', 1, 'gw001', 'dev-gw001',
	'530322001001001', '2025-03-08 10:00+08', '2025-03-08 10:00+08', '02', 'green', 1, 'x');
	INSERT INTO \"case\" (id, case_no, report_id, county_code, township_code, level, unit_code, state,
	opened_at, response_due, resolve_due, route_rule, route_reason) VALUES (13, '530322-2025-000011',
	'01JQ000000000000000000000D', '530322', '530322001', 'township', '530322001', 'accepted',
	'2025-03-08 10:00+08', '2025-03-12 00:00+08', '2025-04-08 00:00+08', 'territorial', 'x')" || exit 1
is "$(fig analyst_monthly_counts reports "$ALL AND $MAR")|$(fig analyst_open_cases open_cases "$ALL")" "4;|5;" \
	"before the refresh: March still 4 reports; open cases live, 5"
sql "SELECT gr_analyst_refresh()" >/dev/null || not_ok "the owner refreshes the summary"
is "$(fig analyst_monthly_counts reports "$ALL AND $MAR")|$(fig analyst_resolution_rate due_cases "$ALL AND $APR")" "5;|6;" \
	"after gr_analyst_refresh(): 5 reports in March, 6 cases due in April"
check "analyst_refreshed moved on" [ "$(as_analyst "SELECT refreshed_at > now() - interval '1 minute' FROM analyst_refreshed")" = "t;" ]
# (cases and reports are permanent: taken away with the triggers off)
sql "SET session_replication_role = replica; DELETE FROM \"case\" WHERE id = 13;
	DELETE FROM report WHERE id = '01JQ000000000000000000000D'; RESET session_replication_role;
	SELECT gr_analyst_refresh()" >/dev/null || exit 1
# A report of eleven months ago whose case falls due in two months: the
# months to come hold its deadline only, and 同比 shows none of them, this
# year's or the year before's (0041).
THIS="date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')"
sql "INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, received_at,
	category, colour, people, summary) VALUES ('01JQ000000000000000000000E', 1, 'gw001', 'dev-gw001',
	'530322001001001', now() - interval '11 months', now() - interval '11 months', '02', 'green', 1, 'x');
	INSERT INTO \"case\" (id, case_no, report_id, county_code, township_code, level, unit_code, state,
	opened_at, response_due, resolve_due, route_rule, route_reason) VALUES (14, '530322-2025-000012',
	'01JQ000000000000000000000E', '530322', '530322001', 'township', '530322001', 'accepted',
	now() - interval '11 months', now() + interval '50 days', now() + interval '70 days', 'territorial', 'x');
	SELECT gr_analyst_refresh()" >/dev/null || exit 1
is "$(sql "SELECT count(*) > 0 FROM analyst_summary WHERE township_code = '' AND category = '' AND month > $THIS");|$(fig analyst_monthly_counts "count(*)" "month > $THIS")" "t;|0;" \
	"a month to come holds a deadline, and 同比 shows no month to come"
is "$(fig analyst_monthly_counts "reports" "$ALL AND month = ($THIS - interval '11 months')::date")" "1;" \
	"... while the report counts in the month it came"
sql "SET session_replication_role = replica; DELETE FROM \"case\" WHERE id = 14;
	DELETE FROM report WHERE id = '01JQ000000000000000000000E'; RESET session_replication_role;
	SELECT gr_analyst_refresh()" >/dev/null || exit 1

# ---- gr-analyst: bad input ------------------------------------------------------------
GA=$BUILD/gr-analyst
# fails RC PATTERN ARGS...: gr-analyst exits RC with a message matching PATTERN
fails() {
	local rc=$1 pat=$2 out got
	shift 2
	out=$("$GA" "$@" 2>&1)
	got=$?
	if [ "$got" = "$rc" ] && echo "$out" | grep -q -- "$pat"; then
		ok "gr-analyst $* -> exit $rc, '$pat'"
	else
		not_ok "gr-analyst $* -> exit $rc, '$pat' (got exit $got: $out)"
	fi
}
OUT=$T_DIR/out
fails 2 "are needed" -d "$ADB" -c 530322 -f 2025-01 -t 2025-06
fails 2 "6-digit county" -d "$ADB" -c 53032x -f 2025-01 -t 2025-06 -o "$OUT"
fails 2 "expected a month as YYYY-MM" -d "$ADB" -c 530322 -f 2025-1 -t 2025-06 -o "$OUT"
fails 2 "no such month" -d "$ADB" -c 530322 -f 2025-13 -t 2025-06 -o "$OUT"
fails 2 "is before --from" -d "$ADB" -c 530322 -f 2025-06 -t 2025-01 -o "$OUT"
fails 2 "at most 120" -d "$ADB" -c 530322 -f 2000-01 -t 2025-06 -o "$OUT"
fails 2 "unrecognized option" --colour red
fails 2 "unexpected argument" -d "$ADB" -c 530322 -f 2025-01 -t 2025-06 -o "$OUT" extra
fails 1 "county 530399 is not in the database" -d "$ADB" -c 530399 -f 2025-01 -t 2025-06 -o "$OUT"
port=$(gr_free_port)
fails 1 "cannot connect to the database" -d "host=127.0.0.1 port=$port user=analyst_a dbname=gridreport connect_timeout=5" \
	-c 530322 -f 2025-01 -t 2025-06 -o "$OUT"
fails 1 "cannot make the output folder" -d "$ADB" -c 530322 -f 2025-01 -t 2025-06 -o "$T_DIR/no/such/dir"
GR_GNUPLOT=$T_DIR/no-gnuplot fails 1 "install gnuplot-nox" -d "$ADB" -c 530322 -f 2025-01 -t 2025-06 -o "$OUT"
check "nothing half-written after a failure (no report.html, no .tmp)" \
	sh -c "[ ! -e '$OUT/report.html' ] && ! ls '$OUT'/*.tmp >/dev/null 2>&1"
check "--help prints the usage and exits 0" sh -c "'$GA' --help | grep -q 'usage: gr-analyst'"

# ---- gr-analyst: the files --------------------------------------------------------------
# As the analyst, with the connection from libpq's environment.
out=$(PGHOST=127.0.0.1 PGPORT=$GR_PG_PORT PGUSER=analyst_a PGDATABASE=gridreport \
	"$GA" --county 530322 --from 2025-01 --to 2025-06 --out "$OUT" 2>&1)
is "$?" 0 "gr-analyst writes the report as the analyst, connected through PG* variables ($out)"
is "$(ls "$OUT" | tr '\n' ' ')" \
	"by_category.csv by_township.csv group_incidents.csv monthly.csv open_cases.csv repeat_petitions.csv report.html summary.csv " \
	"report.html and seven CSV files"
crlf=$(cat "$OUT"/*.csv | grep -vc $'\r$')
is "$crlf" 0 "every CSV line ends in CRLF"
# --excel: each CSV file begins with a UTF-8 byte order mark, else the same.
"$GA" --excel -d "$ADB" --county 530322 --from 2025-01 --to 2025-06 --out "$T_DIR/excel" >/dev/null 2>&1
is "$(head -c 3 "$T_DIR/excel/summary.csv" | od -An -tx1 | tr -d ' ')|$(head -c 3 "$OUT/summary.csv" | od -An -tx1 | tr -d ' ')" \
	"efbbbf|636f64" "--excel begins a CSV file with a UTF-8 byte order mark; without it, none"
is "$(for f in "$OUT"/*.csv; do tail -c +4 "$T_DIR/excel/${f##*/}" | cmp -s - "$f" || echo "${f##*/}"; done)" "" \
	"... and every CSV file is otherwise the same"
csv_row() { grep "^$2," "$OUT/$1" | tr -d '\r'; }
is "$(head -n 1 "$OUT/summary.csv" | tr -d '\r' | cut -d, -f1-10)" \
	"code,name,reports,reports_prev_year,reports_yoy_pct,cases,due_cases,due_resolved,resolution_rate_pct,on_time_rate_pct" \
	"summary.csv has a header"
is "$(csv_row summary.csv 530322)" \
	"530322,陆良县,10,2,400.0,10,8,5,62.5,50.0,5,3,60.0,5,3,60.0,14.5,1,2,20.0,2,3,19" \
	"summary.csv: the county's January-June (10 reports, 化解率 62.5, 满意率 60.0, 一次性 60.0, 14.5 days, 就地 20.0)"
is "$(csv_row monthly.csv 2025-04)" \
	"2025-04,6,0,,6,5,3,60.0,40.0,3,2,66.7,3.33,3,1,33.3,16.2,30.8,1,1,16.7,1,1,8" \
	"monthly.csv: April"
is "$(csv_row monthly.csv 2025-02)" "2025-02,0,0,,0,0,0,,,0,0,,,0,0,,,,0,0,,0,0,0" \
	"monthly.csv: a month without data has its row, zeros and empty rates"
is "$(csv_row by_township.csv 530322101)" \
	"530322101,马街镇,4,1,300.0,4,4,2,50.0,25.0,3,2,66.7,2,1,50.0,19.3,1,1,25.0,1,2,13" \
	"by_township.csv: 马街镇"
is "$(csv_row by_category.csv 10)" \
	"10,邻里纠纷,5,1,400.0,5,4,3,75.0,50.0,3,1,33.3,3,1,33.3,20.0,0,0,0.0,2,2,11" \
	"by_category.csv: 邻里纠纷"
is "$(tr -d '\r' <"$OUT/open_cases.csv" | sed -n 2p)" ",全县,4,3,1,1,2" "open_cases.csv: the county first"
is "$(csv_row group_incidents.csv 530322-2025-000002)" \
	"530322-2025-000002,2025-03-12 14:00,530322001,中枢街道,10,邻里纠纷,red,6,,visited,county,\"宅基地纠纷激化, 联系人***\",137****1111," \
	"group_incidents.csv: a summary with a comma is quoted (RFC 4180), the phone masked"
is "$(csv_row repeat_petitions.csv 530322-2025-000006 | cut -d, -f1,2,9,12,13)" \
	"530322-2025-000006,2025-04-15 16:00,530322-2025-000004,139****5678,5303**********1234" \
	"repeat_petitions.csv: times in CST, the repeated case, masked numbers"
leaks=""
for s in 13700001111 13600002222 13912345678 53032219800101002X 530322199001011234 段春花 欧阳明华 李秀英; do
	grep -qF "$s" "$OUT"/* && leaks="$leaks $s"
done
is "$leaks" "" "no phone, ID number or name of a party in any file written"
# A county without a report or an open case: its row and its townships'
# have zeros (rates empty), not nothing.
sql "INSERT INTO division (code, level, parent_code, name_zh) VALUES ('530399', 'county', NULL, '空县'),
	('530399001', 'township', '530399', '甲镇'), ('530399002', 'township', '530399', '乙镇')" || exit 1
"$GA" -d "$ADB" --county 530399 --from 2025-01 --to 2025-06 --out "$T_DIR/empty" >"$T_DIR/empty.out" 2>&1
is "$?|$(tr -d '\r' <"$T_DIR/empty/summary.csv" | sed -n 2p)|$(tr -d '\r' <"$T_DIR/empty/by_township.csv" | tail -n +2 | cut -d, -f1-4 | tr '\n' ' ')|$(tr -d '\r' <"$T_DIR/empty/open_cases.csv" | tail -n +2)" \
	"0|530399,空县,0,0,,0,0,0,,,0,0,,0,0,,,0,0,,0,0,0|530399001,甲镇,0,0 530399002,乙镇,0,0 |,全县,0,0,0,0,0" \
	"an empty county: the county and each township with zeros, and no open case counted 0"
sql "DELETE FROM division WHERE code LIKE '530399%' AND level = 'township'; DELETE FROM division WHERE code = '530399'" || exit 1

# A period up to the month the figures were computed in says that month
# is partial, against a whole month a year earlier; a past period does not.
NOWM=$(sql "SELECT to_char(refreshed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') FROM analyst_refreshed")
"$GA" -d "$ADB" --county 530322 --from 2025-01 --to "$NOWM" --out "$T_DIR/now" >/dev/null 2>&1
is "$(grep -c "$NOWM 的数字截至统计时" "$T_DIR/now/report.html") $(grep -c '的数字截至统计时' "$OUT/report.html")" "1 0" \
	"the HTML report says the month of the figures is partial, for a period up to it only"

# ---- The HTML report in headless Chromium ---------------------------------------------
H=$OUT/report.html
is "$(grep -o '<figure id="chart-[a-z]*">' "$H" | tr '\n' ' ')" \
	'<figure id="chart-trend"> <figure id="chart-rates"> <figure id="chart-days"> <figure id="chart-category"> <figure id="chart-township"> ' \
	"five charts: trend, rates, handling days, category, township"
is "$(grep -Eo '(src|href)="[a-z]+:[^"]*"|<script|<link|@import|url\(' "$H" | sort -u | tr '\n' ' ')" "" \
	"self-contained: no script, no stylesheet link, no external source or link"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	not_ok "chromium is installed (scripts/deps.sh)"
else
	chrome() {
		timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
			--no-first-run --user-data-dir="$T_DIR/chromium" --enable-logging=stderr --v=0 \
			--window-size=1200,1800 "$@"
	}
	chrome --dump-dom "file://$H" >"$T_DIR/dom.html" 2>"$T_DIR/chrome-dom.err"
	is "$?" 0 "Chromium loads the report"
	is "$(grep -o '<svg' "$T_DIR/dom.html" | wc -l)" 5 "the DOM holds five <svg> charts"
	is "$(tr -d '\n' <"$T_DIR/dom.html" | grep -Eo '<figure id="chart-[a-z]+">[^<]*<svg' | wc -l)" 5 \
		"each chart figure holds its <svg>"
	check "the charts have drawn paths and the month labels" \
		sh -c "[ \$(grep -c '<path' '$T_DIR/dom.html') -gt 20 ] && grep -q '2025-03' '$T_DIR/dom.html'"
	is "$(grep -Ei 'Uncaught|Failed to load|net::ERR|CONSOLE' "$T_DIR/chrome-dom.err" | head -n 3)" "" \
		"no load or script errors in Chromium's log"
	chrome --screenshot="$T_DIR/report.png" "file://$H" >/dev/null 2>"$T_DIR/chrome-shot.err"
	printf '<!DOCTYPE html><html><body></body></html>' >"$T_DIR/blank.html"
	chrome --screenshot="$T_DIR/blank.png" "file://$T_DIR/blank.html" >/dev/null 2>&1
	is "$(head -c 8 "$T_DIR/report.png" | od -An -tx1 | tr -d ' \n')" "89504e470d0a1a0a" \
		"the screenshot is a PNG"
	shot=$(stat -c %s "$T_DIR/report.png" 2>/dev/null || echo 0)
	blank=$(stat -c %s "$T_DIR/blank.png" 2>/dev/null || echo 0)
	check "the screenshot is not blank ($shot bytes; a blank page of that size: $blank)" \
		[ "$blank" -gt 0 -a "$shot" -gt $((blank * 5)) ]
fi
