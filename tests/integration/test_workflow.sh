#!/bin/bash
# test_workflow.sh -- dispatchers' actions over MQTT, applied by the collector
# and enforced by the database: a case walks through every state, illegal
# transitions and incomplete actions are refused with a reason, another
# unit's dispatcher cannot act, an action sent twice is applied once, an
# escalated case moves to the county, every change is an event, and the
# dispatch feeds and the reporting worker hear of each change.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
G=$(grid_of gw001)
T=${G:0:9}
OTHER=530322101
subscribe town "gr/v1/dispatch/$T"
subscribe other "gr/v1/dispatch/$OTHER"
subscribe county 'gr/v1/dispatch/530322'
subscribe worker 'gr/v1/ack/gw001'

# newcase CATEGORY: a green case of gw001's township; prints its number
newcase() { green_case "$1" 2 工作流测试; }

# act UNIT CASE KIND [grmsg options]: publish an action as UNIT's dispatcher
# and wait for its result; prints "ok=1 reason=-" or "ok=0 reason=..."
act() {
	local sub
	case $1 in "$T") sub=town ;; "$OTHER") sub=other ;; *) sub=county ;; esac
	action_result "$sub" "$@"
}
state() { sql "SELECT state FROM \"case\" WHERE case_no = '$1'"; }

C1=$(newcase 10)
is "$(state "$C1")" routed "a new case is routed"
is "$(act "$T" "$C1" close)" "ok=0 reason=illegal_transition" "closing a routed case is refused"
is "$(state "$C1")" routed "... and changes nothing"
# One outcome per action id: an assign refused before the accept is
# refused again when it comes again after it (a console resends whatever
# has no answer yet), not applied.
A1=$(printf '01J%s%04d' "$(date +%s%N)" 1)
is "$(ACTION_ID=$A1 act "$T" "$C1" assign --department 司法所)" \
	"ok=0 reason=illegal_transition" "assigning a case not accepted yet is refused"
is "$(act "$T" "$C1" accept)" "ok=1 reason=-" "accept (受理)"
is "$(state "$C1")" accepted "the case is accepted"
is "$(ACTION_ID=$A1 act "$T" "$C1" assign --department 司法所)" \
	"ok=0 reason=illegal_transition" "the refused assign, sent again after the accept, is refused again"
is "$(state "$C1") $(sql "SELECT count(*) FROM case_event WHERE action_id = '$A1'")" \
	"accepted 0" "... and changes nothing"
is "$(sql "SELECT sqlstate || ' ' || unit_code FROM action_refused WHERE action_id = '$A1'")" \
	"GR003 $T" "the refusal is on record"
# Two copies of one action (a resend another collector takes) are judged
# in turn: the collector holds the action's lock from before its judgment
# to the commit of the outcome, a refusal's record included.
A2=$(printf '01J%s%04d' "$(date +%s%N)" 2)
session_open hold
session_send hold "BEGIN; SELECT pg_advisory_xact_lock(hashtext('gr_action'), hashtext('$A2')); SELECT 'held';"
session_wait hold held
(ACTION_ID=$A2 act "$T" "$C1" close >"$T_DIR/a2.result") &
a2=$!
check "an action waits for its lock before it is judged" \
	gr_wait_for 20 "the collector to wait for the action's lock" advisory_waits 1 gr_action
session_close hold "COMMIT;"
wait $a2
is "$(cat "$T_DIR/a2.result")" "ok=0 reason=illegal_transition" "... and is judged once it has it"
is "$(act "$OTHER" "$C1" assign --department 司法所)" "ok=0 reason=wrong_unit" \
	"another township's dispatcher cannot act on the case"
err=$(psql "$GR_DB" -XAtq -c "SELECT gr_case_act('01J0000000000000000000000X', '$OTHER', 'x',
	'$C1', 'assign', NULL, '司法所', NULL, NULL)" 2>&1)
check "... and is not told which unit handles it ($err)" sh -c \
	"echo '$err' | grep -q 'not handled by unit $OTHER' && ! echo '$err' | grep -q '$T'"
is "$(act "$T" "$C1" assign)" "ok=0 reason=incomplete" "assigning needs a department"
is "$(act "$T" "$C1" assign --department 镇司法所 --note 一案一策)" "ok=1 reason=-" "assign (交办)"
is "$(sql "SELECT state || ' ' || department FROM \"case\" WHERE case_no = '$C1'")" \
	"assigned 镇司法所" "the department is recorded"
