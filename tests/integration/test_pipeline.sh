#!/bin/bash
# test_pipeline.sh -- reports from several agents through the real broker,
# collector and database: N reports give N rows, N cases, N Acks and N
# dispatch entries; a report sent twice gives one row and a "duplicate" Ack
# with the same case number.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
subscribe acks 'gr/v1/ack/#'
subscribe dispatch 'gr/v1/dispatch/#'

workers="gw001 gw005 gw010 gw014 gw020 gw025 gw031 gw040"
per_worker=5
n=0
pids=""
for w in $workers; do
	g=$(grid_of "$w")
	(
		for i in $(seq 1 $per_worker); do
			agent "$w" -W 20 report --grid "$g" --category 0$((i % 9 + 1)) \
				--colour yellow --people "$i" \
				--summary "测试报告 $w $i" \
				--party "petitioner:测试人:1390$(printf %03d "${w#gw}")$(printf %04d "$i")" \
				>/dev/null || echo "report $w $i: exit $?" >&2
		done
	) &
	pids="$pids $!"
	n=$((n + per_worker))
done
wait $pids
is "$(sql "SELECT count(*) FROM report")" "$n" "$n reports give $n report rows"
is "$(sql "SELECT count(*) FROM \"case\"")" "$n" "$n reports give $n cases"
is "$(sql "SELECT count(DISTINCT case_no) FROM \"case\"")" "$n" "case numbers are distinct"
is "$(sql "SELECT count(*) FROM case_event")" "$((2 * n))" "each case has its received and routed events"
is "$(sql "SELECT count(*) FROM party")" "$n" "each report's party is stored"
is "$(sql "SELECT count(*) FROM \"case\" c JOIN report r ON r.id = c.report_id
	WHERE c.unit_code <> substr(r.grid_code, 1, CASE c.level WHEN 'township' THEN 9 ELSE 6 END)")" 0 \
	"every case goes to the township or the county of its grid, as its level says"
is "$(sql "SELECT count(*) FROM \"case\" WHERE case_no !~ '^530322-[0-9]{4}-[0-9]{6}$'")" 0 \
	"case numbers read county-year-sequence"

gr_wait_for 20 "$n acks" sh -c "[ \$(grep -c '^gr/v1/ack/' '$T_DIR/acks.sub') -ge $n ]"
stored=$(messages acks | "$GRMSG" notice | grep -c "status=stored")
is "$stored" "$n" "$n stored Acks were published"
is "$(messages acks | "$GRMSG" notice | awk '{print $2}' | sort -u | wc -l)" "$n" \
	"each Ack names a different report"
acked_ok=1
for w in $workers; do
	got=$(sqlite3 "$T_DIR/agents/$w.db" "SELECT count(*) FROM outbox WHERE state = 'stored' AND case_no LIKE '530322-%'")
	[ "$got" = "$per_worker" ] || { acked_ok=0; echo "# $w: $got stored in its outbox"; }
done
check "every agent's outbox records every Ack with its case number" [ $acked_ok = 1 ]

# "TOPIC case ..." per case entry: the county's feed also carries alerts
# (repeats here), and a unit's cases of one batch come in one message
cases_fed() { messages dispatch | while read -r topic hex; do
	echo "$topic $hex" | "$GRMSG" case | sed -n "s|^case |$topic case |p"
done; }
all_fed() { [ "$(cases_fed | wc -l)" -ge "$n" ]; }
gr_wait_for 20 "$n dispatch entries" all_fed
is "$(cases_fed | awk '{split($1, t, "/"); print t[4]}' | sort | uniq | wc -l)" \
	"$(sql "SELECT count(DISTINCT unit_code) FROM \"case\"")" \
	"cases are published on the dispatch feed of each township"
is "$(cases_fed | awk '{print $3}' | sort -u | wc -l)" "$n" "each case is on the feed"
bad_feed=$(cases_fed | while read -r topic entry; do
	unit=${topic##*/}
	case "$entry" in *" unit=$unit "*) ;; *) echo "$topic $entry" ;; esac
done | wc -l)
is "$bad_feed" 0 "each dispatch entry is on its own unit's topic"

# An Ack lost on the way: the agent still holds the report and sends it again.
rid=$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT id FROM outbox ORDER BY seq LIMIT 1")
case_before=$(sql "SELECT case_no FROM \"case\" WHERE report_id = '$rid'")
sqlite3 "$T_DIR/agents/gw001.db" "UPDATE outbox SET state = 'queued', case_no = NULL WHERE id = '$rid'"
out=$(agent gw001 -W 20 sync)
check "sync after a lost Ack succeeds ($out)" [ $? = 0 ]
is "$(sql "SELECT count(*) FROM report WHERE id = '$rid'")" 1 "the resent report is stored once"
is "$(sql "SELECT count(*) FROM report")" "$n" "no new row for the resent report"
is "$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT duplicate || ' ' || case_no FROM outbox WHERE id = '$rid'")" \
	"1 $case_before" "the agent records a duplicate Ack with the same case number"
gr_wait_for 20 "the duplicate ack" sh -c "grep '^gr/v1/ack/gw001 ' '$T_DIR/acks.sub' | '$GRMSG' notice | grep -q 'report=$rid status=duplicate'"
is "$(messages acks | "$GRMSG" notice | grep "report=$rid status=duplicate" | awk '{print $5}')" \
	"case=$case_before" "the duplicate Ack carries the original case number"
# The first dispatch entry may have been lost with the first Ack (a crash
# between commit and publish): the duplicate sends the case to its unit again.
twice() { [ "$(cases_fed | grep -c " case_no=$case_before ")" -ge 2 ]; }
check "after a duplicate the case is on its unit's dispatch feed again" \
	gr_wait_for 20 "the case on the feed again" twice
