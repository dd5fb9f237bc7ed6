#!/bin/bash
# test_supervision.sh -- overdue cases are supervised (督办) in rising levels
# by the collector's sweeper: ordinary, yellow card, red card, the last
# sending a township's case to the county; the units and the worker are
# told.  The clock is injected (collector option clock_offset), not slept.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=0
G=$(grid_of gw001)
T=${G:0:9}
subscribe worker 'gr/v1/ack/gw001'
subscribe county 'gr/v1/dispatch/530322'
subscribe town "gr/v1/dispatch/$T"
DAY=86400

report() {
	agent gw001 -W 20 report --grid "$G" --summary "督办测试" "$@" | cut -d: -f1
}
status() { sql "SELECT state || ' ' || supervision || ' ' || unit_code FROM \"case\" WHERE case_no = '$1'"; }
sweeps() { sql "SELECT count(*) FROM case_event WHERE actor = 'sweeper'"; }

# sweep_at DAYS: run the collector with its clock DAYS ahead until it has
# logged a sweep (a line after those of the collectors before it).
sweep_at() {
	local before
	gr_collector_stop TERM
	before=$(wc -l <"$T_DIR/collector.log")
	gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=1 \
		-o clock_offset=$(($1 * DAY)) -l debug
	gr_wait_for 30 "a sweep" sh -c \
		"tail -n +$((before + 1)) '$T_DIR/collector.log' | grep -q 'event=sweep-done'"
}

A=$(caseof "$(report --category 10 --colour green --people 2)")	# response 7 d
B=$(caseof "$(report --category 10 --colour red --people 1)")	# county, resolve 15 d
C=$(caseof "$(report --category 11 --colour yellow --people 1)")
F=$(caseof "$(report --category 14 --colour red --people 1)")	# county, response 1 d
is "$(status "$F")" "routed 0 530322" "a red case goes to the county"
is "$(status "$A")" "routed 0 $T" "a new case is not supervised"
sql "UPDATE \"case\" SET state = 'resolved' WHERE case_no = '$C'" >/dev/null

# act CASE KIND STATE [OPTIONS]: the township's dispatcher acts; wait until
# the case is in STATE.
act() {
	"$GRMSG" action --unit "$T" --case "$1" --kind "$2" "${@:4}" >"$T_DIR/a"
	mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$T" -f "$T_DIR/a"
	wait_count 20 "$3" "SELECT state FROM \"case\" WHERE case_no = '$1'"
}
# D and E respond in 7 days and resolve in 60: accepted, they are not
# late at 16 or 31 days, even once E has left the accepted state.
D=$(caseof "$(report --category 12 --colour green --people 3)")
E=$(caseof "$(report --category 13 --colour green --people 4)")
act "$D" accept accepted
act "$E" accept accepted
act "$E" escalate escalated --note 涉及多部门
is "$(action_result county 530322 "$B" accept)" "ok=1 reason=-" "the county accepts B"
is "$(sql "SELECT count(*) FROM \"case\" WHERE case_no IN ('$D', '$E') AND accepted_at BETWEEN opened_at AND now()")" 2 \
	"the case keeps when it was first accepted"

sweep_at 0
is "$(sweeps)" 0 "nothing is overdue today"

sweep_at 16
is "$(status "$A")" "supervised 2 $T" \
	"unaccepted 8 days past its response deadline: yellow card (黄牌督办)"
is "$(status "$B")" "supervised 1 530322" "accepted, just past its resolution deadline: supervision (督办)"
is "$(status "$F")" "supervised 2 530322" \
	"never accepted and past both deadlines: 14 days late from the response deadline, yellow card"
is "$(status "$C")" "resolved 0 $T" "a resolved case is not supervised"
is "$(status "$D")" "accepted 0 $T" "an accepted case past its response deadline only is not supervised"
is "$(status "$E")" "escalated 0 530322" "... nor one accepted, then escalated"
n=$(sweeps)
is "$n" 3 "each supervision is an event by the sweeper"
check "the event says why" sh -c "psql '$GR_DB' -XAtq -c \"SELECT note FROM case_event e JOIN \\\"case\\\" c ON c.id = e.case_id WHERE c.case_no = '$A' AND actor = 'sweeper'\" | grep -q '黄牌督办 (yellow card): 逾期 8 天'"

