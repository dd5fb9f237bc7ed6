#!/bin/bash
# gr-test: threads
# test_scaleout.sh -- two collectors on the shared subscription split a
# stream of reports from several agents and store each exactly once; then
# PostgreSQL stops and starts again in the middle of a stream: both
# collectors stay up, reconnect, and once the agents send again every report
# is stored exactly once and acknowledged.
. "$(dirname "$0")/lib.sh"

start_servers

both_alive() { kill -0 "$C1" 2>/dev/null && kill -0 "$C2" 2>/dev/null; }

# 1. Two collectors share the load.
gr_collector_start "$T_DIR" "$BUILD"
C1=$GR_COLLECTOR_PID
GR_COLLECTOR_LOG=$T_DIR/collector2.log gr_collector_start "$T_DIR" "$BUILD"
C2=$GR_COLLECTOR_PID
GR_COLLECTOR_PID=$C1

workers="gw001 gw005 gw010 gw014 gw020 gw025"
per=8
n=$(( $(echo $workers | wc -w) * per ))
stream split $per $workers
wait $S_PIDS
resync $workers
is "$(sql "SELECT count(*) FROM report")" "$n" "$n reports from two collectors give $n rows"
is "$(sql "SELECT count(*) FROM \"case\"")" "$n" "and $n cases, one per report"
is "$(sql "SELECT count(*) FROM dead_letter")" 0 "nothing is dead-lettered"
check "every agent's outbox records every report as stored, each stored once" all_stored $per $workers
s1=$(grep -c 'event=report-stored' "$T_DIR/collector.log")
s2=$(grep -c 'event=report-stored' "$T_DIR/collector2.log")
check "both collectors stored some of the reports ($s1 and $s2)" [ "$s1" -gt 0 -a "$s2" -gt 0 ]
is "$((s1 + s2))" "$n" "between them they stored each report once ($s1 + $s2)"

# 2. PostgreSQL stops in the middle of a stream and starts again on its port.
before=$n
workers2="gw003 gw011 gw021 gw032"
per2=10
n2=$(( $(echo $workers2 | wc -w) * per2 ))
total=$((before + n2))
stream pgstop $per2 $workers2
gr_wait_for 60 "some of the stream stored" sh -c \
	"[ \$(psql '$GR_DB' -XAtq -c 'SELECT count(*) FROM report') -ge $((before + 6)) ]"
pg_port=$GR_PG_PORT
l1=$(wc -l <"$T_DIR/collector.log")
gr_pg_stop "$T_DIR"
at_stop=$(grep -c 'event=report-stored' "$T_DIR"/collector*.log | awk -F: '{ s += $2 } END { print s }')
check "the stream was cut in the middle ($((at_stop - before)) of $n2 stored)" [ "$at_stop" -lt "$total" ]
# Wait until a collector has met the missing database.
gr_wait_for 60 "a collector to notice the database is away" sh -c \
	"cat '$T_DIR'/collector*.log | grep -q 'event=db-unavailable'"
check "both collectors keep running while the database is away" both_alive
gr_pg_start "$T_DIR" "$pg_port" || exit 1
wait $S_PIDS
resync $workers2
is "$(sql "SELECT count(*) FROM report")" "$total" "every report is stored after the agents send again"
is "$(sql "SELECT count(*) FROM \"case\"")" "$total" "every report has exactly one case"
is "$(sql "SELECT count(*) FROM dead_letter")" 0 "nothing is dead-lettered"
check "every agent's outbox records every report as stored, each stored once" all_stored $per2 $workers2
check "the collectors are still the same processes" both_alive
check "a collector logs its reconnection to the database" \
	sh -c "tail -n +$((l1 + 1)) '$T_DIR/collector.log' | cat - '$T_DIR/collector2.log' | grep -q event=db-reconnected"

# The second collector drains and exits cleanly; finish() stops the first.
GR_COLLECTOR_PID=$C2 gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the second collector exits 0 on SIGTERM"
