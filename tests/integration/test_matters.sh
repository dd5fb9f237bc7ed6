#!/bin/bash
# gr-test: threads
# test_matters.sh -- two collectors storing reports of one matter at the
# same moment: the second waits for the first's commit before its repeat
# search, and is routed as the first's repeat (重访), not as a new case
# (matter locks: collector/store.c).  A session holds table "case" locked, so
# that the first collector's transaction is held open after its report.
. "$(dirname "$0")/lib.sh"

start_servers
p1=$(gr_free_port)
gr_collector_start "$T_DIR" "$BUILD" -o store_workers=1 -o metrics_port="$p1"
C1=$GR_COLLECTOR_PID
p2=$(gr_free_port)
GR_COLLECTOR_LOG=$T_DIR/collector2.log gr_collector_start "$T_DIR" "$BUILD" \
	-o store_workers=1 -o metrics_port="$p2"
C2=$GR_COLLECTOR_PID
GR_COLLECTOR_PID=$C1

check "both collectors are connected, two connections each" \
	gr_wait_for 20 "four connections" sql_is 4 \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'"
G=$(grid_of gw001)
# send OUTBOX CATEGORY SUMMARY: a report of petitioner 13900001111 by
# gw001, from an outbox of its own; prints its id
send() {
	nowait agent_outbox gw001 "$1" -W 1 report --grid "$G" --category "$2" \
		--colour green --people 1 --summary "$3" \
		--party "petitioner:某人:13900001111" | cut -d: -f1
}
both() { echo $(($(received "$p1") + $(received "$p2"))); }
both_is() { [ "$(both)" = "$1" ]; }

lock_cases one
r1=$(send a 10 "同一人 第一次")
check "the first report's transaction waits on table case" \
	gr_wait_for 20 "a collector waiting on table case" lock_waits 1 relation
first1=$(received "$p1")
# The broker hands a shared subscription's messages out in turn: the
# next report goes to the other collector.
r2=$(send b 13 "同一人 第二次")
check "the broker has handed out the second report" \
	gr_wait_for 20 "both reports taken" both_is 2
check "the other collector took it" [ "$(received "$p1")" = "$first1" ]
check "it waits for the first's lock of the petitioner's phone, before its repeat search" \
	gr_wait_for 20 "a collector waiting on a matter lock" advisory_waits 1 gr_matter
check "and the first still waits on table case" lock_waits 1 relation
session_close one "COMMIT;"
wait_count 20 2 "SELECT count(*) FROM \"case\""
c1=$(caseof "$r1")
is "$(sql "SELECT r.case_no FROM \"case\" c JOIN \"case\" r ON r.id = c.repeat_of WHERE c.report_id = '$r2'")" \
	"$c1" "the second report is routed as a repeat of the first's case ($c1)"
check "its alert says so" sql_is 1 \
	"SELECT count(*) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE c.report_id = '$r2' AND a.kind = 'repeat' AND a.note LIKE '%$c1%第 2 次%'"
check "the two were stored by the two collectors" \
	[ "$(grep -c 'event=report-stored' "$T_DIR/collector.log")" = 1 -a \
	  "$(grep -c 'event=report-stored' "$T_DIR/collector2.log")" = 1 ]

# Two reports that link to one report do not wait for each other's matter
# locks: each finds it by the link.  (They are two repeats of one case:
# the second waits for the first's commit at the case's repeat lock,
# schema/0025_repeat_locks.sql, after its search.)
lock_cases two
r3=$(nowait agent_outbox gw001 c -W 1 report --grid "$G" --category 11 --colour green \
	--people 1 --summary "链接 一" --link "$r1" | cut -d: -f1)
gr_wait_for 20 "a collector waiting on table case" lock_waits 1 relation
r4=$(nowait agent_outbox gw001 d -W 1 report --grid "$G" --category 12 --colour green \
	--people 1 --summary "链接 二" --link "$r1" | cut -d: -f1)
check "a second report linking to the same one waits at the case's repeat lock, past its search" \
	gr_wait_for 20 "a collector waiting on a repeat lock" advisory_waits 1 gr_repeat
check "not on a matter lock" advisory_waits 0 gr_matter
session_close two "COMMIT;"
wait_count 20 4 "SELECT count(*) FROM \"case\""
is "$(sql "SELECT count(*) FROM \"case\" c JOIN \"case\" r ON r.id = c.repeat_of WHERE c.report_id IN ('$r3', '$r4') AND r.case_no = '$c1'")" \
	2 "both are repeats of the case they link to"

GR_COLLECTOR_PID=$C2 gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the second collector exits 0 on SIGTERM"
