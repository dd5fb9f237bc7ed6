#!/bin/bash
# gr-test: threads
# test_reload.sh -- SIGHUP reads the collector's config file again: the
# settings that can change while it runs (log_level, batch_max,
# sweep_interval, snapshot_interval, clock_offset) take effect at once,
# flags still win over the file (and the log names what they keep), each
# other setting that changed is named as waiting for the next start, and a
# file that cannot be used changes nothing.  Batches are made as in test_batch.sh, by holding table "case"
# locked while reports arrive.
. "$(dirname "$0")/lib.sh"

start_servers
CONF=$T_DIR/collector.conf
LOG=$T_DIR/collector.log
# settings LEVEL BATCH_MAX SWEEP CLOCK_OFFSET WORKERS QUEUE_MAX; the file's
# broker, not a URI, is never used: the -b flag of gr_collector_start wins
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
broker	nowhere
EOF
}
settings debug 64 0 0 1 1000
MPORT=$(gr_free_port)
gr_collector_start "$T_DIR" "$BUILD" -c "$CONF" -o snapshot_interval=30 \
	-o metrics_port="$MPORT"
# metric NAME: its value on /metrics
metric() {
	curl -sf --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
# reload_metric_is VALUE: gr_collector_config_last_reload_successful comes
# to VALUE (it is set just after the answer line is logged)
reload_metric_is() {
	gr_wait_for 20 "the reload metric to be $1" metric_is "$OK_METRIC" "$1"
}
OK_METRIC=gr_collector_config_last_reload_successful
AT_METRIC=gr_collector_config_last_reload_success_timestamp_seconds
is "$(metric $OK_METRIC)" 1 "the start counts as a successful load of the configuration"
at_start=$(metric $AT_METRIC)
check "... at the start's time ($at_start)" test "${at_start:-0}" -ge "$(( $(date +%s) - 120 ))"
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
	nowait agent_outbox gw001 "first_$1" -W 1 report --grid "$G" --category 11 \
		--colour green --people 1 --summary "重载 $1 等待" >/dev/null
	# the store worker's case statement, not a sweep's
	gr_wait_for 20 "the collector's cases to wait for table case" sql_is 1 \
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector' AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO \"case\"%'"
	: >"$T_DIR/burst_$1.txt"
	for c in 12 13 14 15; do
		printf 'grid: %s\ncategory: %s\ncolour: green\npeople: 1\nsummary: 重载 %s %s\n\n' \
			"$G" "$c" "$1" "$c" >>"$T_DIR/burst_$1.txt"
	done
	nowait agent_outbox gw001 "burst_$1" -W 1 report --file "$T_DIR/burst_$1.txt" >/dev/null
	session_close "hold_$1" "COMMIT;"
	wait_count 20 5 "SELECT count(*) FROM report WHERE summary LIKE '重载 $1 %'"
	sql "SELECT count(DISTINCT xmin::text) FROM report WHERE summary LIKE '重载 $1 1_'"
}

is "$(burst before)" 1 "with batch_max 64, the four reports that arrived together are stored in one transaction"
check "no sweep runs with sweep_interval 0 (sweeps log at debug, the level in force)" \
	sh -c "! grep -q event=sweep-done '$LOG'"

# The live settings change; store_workers and queue_max wait for a restart.
settings debug 2 1 3600 3 500
line=$(hup)
case $line in
*"result=ok changed=3 at_next_start=2 kept_by_flag=2 log_level=debug batch_max=2 sweep_interval=1 snapshot_interval=30 clock_offset=3600"*)
	ok "the reload applies batch_max, sweep_interval and clock_offset; the flag keeps snapshot_interval at 30" ;;
*)	not_ok "the reload applies the live settings (got: $line)" ;;
esac
check "snapshot_interval, 0 in the file, is named as kept by its flag" \
	grep -q 'event=reload setting=snapshot_interval result=kept-flag' "$LOG"
check "so is broker, which the file gives as no URI at all" \
	grep -q 'event=reload setting=broker result=kept-flag' "$LOG"
check "no setting the flags leave to the file is named as kept by a flag" \
	sh -c "! grep 'result=kept-flag' '$LOG' | grep -v 'setting=snapshot_interval\|setting=broker'"
check "the metrics say the reload succeeded" reload_metric_is 1
at_ok=$(metric $AT_METRIC)
check "... and when ($at_ok, from $at_start)" test "${at_ok:-0}" -ge "$at_start"
check "store_workers is named as waiting for the next start" \
	grep -q 'event=reload setting=store_workers result=at-next-start' "$LOG"
check "queue_max is named as waiting for the next start" \
	grep -q 'event=reload setting=queue_max result=at-next-start' "$LOG"
check "sweeps begin, with the new clock offset" \
	gr_wait_for 20 "a sweep" grep -q 'event=sweep-done supervised=[0-9]* clock_offset=3600' "$LOG"
is "$(burst after)" 2 "with batch_max 2, the same four reports take two transactions"
is "$(sql "SELECT max(n) FROM (SELECT count(*) n FROM report WHERE summary LIKE '重载 after 1_' GROUP BY xmin::text) t")" 2 \
	"no transaction holds more than 2 of them"
is "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'")" 2 \
	"still one store worker's connection and the main loop's (store_workers waits for a restart)"

# stored_quietly SUMMARY: a report is stored and acknowledged, and the
# collector logs no report-stored line for it (level warn)
stored_quietly() {
	local out id
	out=$(agent gw001 -W 20 report --grid "$G" --category 16 --colour green --people 1 --summary "$1")
	id=${out%%:*}
	echo "$out" | grep -q stored || { echo "# not stored: $out"; return 1; }
	! grep -q "event=report-stored report=$id" "$LOG"
}
id=$(sql "SELECT id FROM report WHERE summary = '重载 after 12'")
check "at debug, each stored report is logged" grep -q "event=report-stored report=$id" "$LOG"
settings warn 2 1 3600 1 1000
line=$(hup)
case $line in
*"result=ok changed=1 at_next_start=0 kept_by_flag=2 log_level=warn"*)
	ok "a reload to log_level warn is itself logged ($line)" ;;
*)	not_ok "a reload to log_level warn is itself logged (got: $line)" ;;
esac
check "at warn, a stored report is no longer logged" stored_quietly "重载 警告级"
at_ok=$(metric $AT_METRIC)

# A file that cannot be used changes nothing, and the collector goes on.
printf 'batch_max\t0\n' >"$CONF"
line=$(hup)
case $line in
*"result=kept-old error="*"batch_max"*) ok "a bad file is refused, with the reason ($line)" ;;
*)	not_ok "a bad file is refused with the reason (got: $line)" ;;
esac
check "the old settings stay (still warn), and reports are still stored" stored_quietly "重载 坏文件"
check "the metrics say the last reload failed" reload_metric_is 0
is "$(metric $AT_METRIC)" "$at_ok" "... and keep the time of the last one that succeeded"
rm -f "$CONF"
line=$(hup)
case $line in
*"result=kept-old error="*) ok "a missing file is refused too" ;;
*)	not_ok "a missing file is refused (got: $line)" ;;
esac
check "... and reports are still stored, the settings kept" stored_quietly "重载 无文件"
check "the metrics say so" reload_metric_is 0
settings info 2 1 3600 1 1000
line=$(hup)
case $line in
*"result=ok changed=1 "*"log_level=info"*) ok "a good file again is read ($line)" ;;
*)	not_ok "a good file again is read (got: $line)" ;;
esac
check "the metrics say the reload succeeded again" reload_metric_is 1
