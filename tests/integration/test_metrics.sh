#!/bin/bash
# test_metrics.sh -- the collector's Prometheus metrics on a loopback port:
# counters and histograms move as reports flow (stored, duplicate,
# rejected by reason), the listener is on 127.0.0.1 only, a port already
# taken stops the collector at startup with a clear error.
. "$(dirname "$0")/lib.sh"

start_servers
port=$(gr_free_port)
gr_collector_start "$T_DIR" "$BUILD" -o metrics_port="$port"
url=http://127.0.0.1:$port/metrics

scrape() { curl -sf --max-time 10 "$url"; }
# metric NAME: its value in a fresh scrape ("" when absent)
metric() { scrape | awk -v n="$1" '$1 == n { print $2 }'; }

scrape >"$T_DIR/first.txt"
check "the metrics page answers on 127.0.0.1:$port" [ -s "$T_DIR/first.txt" ]
check "the listener is bound to loopback only" \
	sh -c "ss -ltnH | awk '{ print \$4 }' | grep -qx '127.0.0.1:$port'"
is "$(metric gr_collector_stored_total)" 0 "nothing stored yet"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")" 404 \
	"another path is not found"
scrape | grep -q '^# TYPE gr_collector_commit_seconds histogram$'
check "the text names its types (commit latency is a histogram)" [ $? = 0 ]

# Three reports stored, one sent again (a duplicate), one malformed.
workers="gw001 gw010 gw020"
for w in $workers; do
	agent "$w" -W 20 report --grid "$(grid_of "$w")" --category 03 --colour green \
		--people 2 --summary "指标测试 $w" >/dev/null
done
rid=$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT id FROM outbox LIMIT 1")
sqlite3 "$T_DIR/agents/gw001.db" "UPDATE outbox SET state = 'queued' WHERE id = '$rid'"
agent gw001 -W 20 sync >/dev/null
"$GRMSG" report --truncate 40 >"$T_DIR/bad.pb"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t gr/v1/report/gw002 -f "$T_DIR/bad.pb"
wait_count 20 1 "SELECT count(*) FROM dead_letter"

is "$(metric gr_collector_stored_total)" 3 "stored_total counts the 3 new reports"
is "$(metric gr_collector_duplicates_total)" 1 "duplicates_total counts the resent one"
is "$(metric 'gr_collector_rejected_total{reason="malformed"}')" 1 \
	"rejected_total counts the malformed payload under its reason"
is "$(metric gr_collector_received_total)" 5 "received_total counts every message taken"
is "$(metric gr_collector_ack_seconds_count)" 4 "an Ack latency for each stored or duplicate Ack"
is "$(metric gr_collector_batch_reports_sum)" 3 "batch sizes add up to the reports stored"
check "each commit is timed" [ "$(metric gr_collector_commit_seconds_count)" = \
	"$(metric gr_collector_batch_reports_count)" ]
is "$(metric 'gr_collector_ack_seconds_bucket{le="+Inf"}')" 4 "the +Inf bucket holds every Ack"

# A group incident (6 people) raises an alert: counted once the broker has it.
alerts_before=$(metric gr_collector_alerts_total)
agent gw010 -W 20 report --grid "$(grid_of gw010)" --category 05 --colour yellow \
	--people 6 --summary "指标测试 群体" >/dev/null
alerts_now() { [ "$(metric gr_collector_alerts_total)" = "$((alerts_before + 1))" ]; }
check "alerts_total counts the group alert published" \
	gr_wait_for 20 "gr_collector_alerts_total to grow" alerts_now

# A second collector asked for the same port refuses to start.
"$BUILD/collector" -b "$GR_BROKER" -d "$GR_DB" -o metrics_port="$port" >"$T_DIR/second.out" 2>&1 </dev/null
rc=$?
check "a taken metrics port stops the collector at startup (exit $rc)" [ "$rc" != 0 ]
check "and it says why" grep -q "cannot listen on metrics_port $port" "$T_DIR/second.out"