due0=$(sql "SELECT resolve_due FROM \"case\" WHERE case_no = '$C1'")
is "$(act "$T" "$C1" extend --extension 10)" "ok=0 reason=incomplete" "an extension needs a reason"
is "$(act "$T" "$C1" extend --extension 31 --note 需鉴定)" "ok=0 reason=bad_number" \
	"an extension of more than 30 days is refused"
is "$(act "$T" "$C1" extend --extension 10 --note 需司法鉴定)" "ok=1 reason=-" "extend once by 10 days"
is "$(sql "SELECT resolve_due - '$due0'::timestamptz FROM \"case\" WHERE case_no = '$C1'")" \
	"10 days" "the deadline moves by 10 days"
is "$(act "$T" "$C1" extend --extension 5 --note 再延期)" "ok=0 reason=incomplete" \
	"a second extension is refused"
is "$(act "$T" "$C1" resolve --note 已调解)" "ok=1 reason=-" "resolve (办结)"
is "$(act "$T" "$C1" follow_up)" "ok=0 reason=incomplete" "a follow-up visit needs a score"
is "$(act "$T" "$C1" follow_up --satisfaction 5 --note 满意)" "ok=1 reason=-" "follow-up visit (回访)"
is "$(sql "SELECT state || ' ' || satisfaction FROM \"case\" WHERE case_no = '$C1'")" \
	"visited 5" "the satisfaction score is recorded"
is "$(act "$T" "$C1" close)" "ok=1 reason=-" "close"
is "$(act "$T" "$C1" reopen --note 当事人反映未履行)" "ok=1 reason=-" "reopen"
is "$(sql "SELECT state || ' ' || coalesce(satisfaction::text, 'none') FROM \"case\" WHERE case_no = '$C1'")" \
	"reopened none" "a reopened case waits for a new visit"
is "$(sql "SELECT string_agg(e.satisfaction::text, ' ') FROM case_event e JOIN \"case\" c ON c.id = e.case_id
	WHERE c.case_no = '$C1' AND e.to_state = 'visited'")" 5 \
	"... and its visit keeps the score it gave, for 满意率"
is "$(sql "SELECT concat_ws(' ', accepted_at IS NULL, extended_days, supervision,
	response_due = gr_deadline(e.at, 7), resolve_due = gr_deadline(e.at, 60))
	FROM \"case\" c JOIN case_event e ON e.case_id = c.id AND e.to_state = 'reopened'
	WHERE c.case_no = '$C1'")" "t 0 0 t t" \
	"... in a new round: to be accepted again, with new deadlines from today and no extension"
# Each later reopening gives the same lengths, from its own day: not from
# the case's opening, here 30 days before the first reopening.
R=$(newcase 13)
for k in accept resolve reopen; do act "$T" "$R" "$k" --note 反映 >/dev/null; done
sql "UPDATE \"case\" SET opened_at = opened_at - interval '30 days' WHERE case_no = '$R'" >/dev/null
for k in accept resolve; do act "$T" "$R" "$k" >/dev/null; done
is "$(act "$T" "$R" reopen --note 仍未解决)" "ok=1 reason=-" "a second reopen"
is "$(sql "SELECT concat_ws(' ', response_due = gr_deadline(e.at, 7), resolve_due = gr_deadline(e.at, 60))
	FROM \"case\" c JOIN LATERAL (SELECT max(at) AS at FROM case_event
	WHERE case_id = c.id AND to_state = 'reopened') e ON true WHERE c.case_no = '$R'")" "t t" \
	"... gives the lengths of the routing again, from its own day"
ACTION_ID=01J99999999999999999999999 act "$T" "$C1" accept >/dev/null
events=$(sql "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$C1'")
is "$(ACTION_ID=01J99999999999999999999999 act "$T" "$C1" accept)" "ok=1 reason=duplicate" \
	"the same action sent twice is answered 'duplicate'"
is "$(sql "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$C1'")" \
	"$events" "... and applied once"