sweep_at 16
is "$(sweeps)" "$n" "sweeping again at the same time changes nothing"

# What a supervised case allows depends on whether it was accepted (受理).
is "$(action_result town "$T" "$A" resolve --note 已调解)" "ok=0 reason=illegal_transition" \
	"a supervised case never accepted cannot be resolved"
is "$(action_result town "$T" "$A" assign --department 镇司法所)" "ok=0 reason=illegal_transition" \
	"... nor assigned"
is "$(action_result county 530322 "$B" refuse --note 不属于信访事项)" "ok=0 reason=illegal_transition" \
	"a supervised case accepted before cannot be refused (不予受理)"
is "$(status "$A") $(status "$B")" "supervised 2 $T supervised 1 530322" "... and none of them changed it"

sweep_at 31
is "$(status "$A")" "supervised 3 530322" "over 15 days late: red card (红牌督办), the county takes the case"
is "$(sql "SELECT level FROM \"case\" WHERE case_no = '$A'")" county "... at county level"
is "$(status "$B")" "supervised 3 530322" "the county's own case gets its red card"
is "$(status "$F")" "supervised 3 530322" "... and so does the one never accepted"
is "$(status "$D") $(status "$E")" "accepted 0 $T escalated 0 530322" \
	"accepted cases within their resolution deadline stay unsupervised"
check "the escalation is noted" sh -c "psql '$GR_DB' -XAtq -c \"SELECT note FROM case_event e JOIN \\\"case\\\" c ON c.id = e.case_id WHERE c.case_no = '$A' ORDER BY e.id DESC LIMIT 1\" | grep -q '转县级督办'"

gr_wait_for 20 "the worker's updates" sh -c \
	"[ \$(grep '^gr/v1/ack/gw001 ' '$T_DIR/worker.sub' | '$GRMSG' notice | grep -c 'state=supervised') -ge 6 ]"
is "$(messages worker | "$GRMSG" notice | grep -c 'state=supervised')" 6 \
	"the reporting worker is told of each supervision"
gr_wait_for 20 "the county's update" sh -c \
	"grep '^gr/v1/dispatch/530322 ' '$T_DIR/county.sub' | '$GRMSG' notice | grep -q 'case case_no=$A .*state=supervised'"
check "the county's feed receives the red-carded township case" true

# The cases are worked today, with a collector that does not sweep: the
# one sweeping every second 31 days ahead could card the case reopened
# below again between its reopening and the look at it.
gr_collector_stop TERM
gr_collector_start "$T_DIR" "$BUILD" -o sweep_interval=0

# A supervised case is still worked: the county accepts it.
"$GRMSG" action --unit 530322 --case "$A" --kind accept >"$T_DIR/a"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t gr/v1/action/530322 -f "$T_DIR/a"
wait_count 20 accepted "SELECT state FROM \"case\" WHERE case_no = '$A'"
is "$(status "$A")" "accepted 3 530322" "the county accepts the supervised case; the card stays on record"
is "$(sql "SELECT string_agg(case_no || '=' || (escalated_at IS NOT NULL), ' ' ORDER BY case_no)
	FROM \"case\" WHERE case_no IN ('$A', '$E', '$F')")" "$A=true $F=false $E=true" \
	"a township case carded or escalated to the county is recorded as escalated; a red card of a county case is not"

# A supervised case never accepted can still be refused (不予受理); reopened,
# it starts a new round: deadlines from today, no card, to be accepted.
is "$(action_result county 530322 "$F" refuse --note 不属于信访事项)" "ok=1 reason=-" \
	"the county refuses the supervised case it never accepted"
is "$(action_result county 530322 "$F" reopen --note 当事人补充材料)" "ok=1 reason=-" "... and reopens it"
is "$(sql "SELECT concat_ws(' ', c.state, c.supervision, accepted_at IS NULL,
	response_due = gr_deadline(e.at, 1), resolve_due = gr_deadline(e.at, 15))
	FROM \"case\" c JOIN case_event e ON e.case_id = c.id AND e.to_state = 'reopened'
	WHERE c.case_no = '$F'")" "reopened 0 t t t" \
	"the reopened case has no card and new deadlines of its lengths from today"
n=$(sweeps)
sweep_at 0
is "$(status "$F") $(sweeps)" "reopened 0 530322 $n" "a sweep today leaves it alone"
