#!/bin/bash
# test_db_away.sh -- PostgreSQL restarted while no report comes: the
# collector must not wait for the next report to reconnect.  Its sweep
# (overdue cases, escalations, alerts) notices the lost connection, says
# what went wrong, and reconnects; rule changes made afterwards reach it
# through NOTIFY again.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=1
log=$T_DIR/collector.log
check "the collector loaded its routing rules at start" grep -q 'event=rules-loaded source=startup' "$log"

pg_port=$GR_PG_PORT
gr_pg_stop "$T_DIR"
check "a sweep meets the missing database and says so" \
	gr_wait_for 30 "a failed sweep" grep -q 'event=sweep-failed' "$log"
check "every database failure logged says what went wrong (no empty error)" \
	sh -c "! grep -q 'error=\"\"' '$log'"
check "the collector keeps running while the database is away" kill -0 "$GR_COLLECTOR_PID"

gr_pg_start "$T_DIR" "$pg_port" || exit 1
check "with no report sent, the collector reconnects on its own" \
	gr_wait_for 30 "the collector to reconnect" grep -q 'event=db-reconnected' "$log"
check "and reloads its routing rules on reconnecting" \
	gr_wait_for 10 "rules reloaded" grep -q 'event=rules-loaded source=reconnect' "$log"

# NOTIFY works again: a rule change reaches the collector without a restart
sql "UPDATE route_rule SET min_people = 10 WHERE name = 'group'" >/dev/null
check "a rule changed after the restart reaches it through NOTIFY" \
	gr_wait_for 20 "rules reloaded by notify" grep -q 'event=rules-loaded source=notify' "$log"

agent gw001 -W 20 report --grid "$(grid_of gw001)" --category 10 --colour green --people 1 \
	--summary "重连后" >/dev/null
is "$(sql "SELECT count(*) FROM report WHERE summary = '重连后'")" 1 \
	"a report sent after the restart is stored"