is "$(sql "SELECT string_agg(coalesce(from_state::text, '-') || '>' || to_state, ' ' ORDER BY e.id)
	FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$C1'")" \
	"->received received>routed routed>accepted accepted>assigned assigned>assigned assigned>resolved resolved>visited visited>closed closed>reopened reopened>accepted" \
	"every transition is an event, in order"
is "$(sql "SELECT count(DISTINCT actor) FROM case_event e JOIN \"case\" c ON c.id = e.case_id
	WHERE c.case_no = '$C1' AND actor = 'disp-$T'")" 1 "events record who acted"
check "case events are append-only" sh -c "! psql '$GR_DB' -XAtq -c \"UPDATE case_event SET note = 'x'\" 2>/dev/null"
# An action is recorded once, whoever writes its event; the events without
# an action id (the collector's, two per case) are many.
check "a second event with an action's id is refused" sh -c "psql '$GR_DB' -XAtq -c \"INSERT INTO case_event (case_id, actor, from_state, to_state, action_id) SELECT case_id, actor, from_state, to_state, action_id FROM case_event WHERE action_id IS NOT NULL LIMIT 1\" 2>&1 | grep -q 'duplicate key value violates unique constraint'"
is "$(sql "SELECT count(*) >= 2 FROM case_event WHERE action_id IS NULL")" t \
	"... and events without one are many"

# The reporting worker hears of every change to its case.
applied=$(sql "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$C1' AND action_id IS NOT NULL")
# The duplicate action publishes the case as it stands once more: its
# first notices may have been lost.
notices=$((applied + 1))
gr_wait_for 20 "the worker's updates" sh -c \
	"[ \$(grep '^gr/v1/ack/gw001 ' '$T_DIR/worker.sub' | '$GRMSG' notice | grep -c 'case case_no=$C1 ') -ge $notices ]"
is "$(messages worker | "$GRMSG" notice | grep -c "case case_no=$C1 ")" "$notices" \
	"the worker gets one update per applied action, and one for the duplicate"
is "$(messages worker | "$GRMSG" notice | grep "case case_no=$C1 " | tail -n 2 | awk '{print $5, $7}' | uniq | wc -l)" 1 \
	"... which repeats the latest"
is "$(messages worker | "$GRMSG" notice | grep "case case_no=$C1 " | tail -n 1 | awk '{print $5}')" \
	"state=accepted" "the last update carries the case's state"
is "$(messages town | "$GRMSG" notice | grep -c "case case_no=$C1 .*action=01J")" "$notices" \
	"the township's feed gets the same updates"
is "$(messages other | "$GRMSG" notice | grep -c "case_no=$C1 ")" 0 \
	"another township's feed hears nothing of the case"
# Each update says whether, and when, this round was accepted: a console
# counts a case as overdue as the sweep does.
is "$(messages town | "$GRMSG" notice | grep "case case_no=$C1 .*action=-" | head -n 1 | awk '{print $5, $8}')" \
	"state=routed accepted=0" "the new case's entry says it is not accepted yet"
is "$(messages town | "$GRMSG" notice | grep "case case_no=$C1 .*state=reopened" | tail -n 1 | awk '{print $8}')" \
	"accepted=0" "... nor is a reopened one"
is "$(messages town | "$GRMSG" notice | grep "case case_no=$C1 " | tail -n 1 | awk '{print $8}')" \
	"accepted=$(sql "SELECT (extract(epoch FROM accepted_at) * 1000)::bigint FROM \"case\" WHERE case_no = '$C1'")" \
	"an accepted one says when"
# Each update names the case's latest event, whose id orders updates as the
# database committed them (the console and the agent keep the greater).
events_of() {
	sql "SELECT string_agg(e.id::text, ' ' ORDER BY e.id) FROM case_event e
	     JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$1'"
}
is "$(messages town | "$GRMSG" notice | grep "case case_no=$C1 .*action=-" | head -n 1 | awk '{print $9}')" \
	"event=$(events_of "$C1" | awk '{print $2}')" \
	"the new case's entry names its routing, the case's second event"
is "$(messages town | "$GRMSG" notice | grep "case case_no=$C1 " | tail -n 1 | awk '{print $9}')" \
	"event=$(events_of "$C1" | awk '{print $NF}')" \
	"the last update names the case's latest event"

