#!/bin/bash
# test_broker_restart.sh -- the broker stops and starts again in the middle
# of a stream: the collector stays up, reconnects and subscribes again by
# itself, and once the agents send again every report is stored exactly
# once and acknowledged; a case update published after the restart still
# reaches the reporting worker.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
C=$GR_COLLECTOR_PID
PORT=$GR_MQTT_PORT
workers="gw001 gw010 gw020 gw030"
per=10
n=$(( $(echo $workers | wc -w) * per ))

stream restart $per $workers
wait_count 60 t "SELECT count(*) >= 8 FROM report"
gr_broker_stop "$T_DIR"
ok "the broker stops with $(sql "SELECT count(*) FROM report") of $n reports stored"
gr_broker_start "$T_DIR" "$PORT" || exit 1
wait $S_PIDS
check "the collector is still running, the same process" kill -0 "$C"
check "... and saw the connection drop" grep -q "event=mqtt-connection-lost" "$T_DIR/collector.log"

resync $workers
is "$(sql "SELECT count(*) FROM report")" "$n" "after the agents send again, $n reports are stored"
is "$(sql "SELECT count(*) FROM \"case\"")" "$n" "... with one case each"
check "every agent's outbox holds every report as stored, each stored once" all_stored $per $workers

# The collector answers on the new connection: a dispatcher's action after
# the restart reaches the worker's agent.
case_no=$(sql "SELECT case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.worker_id = 'gw001' ORDER BY c.id LIMIT 1")
unit=$(sql "SELECT unit_code FROM \"case\" WHERE case_no = '$case_no'")
"$GRMSG" action --unit "$unit" --case "$case_no" --kind accept |
	mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$unit" -s
check "an action published after the restart is applied" \
	wait_count 20 accepted "SELECT state FROM \"case\" WHERE case_no = '$case_no'"
agent gw001 -W 5 sync >/dev/null 2>&1
is "$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT case_state FROM outbox WHERE case_no = '$case_no'")" accepted \
	"... and its update reaches the reporting worker"
