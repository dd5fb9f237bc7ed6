#!/bin/bash
# test_reload.sh -- SIGHUP reads the collector's config file again: the
# settings that can change while it runs (log_level, batch_max,
# sweep_interval, snapshot_interval, clock_offset) take effect at once,
# flags still win over the file, each other setting that changed is named
# as waiting for the next start, and a file that cannot be used changes
# nothing.  Batches are made as in test_batch.sh, by holding table "case"
# locked while reports arrive.
. "$(dirname "$0")/lib.sh"

start_servers
CONF=$T_DIR/collector.conf
LOG=$T_DIR/collector.log
# settings LEVEL BATCH_MAX SWEEP CLOCK_OFFSET WORKERS QUEUE_MAX
settings() {
	cat >"$CONF" <<EOF
# collector settings of test_reload.sh
log_level	$1
batch_max	$2
sweep_interval	$3
clock_offset	$4
store_workers	$5
queue_max	$6
snapshot_interval	0
EOF
}
settings info 64 0 0 1 1000
gr_collector_start "$T_DIR" "$BUILD" -c "$CONF" -o snapshot_interval=30
G=$(grid_of gw001)
sql "UPDATE setting SET value = '0' WHERE name = 'repeat_window_days'" >/dev/null

# hup: send SIGHUP and wait for the answer to it; prints that line
hup() {
	local n
	n=$(grep -c 'event=reload result=' "$LOG")
	kill -HUP "$GR_COLLECTOR_PID"
	gr_wait_for 20 "the reload" sh -c "[ \$(grep -c 'event=reload result=' '$LOG') -gt $n ]"
	grep 'event=reload result=' "$LOG" | tail -n 1
}

# burst TAG: four reports of four categories arrive while a first one
# waits for table "case"; prints how many transactions stored the four
burst() {
	lock_cases "hold_$1"
	agent_outbox gw001 "first_$1" -W 1 report --grid "$G" --category 11 \
		--colour green --people 1 --summary "重载 $1 等待" >/dev/null
	# the store worker's case statement, not a sweep's
	gr_wait_for 20 "the collector's cases to wait for table case" sql_is 1 \
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector' AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO \"case\"%'"
	: >"$T_DIR/burst_$1.txt"
	for c in 12 13 14 15; do
		printf 'grid: %s\ncategory: %s\ncolour: green\npeople: 1\nsummary: 重载 %s %s\n\n' \
			"$G" "$c" "$1" "$c" >>"$T_DIR/burst_$1.txt"
	done
	agent_outbox gw001 "burst_$1" -W 1 report --file "$T_DIR/burst_$1.txt" >/dev/null
	session_close "hold_$1" "COMMIT;"
	wait_count 20 5 "SELECT count(*) FROM report WHERE summary LIKE '重载 $1 %'"
	sql "SELECT count(DISTINCT xmin::text) FROM report WHERE summary LIKE '重载 $1 1_'"
}

is "$(burst before)" 1 "with batch_max 64, the four reports that arrived together are stored in one transaction"
check "no sweep runs with sweep_interval 0" sh -c "! grep -q event=sweep-done '$LOG'"

# The live settings change; store_workers and queue_max wait for a restart.
settings debug 2 1 3600 3 500
line=$(hup)
case $line in
*"result=ok changed=4 at_next_start=2 log_level=debug batch_max=2 sweep_interval=1 snapshot_interval=30 clock_offset=3600"*)
	ok "the reload applies log_level, batch_max, sweep_interval and clock_offset; the flag keeps snapshot_interval at 30" ;;
*)	not_ok "the reload applies the live settings (got: $line)" ;;
esac
check "store_workers is named as waiting for the next start" \
	grep -q 'event=reload setting=store_workers result=at-next-start' "$LOG"
check "queue_max is named as waiting for the next start" \
	grep -q 'event=reload setting=queue_max result=at-next-start' "$LOG"
check "sweeps begin, logged at the new debug level, with the new clock offset" \
	gr_wait_for 20 "a sweep" grep -q 'event=sweep-done supervised=[0-9]* clock_offset=3600' "$LOG"
is "$(burst after)" 2 "with batch_max 2, the same four reports take two transactions"
is "$(sql "SELECT max(n) FROM (SELECT count(*) n FROM report WHERE summary LIKE '重载 after 1_' GROUP BY xmin::text) t")" 2 \
	"no transaction holds more than 2 of them"
is "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'")" 2 \
	"still one store worker's connection and the main loop's (store_workers waits for a restart)"

# A file that cannot be used changes nothing, and the collector goes on.
printf 'batch_max\t0\n' >"$CONF"
line=$(hup)
case $line in
*"result=kept-old error="*"batch_max"*) ok "a bad file is refused, with the reason ($line)" ;;
*)	not_ok "a bad file is refused with the reason (got: $line)" ;;
esac
n=$(grep -c 'event=sweep-done' "$LOG")
check "the old settings stay: sweeps go on with clock_offset 3600" \
	gr_wait_for 20 "another sweep" sh -c "[ \$(grep 'event=sweep-done' '$LOG' | tail -n +$((n + 1)) | grep -c 'clock_offset=3600') -gt 0 ]"
out=$(agent gw001 -W 20 report --grid "$G" --category 16 --colour green --people 1 --summary "重载 之后")
check "a report is still stored and acknowledged ($out)" sh -c "echo '$out' | grep -q stored"
rm -f "$CONF"
line=$(hup)
case $line in
*"result=kept-old error="*) ok "a missing file is refused too" ;;
*)	not_ok "a missing file is refused (got: $line)" ;;
esac