# Escalation (上报) moves the case to the county.
C2=$(newcase 11)
A2=$(printf '01J%s%04d' "$(date +%s%N)" 2)
is "$(ACTION_ID=$A2 act "$T" "$C2" escalate --note 涉及多部门)" "ok=1 reason=-" "escalate"
is "$(sql "SELECT state || ' ' || level || ' ' || unit_code FROM \"case\" WHERE case_no = '$C2'")" \
	"escalated county 530322" "an escalated case is the county's"
gr_wait_for 20 "the county's update" sh -c \
	"grep '^gr/v1/dispatch/530322 ' '$T_DIR/county.sub' | '$GRMSG' notice | grep -q 'case case_no=$C2 .*state=escalated'"
check "the county's feed receives the escalated case" true
# left() N: the township's feed has told N times that C2 went to the county
left() {
	[ "$(messages town | "$GRMSG" notice | grep -c "case case_no=$C2 .*unit=530322 .*state=escalated")" -ge "$1" ]
}
check "... and the township's feed that it left" gr_wait_for 20 "the township's update" left 1
# The escalation sent again (its answer lost, the console resends it): the
# notices of the first may have been lost with it, the township's too.
is "$(ACTION_ID=$A2 act "$T" "$C2" escalate --note 涉及多部门)" "ok=1 reason=duplicate" \
	"the escalation sent again is answered 'duplicate'"
check "... and the township is told again that the case left it" \
	gr_wait_for 20 "the township's second update" left 2
is "$(act "$T" "$C2" accept)" "ok=0 reason=wrong_unit" "the township can no longer act on it"
is "$(act 530322 "$C2" accept)" "ok=1 reason=-" "the county accepts it"
is "$(act 530322 "$C2" escalate)" "ok=0 reason=illegal_transition" "the county cannot escalate further"

# Refusal (不予受理) needs a reason.
C3=$(newcase 12)
is "$(act "$T" "$C3" refuse)" "ok=0 reason=incomplete" "a refusal needs its reason"
is "$(act "$T" "$C3" refuse --note 不属于信访事项)" "ok=1 reason=-" "refuse with a reason"
is "$(state "$C3")" refused "the case is refused"

# Malformed or lying actions are dead-lettered and answered.
is "$(act "$T" 530322-2026-999999 accept)" "ok=0 reason=no_case" "an unknown case is refused"
is "$(act "$T" "$C3" accept --schema 2)" "ok=0 reason=schema_version" "a wrong schema version is refused"
"$GRMSG" action --id 01J88888888888888888888888 --unit "$OTHER" --case "$C3" --kind accept >"$T_DIR/lie"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$T" -f "$T_DIR/lie"
gr_wait_for 20 "the lying action's result" sh -c \
	"grep '^gr/v1/dispatch/$T ' '$T_DIR/town.sub' | '$GRMSG' notice | grep -q 'result action=01J88888888888888888888888 .*reason=worker_mismatch'"
check "an action whose unit differs from its topic is refused" true
head -c 100 /dev/urandom >"$T_DIR/junk"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$T" -f "$T_DIR/junk"
wait_count 20 1 "SELECT count(*) FROM dead_letter WHERE topic = 'gr/v1/action/$T' AND reason = 'malformed'"
check "a malformed action is dead-lettered" [ $? = 0 ]
check "the collector is still running" kill -0 "$GR_COLLECTOR_PID"

# The worker's agent was offline through all of this: its next sync takes
# in the updates the broker kept, and its outbox shows each case's state.
outbox_state() {
	sqlite3 "$T_DIR/agents/gw001.db" "SELECT case_state || ' ' || unit FROM outbox WHERE case_no = '$1'"
}
synced() {
	agent gw001 -W 5 sync >/dev/null
	[ "$(outbox_state "$C3")" = "refused $T" ]
}
gr_wait_for 30 "the agent to take in its updates" synced
is "$(outbox_state "$C1")" "accepted $T" "the agent shows the latest state of a case"
is "$(outbox_state "$C2")" "accepted 530322" "... and that the county took the escalated case"
is "$(outbox_state "$C3")" "refused $T" "... and a refusal"
check "the outbox listing shows case states" sh -c "'$BUILD/field-agent' -o '$T_DIR/agents/gw001.db' -w gw001 -d dev-gw001 outbox | grep '$C2' | grep -q accepted"
