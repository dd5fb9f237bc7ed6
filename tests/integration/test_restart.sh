#!/bin/bash
# test_restart.sh -- the collector stops while agents report, then starts
# again: every report lands exactly once when the agents send again.
. "$(dirname "$0")/lib.sh"

start_servers

# 1. No collector: the report waits in the outbox.
g1=$(grid_of gw002)
agent gw002 -W 1 report --grid "$g1" --category 02 --colour yellow --people 3 \
	--summary "工资拖欠, 采集服务停止时上报" >/dev/null
is "$?" 5 "with no collector the agent keeps the report and exits 5"
is "$(sqlite3 "$T_DIR/agents/gw002.db" "SELECT state FROM outbox")" sent \
	"the report is in the outbox, sent but not acknowledged"
is "$(sql "SELECT count(*) FROM report")" 0 "nothing is stored yet"

gr_collector_start "$T_DIR" "$BUILD"
out=$(agent gw002 -W 20 sync)
is "$?" 0 "after the collector starts, sync delivers ($out)"
is "$(sql "SELECT count(*) FROM report WHERE worker_id = 'gw002'")" 1 \
	"the report is stored exactly once"
is "$(sqlite3 "$T_DIR/agents/gw002.db" "SELECT state FROM outbox")" stored \
	"the outbox records the Ack"

# 2. The collector is killed (SIGKILL) in the middle of a stream.
workers="gw003 gw011 gw021 gw032"
per_worker=15
pids=""
for w in $workers; do
	g=$(grid_of "$w")
	(
		for i in $(seq 1 $per_worker); do
			agent "$w" -W 3 report --grid "$g" --category 10 --colour green \
				--people 2 --summary "邻里纠纷 $w $i" >/dev/null
		done
	) &
	pids="$pids $!"
done
gr_wait_for 60 "some reports stored" sh -c \
	"[ \$(psql '$GR_DB' -XAtq -c 'SELECT count(*) FROM report') -ge 12 ]"
gr_collector_stop KILL
killed_at=$(sql "SELECT count(*) FROM report")
gr_collector_start "$T_DIR" "$BUILD"
wait $pids

total=$(( $(echo $workers | wc -w) * per_worker + 1 ))
check "the stream was cut in the middle ($killed_at of $total stored at the kill)" \
	[ "$killed_at" -lt "$total" ]
for w in $workers; do
	for _ in 1 2 3; do
		agent "$w" -W 20 sync >/dev/null && break
	done
done
is "$(sql "SELECT count(*) FROM report")" "$total" "every report is stored after the resend"
is "$(sql "SELECT count(*) FROM \"case\"")" "$total" "every report has exactly one case"
ids_ok=1
for w in $workers; do
	for id in $(sqlite3 "$T_DIR/agents/$w.db" "SELECT id FROM outbox"); do
		[ "$(sql "SELECT count(*) FROM report WHERE id = '$id'")" = 1 ] || ids_ok=0
	done
	[ "$(sqlite3 "$T_DIR/agents/$w.db" "SELECT count(*) FROM outbox WHERE state = 'stored'")" = "$per_worker" ] || ids_ok=0
done
check "each agent's reports are stored once and acknowledged" [ $ids_ok = 1 ]

# 3. SIGTERM drains: the collector exits cleanly and says so.
gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the collector exits 0 on SIGTERM"
check "the collector logs its drain" grep -q "event=stopped" "$T_DIR/collector.log"
