#!/bin/bash
# gr-test: threads
# test_workers.sh -- the collector's store workers (collector/workers.c)
# store side by side, each in its own transaction, with the results of one
# worker: a report that depends on an earlier one held by the other worker
# waits for that one's commit (collector/ingest.c, choose()), and two
# repeats of one case stored at once are counted 第 2 次 and 第 3 次
# (schema/0025_repeat_locks.sql).  A session holds table "case" locked:
# the first worker's batch waits on it while the second takes the next
# report.  A reload that lowers batch_max below what a worker holds leaves
# every held report known to the other worker.  By default the collector
# runs one worker on a core or two, two on more (taskset).
. "$(dirname "$0")/lib.sh"

start_servers
port=$(gr_free_port)
CONF=$T_DIR/collector.conf
# no sweep: its statement would wait on table "case" too
printf 'batch_max\t64\nsweep_interval\t0\n' >"$CONF"
gr_collector_start "$T_DIR" "$BUILD" -c "$CONF" -o store_workers=2 \
	-o metrics_port="$port"
LOG=$T_DIR/collector.log
# metric NAME: its value on the collector's /metrics
metric() {
	curl -sf --max-time 10 "http://127.0.0.1:$port/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
metric_above() { [ "$(metric "$1")" -gt "$2" ]; }
sql "UPDATE setting SET value = '0' WHERE name = 'repeat_window_days'" >/dev/null
G=$(grid_of gw001)
idof() { sql "SELECT id FROM report WHERE summary = '$1'"; }
# other OUTBOX ARGS...: a report by gw001 from an outbox of its own, sent
# without waiting for its Ack (-W 1, see nowait in lib.sh); prints its id
other() { nowait agent_outbox gw001 "$@" 2>/dev/null | cut -d: -f1; }

check "the collector runs two store workers, a connection each" \
	gr_wait_for 20 "three connections" sql_is 3 \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'"

agent gw001 -W 20 report --grid "$G" --category 15 --colour green --people 1 \
	--summary "并行 原案" >/dev/null
r0=$(idof "并行 原案")
c0=$(caseof "$r0")
check "the first report is stored ($c0)" [ -n "$c0" ]

# ---- Two repeats of one case, one per worker ------------------------------
# Of other categories, linked to the first report and not to each other:
# nothing makes one wait for the other in the collector.  The first takes
# the case's repeat lock before its case, and waits on table "case"; the
# second waits on the repeat lock, not on the table.
lock_cases one
r1=$(other a -W 1 report --grid "$G" --category 10 --colour green --people 1 \
	--summary "并行 重访一" --link "$r0")
check "the first repeat's batch waits on table case" \
	gr_wait_for 20 "a worker waiting on table case" lock_waits 1 relation
r2=$(other b -W 1 report --grid "$G" --category 13 --colour green --people 1 \
	--summary "并行 重访二" --link "$r0")
check "the second repeat, taken by the other worker, waits for the first's repeat lock" \
	gr_wait_for 20 "a worker waiting on the repeat lock" lock_waits 1 advisory
session_close one "COMMIT;"
wait_count 20 3 "SELECT count(*) FROM report"
is "$(sql "SELECT count(DISTINCT xmin::text) FROM report WHERE id IN ('$r1', '$r2')")" 2 \
	"the two repeats were stored in two transactions"
is "$(sql "SELECT string_agg(c.report_id || ' ' || substring(a.note from '第 [0-9]+ 次'), ',' ORDER BY c.id) FROM alert a JOIN \"case\" c ON c.id = a.case_id WHERE a.kind = 'repeat' AND c.report_id IN ('$r1', '$r2')")" \
	"$r1 第 2 次,$r2 第 3 次" "the repeats are counted 第 2 次, then 第 3 次, in the order they were stored"

# ---- A report that depends on one the other worker holds ------------------
# The second links to the first while the first waits on table "case": the
# other worker takes it, and holds it until the first is stored, so that it
# is stored as the first's repeat.
lock_cases two
x=$(other c -W 1 report --grid "$G" --category 11 --colour green --people 1 \
	--summary "并行 在先")
gr_wait_for 20 "a worker waiting on table case" lock_waits 1 relation
n=$(received "$port")
deferred=$(metric gr_collector_deferred_total)
y=$(other d -W 1 report --grid "$G" --category 12 --colour green --people 1 \
	--summary "并行 在后" --link "$x")
check "the collector has taken the later report too" \
	gr_wait_for 20 "the collector to take it" received_is "$port" $((n + 1))
check "the other worker sets it aside (gr_collector_deferred_total)" \
	gr_wait_for 20 "a deferral" metric_above gr_collector_deferred_total "$deferred"
session_close two "COMMIT;"
wait_count 20 5 "SELECT count(*) FROM report"
is "$(sql "SELECT r.case_no FROM \"case\" c JOIN \"case\" r ON r.id = c.repeat_of WHERE c.report_id = '$y'")" \
	"$(caseof "$x")" "the later report is stored after the one it links to, as its repeat"
is "$(sql "SELECT (SELECT id FROM \"case\" WHERE report_id = '$x') < (SELECT id FROM \"case\" WHERE report_id = '$y')")" t \
	"and its case comes after"

