#!/bin/bash
# gr-test: threads
# test_restart.sh -- the collector stops while agents report (not running,
# SIGKILL, SIGTERM mid-stream), then starts again: every report lands
# exactly once when the agents send again, and a drained collector has
# published the Ack of every report it stored.
. "$(dirname "$0")/lib.sh"

start_servers

# 1. No collector: the report waits in the outbox.
g1=$(grid_of gw002)
nowait agent gw002 -W 1 report --grid "$g1" --category 02 --colour yellow --people 3 \
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

# 3. SIGTERM in the middle of a stream: the collector stops taking reports,
# stores and acknowledges those it took, and exits 0.  Every report stored
# by then has had its Ack published; the rest are sent again and stored once.
subscribe acks 'gr/v1/ack/#'
workers3="gw005 gw014 gw025 gw040"
in_list="'$(echo $workers3 | sed "s/ /','/g")'"
before=$(sql "SELECT count(*) FROM report")
pids=""
for w in $workers3; do
	g=$(grid_of "$w")
	(
		for i in $(seq 1 $per_worker); do
			agent "$w" -W 3 report --grid "$g" --category 11 --colour green \
				--people 2 --summary "土地纠纷 $w $i" >/dev/null
		done
	) &
	pids="$pids $!"
done
gr_wait_for 60 "some reports stored" sh -c \
	"[ \$(psql '$GR_DB' -XAtq -c 'SELECT count(*) FROM report') -ge $((before + 8)) ]"
gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the collector exits 0 on SIGTERM in the middle of a stream"
check "the collector logs its drain" grep -q "event=stopped" "$T_DIR/collector.log"
sql "SELECT id FROM report WHERE worker_id IN ($in_list)" | LC_ALL=C sort >"$T_DIR/at-term"
at_term=$(wc -l <"$T_DIR/at-term")
total3=$(( $(echo $workers3 | wc -w) * per_worker ))
check "the stream was cut in the middle ($at_term of $total3 stored at SIGTERM)" \
	[ "$at_term" -lt "$total3" ]
# The Acks were published before the collector exited; the broker has them
# on their way to the subscriber.
gr_wait_for 20 "an Ack for each report stored by the drained collector" sh -c \
	"[ \$(grep -c '^gr/v1/ack/' '$T_DIR/acks.sub') -ge $at_term ]"
messages acks | "$GRMSG" notice | sed -n 's/.*report=\([^ ]*\) status=stored.*/\1/p' |
	LC_ALL=C sort -u >"$T_DIR/acked"
is "$(LC_ALL=C comm -23 "$T_DIR/at-term" "$T_DIR/acked" | wc -l)" 0 \
	"every report stored before the exit had its stored Ack published"
gr_collector_start "$T_DIR" "$BUILD"
wait $pids
for w in $workers3; do
	for _ in 1 2 3; do
		agent "$w" -W 20 sync >/dev/null && break
	done
done
is "$(sql "SELECT count(*) FROM report WHERE worker_id IN ($in_list)")" "$total3" \
	"after the restart and the resend every report is stored"
ids_ok=1
for w in $workers3; do
	for id in $(sqlite3 "$T_DIR/agents/$w.db" "SELECT id FROM outbox"); do
		[ "$(sql "SELECT count(*) FROM report WHERE id = '$id'")" = 1 ] || ids_ok=0
	done
	[ "$(sqlite3 "$T_DIR/agents/$w.db" "SELECT count(*) FROM outbox WHERE state = 'stored'")" = "$per_worker" ] || ids_ok=0
done
check "each agent's reports are stored once and acknowledged" [ $ids_ok = 1 ]
is "$(sql "SELECT count(*) FROM \"case\"")" "$(sql "SELECT count(*) FROM report")" \
	"every report has exactly one case"
