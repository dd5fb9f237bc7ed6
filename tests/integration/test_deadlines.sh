#!/bin/bash
# test_deadlines.sh -- deadlines in calendar or working days, as setting
# deadline_days says (schema/0040_deadline_days.sql): in working days a new
# case's response and resolution deadlines, an extension and a reopen skip
# weekends and the public holidays of table holiday, and count the weekend
# days worked (调休); the setting takes effect without a restart, and
# takes no other value.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
G=$(grid_of gw001)
T=${G:0:9}
subscribe town "gr/v1/dispatch/$T"

# newcase CATEGORY: a green case of gw001's township; prints its number
newcase() { green_case "$1" 1 期限测试; }
act() { action_result town "$T" "$@"; }
# day CASE COLUMN: the last day a deadline of the case leaves (CST)
day() { sql "SELECT ($2 AT TIME ZONE 'Asia/Shanghai')::date - 1 FROM \"case\" WHERE case_no = '$1'"; }
# after DATE N: the N-th working day after DATE, counted here day by day
after() {
	sql "SELECT d::date FROM generate_series('$1'::date + 1, '$1'::date + 400, interval '1 day') d
	     WHERE CASE WHEN d::date IN (SELECT day FROM holiday) THEN d::date IN (SELECT day FROM holiday WHERE working)
	                ELSE extract(isodow FROM d) < 6 END
	     ORDER BY d OFFSET $2 - 1 LIMIT 1"
}
today() { sql "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date"; }
# the green policy's lengths
read -r RESP RESOL <<<"$(sql "SELECT response_days || ' ' || resolve_days FROM deadline_policy WHERE colour = 'green'")"

# Calendar days, the default.
C=$(newcase 10)
is "$(day "$C" resolve_due)" "$(sql "SELECT '$(today)'::date + $RESOL")" \
	"calendar days by default: resolution $RESOL days on"

# Working days, with holidays: the next three weekdays off, and the next
# Saturday worked.
check "a setting other than calendar or working is refused" \
	sh -c "! psql '$GR_DB' -XAtq -c \"UPDATE setting SET value = 'weekly' WHERE name = 'deadline_days'\" 2>/dev/null"
TODAY=$(today)
sql "UPDATE setting SET value = 'working' WHERE name = 'deadline_days';
	INSERT INTO holiday (day, working, name)
	SELECT '$TODAY'::date + i, false, '测试假日' FROM generate_series(1, 10) i
	WHERE extract(isodow FROM '$TODAY'::date + i) < 6 ORDER BY i LIMIT 3;
	INSERT INTO holiday (day, working, name)
	SELECT '$TODAY'::date + i, true, '测试调休' FROM generate_series(1, 7) i
	WHERE extract(isodow FROM '$TODAY'::date + i) = 6" >/dev/null || exit 1
C=$(newcase 11)
is "$(day "$C" response_due) $(day "$C" resolve_due)" "$(after "$(today)" "$RESP") $(after "$(today)" "$RESOL")" \
	"working days: response in $RESP, resolution in $RESOL, holidays skipped and the Saturday worked counted"
span="FROM generate_series(1, (SELECT (response_due AT TIME ZONE 'Asia/Shanghai')::date - 1 - '$TODAY'::date FROM \"case\" WHERE case_no = '$C')) i"
is "$(sql "SELECT count(*) $span")" \
	"$(sql "SELECT $RESP + 3 + count(*) FILTER (WHERE extract(isodow FROM '$TODAY'::date + i) >= 6) - 1 $span")" \
	"... which is the three holidays and the weekends later, less the Saturday worked"

# An extension counts working days from the deadline it moves.
last=$(day "$C" resolve_due)
is "$(act "$C" accept)" "ok=1 reason=-" "accept"
is "$(act "$C" extend --extension 5 --note 需补充调查)" "ok=1 reason=-" "extend by 5"
is "$(day "$C" resolve_due)" "$(after "$last" 5)" "the extension adds 5 working days"

# A reopen gives the routing's lengths again, in working days, from today.
is "$(act "$C" resolve)" "ok=1 reason=-" "resolve"
is "$(act "$C" reopen --note 当事人反映未解决)" "ok=1 reason=-" "reopen"
is "$(day "$C" response_due) $(day "$C" resolve_due)" "$(after "$(today)" "$RESP") $(after "$(today)" "$RESOL")" \
	"the reopened case: $RESP and $RESOL working days from today, the extension dropped"

# Back to calendar days, at once.  A case keeps the lengths it was routed
# with: reopened now, it has them again, in calendar days.
sql "UPDATE setting SET value = 'calendar' WHERE name = 'deadline_days'" >/dev/null
for k in accept resolve reopen; do act "$C" "$k" --note 再次 >/dev/null; done
is "$(day "$C" response_due) $(day "$C" resolve_due)" \
	"$(sql "SELECT '$(today)'::date + $RESP || ' ' || '$(today)'::date + $RESOL")" \
	"reopened after the switch: the routing's $RESP and $RESOL days again, in calendar days"

# A case routed before its lengths were recorded takes them from its
# deadlines: from its latest reopening, or from its opening when that round
# kept the deadlines of the one before (as reopens before 0029 did).
sql "UPDATE \"case\" SET response_days = NULL, resolve_days = NULL,
	opened_at = now() - interval '30 days',
	response_due = gr_deadline(now() - interval '30 days', $RESP),
	resolve_due = gr_deadline(now() - interval '30 days', $RESOL) WHERE case_no = '$C'" >/dev/null
for k in accept resolve reopen; do act "$C" "$k" --note 再次 >/dev/null; done
is "$(day "$C" response_due) $(day "$C" resolve_due)" \
	"$(sql "SELECT '$(today)'::date + $RESP || ' ' || '$(today)'::date + $RESOL")" \
	"without recorded lengths: measured from the opening, as the reopened round kept its deadlines"
C=$(newcase 12)
is "$(day "$C" resolve_due)" "$(sql "SELECT '$(today)'::date + $RESOL")" \
	"calendar days again, without a restart"


# A long closure listed as days off (all the next 150 days): the working
# days are found after it (schema/0044_workday_window.sql), and the case
# is opened and answered.
sql "UPDATE setting SET value = 'working' WHERE name = 'deadline_days';
	INSERT INTO holiday (day, working, name)
	SELECT '$(today)'::date + i, false, '测试停工' FROM generate_series(1, 150) i
	ON CONFLICT (day) DO UPDATE SET working = false" >/dev/null || exit 1
C=$(newcase 13)
check "a case is opened in working days after a closure of 150 days" [ -n "$C" ]
is "$(day "$C" response_due) $(day "$C" resolve_due)" "$(after "$(today)" "$RESP") $(after "$(today)" "$RESOL")" \
	"... its deadlines $RESP and $RESOL working days after the closure"