# ---- batch_max lowered while a worker holds more than that ----------------
# A worker takes three reports at batch_max 64: a, and b and d, which link
# to a and wait for its commit.  While a waits on its repeat lock, a reload
# makes batch_max 1.  The next round stores b (red: it waits on its
# township's 一案双查 lock) and must still show d to the other worker, which
# then holds back z, a later report of d's matter, until d is stored.
# Both workers first wait on table "case", so that the three are queued
# before either takes them.
c0_id=$(sql "SELECT id FROM \"case\" WHERE report_id = '$r0'")
tsp=$(sql "SELECT township_code FROM \"case\" WHERE report_id = '$r0'")
session_open hold_repeat
session_send hold_repeat "SELECT pg_advisory_lock(hashtext('gr_repeat'), hashint8($c0_id)); SELECT 'locked';"
session_wait hold_repeat locked
session_open hold_township
session_send hold_township "SELECT pg_advisory_lock(hashtext('gr_double_check'), hashtext('$tsp')); SELECT 'locked';"
session_wait hold_township locked
lock_cases three
other e -W 1 report --grid "$G" --category 16 --colour green --people 1 \
	--summary "批量 先一" >/dev/null
gr_wait_for 20 "a worker waiting on table case" lock_waits 1 relation
other f -W 1 report --grid "$G" --category 17 --colour green --people 1 \
	--summary "批量 先二" >/dev/null
check "both workers wait on table case" \
	gr_wait_for 20 "two workers waiting on table case" lock_waits 2 relation
ra=$(other g -W 1 report --grid "$G" --category 18 --colour green --people 1 \
	--summary "批量 甲" --link "$r0")
rb=$(other h -W 1 report --grid "$G" --category 19 --colour red --people 1 \
	--summary "批量 乙" --link "$ra")
rd=$(other i -W 1 report --grid "$G" --category 20 --colour green --people 1 \
	--summary "批量 丁" --link "$ra")
check "the three are queued behind the two held (gr_collector_queue_length 5)" \
	gr_wait_for 20 "five reports waiting" metric_is gr_collector_queue_length 5
session_close three "COMMIT;"
check "one worker takes the three; a waits on its repeat lock" \
	gr_wait_for 20 "a worker waiting on the repeat lock" advisory_waits 1 gr_repeat
printf 'batch_max\t1\nsweep_interval\t0\n' >"$CONF"
reloads=$(grep -c 'event=reload result=ok' "$LOG")
kill -HUP "$GR_COLLECTOR_PID"
check "batch_max becomes 1" gr_wait_for 20 "the reload" \
	sh -c "[ \$(grep -c 'event=reload result=ok.* batch_max=1 ' '$LOG') -gt $reloads ]"
session_close hold_repeat
check "a is stored, and the next round waits on b's township lock" \
	gr_wait_for 20 "a worker waiting on the township lock" advisory_waits 1 gr_double_check
is "$(sql "SELECT count(*) FROM report WHERE id IN ('$rb', '$rd')")" 0 "b and d are not stored yet"
n=$(received "$port")
deferred=$(metric gr_collector_deferred_total)
rz=$(other j -W 1 report --grid "$G" --category 20 --colour green --people 1 \
	--summary "批量 后来")
check "the other worker takes z" \
	gr_wait_for 20 "the collector to take z" received_is "$port" $((n + 1))
check "and sets it aside: d, of the same matter and held by the first worker, comes first" \
	gr_wait_for 20 "a deferral" metric_above gr_collector_deferred_total "$deferred"
session_close hold_township
wait_count 20 1 "SELECT count(*) FROM report WHERE id = '$rz'"
is "$(sql "SELECT count(*) FROM report WHERE id IN ('$ra', '$rb', '$rd', '$rz')")" 4 \
	"a, b, d and z are all stored"
is "$(sql "SELECT (SELECT id FROM \"case\" WHERE report_id = '$rd') < (SELECT id FROM \"case\" WHERE report_id = '$rz')")" t \
	"z's case comes after d's, in the order they came"
check "once all is stored, nothing is waiting (gr_collector_queue_length 0)" \
	gr_wait_for 20 "the gauge to come to 0" metric_is gr_collector_queue_length 0

# ---- How many by default ---------------------------------------------------
# store_workers 0, the default: one worker on 2 cores or fewer, two on more,
# counting the cores the collector may run on (taskset).
gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "the collector of two workers exits 0"
# on_cores CPUS: a collector with the default settings on those cores; sets
# W to the count of store workers its started line gives
on_cores() {
	local log=$T_DIR/collector-cores.log
	: >"$log"
	GR_WRAP="taskset -c $1 ${GR_WRAP:-}" GR_COLLECTOR_LOG=$log \
		gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=0
	W=$(sed -n 's/.*event=started .*store_workers=\([0-9]*\).*/\1/p' "$log")
}
# the cores this test may run on, one per line (a cpuset may leave some out)
allowed=$(taskset -pc $$ | sed 's/.*: *//' | tr ',' '\n' |
	awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
on_cores "$(head -n 1 <<<"$allowed")"
is "$W" 1 "on one core the collector runs one store worker"
check "... a connection for it and one for the main loop" \
	gr_wait_for 20 "two connections" sql_is 2 \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'"
gr_collector_stop TERM
is "$GR_COLLECTOR_RC" 0 "... and exits 0"
if [ "$(wc -l <<<"$allowed")" -ge 3 ]; then
	on_cores "$(head -n 3 <<<"$allowed" | paste -sd, -)"
	is "$W" 2 "on three cores it runs two"
	gr_collector_stop TERM
else
	echo "# two workers by default need 3 cores: $(wc -l <<<"$allowed") here"
fi
