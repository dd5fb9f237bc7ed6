#!/bin/bash
# test_console.sh -- the dispatcher console over the real broker, collector
# and database: a township's inbox (overdue first, then new), a case walked
# through every state by console actions, refusals of illegal and
# incomplete actions, another township kept out, escalation to the county,
# alerts on the county's console, actions kept while the broker is down,
# and updates published while the console was closed.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
G=$(grid_of gw001)
T=${G:0:9}
# another township of the county
O=$(sql "SELECT code FROM division WHERE level = 'township' AND code <> '$T' ORDER BY code LIMIT 1")

# console UNIT ARGS...: the console of UNIT's dispatcher, with its own cache
console() {
	u=$1; shift
	"$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/console-$u.db" \
		-u "$u" -a "disp-$u" -W 20 "$@"
}
# rc CMD...: the exit status of CMD, its output kept in $T_DIR/out
rc() { "$@" >"$T_DIR/out" 2>&1; echo $?; }
report() {
	agent gw001 -W 20 report --grid "$G" --summary "$1" "${@:2}" | cut -d: -f1
}
state() { sql "SELECT state || ' ' || unit_code FROM \"case\" WHERE case_no = '$1'"; }
events() { sql "SELECT count(*) FROM case_event e JOIN \"case\" c ON c.id = e.case_id WHERE c.case_no = '$1'"; }

# The consoles' sessions exist before the cases: what comes while a
# console is closed waits for it at the broker.
is "$(rc console "$T" sync)" 0 "a township console connects (its session starts)"
is "$(rc console 530322 sync)" 0 "the county console connects"
is "$(rc console "$O" sync)" 0 "another township's console connects"

A=$(caseof "$(report "邻里噪音纠纷" --category 10 --colour green --people 2)")
B=$(caseof "$(report "工资拖欠" --category 11 --colour yellow --people 3)")
R=$(caseof "$(report "土地征收补偿" --category 12 --colour red --people 1)")
P=$(caseof "$(report "群体讨薪" --category 11 --colour yellow --people 8)")

console "$T" inbox >"$T_DIR/inbox" 2>&1
is "$(grep -c "$T-\|^. 530322-" "$T_DIR/inbox")" 2 "the township inbox lists its two cases, which came while it was closed"
check "... not the county's red case" sh -c "! grep -q '$R' '$T_DIR/inbox'"
check "... each new case shown as waiting (待受理)" sh -c "grep '$A' '$T_DIR/inbox' | grep -q '待受理'"

# B becomes overdue: its deadline is moved into the past, and the update
# of its acceptance brings the deadline to the console.
sql "UPDATE \"case\" SET resolve_due = now() - interval '1 day' WHERE case_no = '$B'" >/dev/null
is "$(rc console "$T" accept "$B")" 0 "accept (受理) through the console"
console "$T" inbox >"$T_DIR/inbox" 2>&1
is "$(head -n 1 "$T_DIR/inbox" | awk '{print $1, $2}')" "! $B" "an overdue case comes first in the inbox, marked"
is "$(sed -n 2p "$T_DIR/inbox" | awk '{print $1}')" "$A" "... then the new one"

# Every state, through the console.
walk() {	# walk EXPECTED-STATE ACTION ARGS...
	exp=$1; shift
	r=$(rc console "$T" "$@")
	is "$r $(state "$A")" "0 $exp $T" "$1 moves the case to $exp"
}
walk accepted accept "$A"
walk assigned assign "$A" --department "司法所"
walk assigned extend "$A" --days 20 --note "需要现场勘查"
walk resolved resolve "$A" --note "双方达成调解协议"
walk visited follow-up "$A" --satisfaction 4 --note "回访满意"
walk closed close "$A"
walk reopened reopen "$A" --note "当事人反映协议未履行"
walk accepted accept "$A"
walk resolved resolve "$A" --note "协议已履行"
is "$(sql "SELECT department || ' ' || coalesce(satisfaction, 0) || ' ' || extended_days FROM \"case\" WHERE case_no = '$A'")" \
	"司法所 0 0" "the case keeps its department; reopening cleared the old score and extension (a new round)"

console "$T" show "$A" >"$T_DIR/show" 2>&1
check "show prints the case and its state" grep -q "已办结 resolved" "$T_DIR/show"
check "... its department" grep -q "承办 department 司法所" "$T_DIR/show"
is "$(sed -n '/^历史/,$p' "$T_DIR/show" | grep -c "disp-$T")" 9 "... and its history, each of the nine actions with its actor"
check "... with the notes" grep -q "当事人反映协议未履行" "$T_DIR/show"

# Refusals.
n=$(events "$A")
is "$(rc console "$T" close "$A")" 4 "closing a case not yet visited is refused (exit 4)"
check "... with the collector's reason" grep -q "cannot close a case that is resolved" "$T_DIR/out"
is "$(rc console "$T" refuse "$B")" 3 "a refusal without its reason is not sent (exit 3)"
check "... and says what is missing" grep -q "refuse needs --note" "$T_DIR/out"
is "$(rc console "$T" refuse "$B" --note " 　 ")" 3 "a reason of blanks is no reason (exit 3)"
is "$(rc console "$T" assign "$B" --department "  ")" 3 "... nor a department of blanks"
is "$(rc console "$T" follow-up "$A" --satisfaction 9)" 3 "a score out of 1-5 is not sent"
is "$(rc console "$T" accept 12345)" 2 "a malformed case number is a usage error"
is "$(events "$A")" "$n" "refused and unsent actions leave no event"

# Another township sees none of this township's cases and cannot act on them.
is "$(rc console "$O" accept "$B")" 4 "another township cannot act on the case"
check "... told that the case is not its unit's, not whose it is" sh -c \
	"grep -q 'not handled by unit $O' '$T_DIR/out' && ! grep -q '$T' '$T_DIR/out'"
console "$O" inbox >"$T_DIR/inbox-other" 2>&1
check "... and its inbox has none of them" sh -c "! grep -q '$A\|$B' '$T_DIR/inbox-other'"

# Escalation (上报) takes B to the county.
is "$(rc console "$T" escalate "$B" --note "涉及多个部门")" 0 "escalate through the console"
is "$(state "$B")" "escalated 530322" "... the county has the case"
console "$T" inbox >"$T_DIR/inbox" 2>&1
check "it leaves the township's inbox" sh -c "! grep -q '$B' '$T_DIR/inbox'"
console 530322 inbox >"$T_DIR/inbox-county" 2>&1
check "... and is in the county's, with the red case" sh -c "grep -q '$B' '$T_DIR/inbox-county' && grep -q '$R' '$T_DIR/inbox-county'"
is "$(rc console 530322 accept "$B")" 0 "the county accepts it"

# A console started after its unit's cases exist (a new dispatcher, or an
# expired session) asks the collector for them on its first inbox.
"$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/newcomer.db" -u "$T" \
	-a newcomer -W 20 inbox >"$T_DIR/inbox-new" 2>&1
check "a new console's first inbox fetches the unit's cases again" grep -q "^. *$A " "$T_DIR/inbox-new"
check "... only those now with the unit" sh -c "! grep -q '$B\|$R' '$T_DIR/inbox-new'"
check "... and says how many were published" grep -q "case(s) published again" "$T_DIR/inbox-new"
"$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/newcomer.db" -u "$T" \
	-a newcomer -W 20 show "$A" >"$T_DIR/show-new" 2>&1
check "... with each case's latest state" grep -q "已办结 resolved" "$T_DIR/show-new"
is "$(rc console "$T" refresh "$A")" 2 "refresh takes no case number"
# One snapshot per unit per snapshot_interval (30 s): the newcomer's was
# just now, so another console of the unit is told to wait.
is "$(rc console "$T" refresh)" 4 "a second snapshot of the unit right after the first is refused"
check "... with the reason too_soon and the seconds to wait" sh -c \
	"grep -q 'too_soon' '$T_DIR/out' && grep -q 'ask again in [0-9]*s' '$T_DIR/out'"
check "... logged by the collector" grep -q "event=snapshot-refused .*unit=$T reason=too_soon" "$T_DIR/collector.log"
subscribe county 'gr/v1/dispatch/530322'
is "$(rc console 530322 refresh)" 0 "another unit's snapshot is not held up by it"
# the county's cases come in one message (Notice.list), B and R together
one_message() {
	messages county | while read -r topic hex; do
		echo "$topic $hex" | "$GRMSG" notice | tr '\n' ' '
		echo
	done | grep -q "case_no=$B .*case_no=$R \|case_no=$R .*case_no=$B "
}
check "... its cases in one message, B and R together" \
	gr_wait_for 20 "a snapshot's list" one_message

# A notice of a kind this console does not know (field 6 of Notice, as a
# newer collector might send) is named in its log, not dropped in silence.
printf '\062\000' >"$T_DIR/unknown.bin"
mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/dispatch/$T" \
	-f "$T_DIR/unknown.bin"
console "$T" inbox >"$T_DIR/inbox-unknown" 2>&1
check "a notice of an unknown kind is logged by the console" \
	grep -q "event=notice-unknown topic=gr/v1/dispatch/$T " "$T_DIR/inbox-unknown"

# Alerts reach the county console.
console 530322 alerts >"$T_DIR/alerts" 2>&1
check "the county console shows the group alert" sh -c "grep '$P' '$T_DIR/alerts' | grep -q '群体性'"
check "... and the 一案双查 alert" grep -q "一案双查" "$T_DIR/alerts"

# The reporting worker's agent sees the state the console set.
agent gw001 -W 5 sync >/dev/null 2>&1
is "$(sqlite3 "$T_DIR/agents/gw001.db" "SELECT case_state FROM outbox WHERE case_no = '$A'")" resolved \
	"the reporting worker's agent shows the state set from the console"

# The broker away: the action is kept (exit 5) and sent by the next sync.
gr_broker_stop "$T_DIR"
is "$(rc console "$T" follow-up "$A" --satisfaction 5)" 5 "with the broker down the action is kept (exit 5)"
is "$(state "$A")" "resolved $T" "... and not applied"
gr_broker_start "$T_DIR" "$GR_MQTT_PORT"
# sync exits 0 once no action waits for its answer
gr_wait_for 30 "the kept action to be answered" sh -c "'$BUILD/dispatch-console' -b '$GR_BROKER' -C '$T_DIR/console-$T.db' -u '$T' -a 'disp-$T' -W 5 sync >/dev/null 2>&1"
is "$(state "$A")" "visited $T" "sync sends the kept action once the broker is back"
is "$(sql "SELECT satisfaction FROM \"case\" WHERE case_no = '$A'")" 5 "... with its score"

# Actions kept while no collector answers: a case's actions go one at a
# time (collectors sharing the topic must judge them in the order taken),
# and the next command says how each was answered.
K=$(green_case 03 2 "宅基地边界纠纷")
K2=$(green_case 09 2 "赡养纠纷")
gr_collector_stop TERM
subscribe actions "gr/v1/action/$T"
is "$(rc console "$T" -W 1 accept "$K")" 5 "with no collector the accept is sent and waits (exit 5)"
is "$(rc console "$T" -W 1 assign "$K" --department 国土所)" 5 "... so does an assign of the same case"
is "$(rc console "$T" -W 1 close "$K")" 5 "... and a close, which the collector will refuse"
# the accept went out with each command, the others not: identical copies
copies() { [ "$(messages actions | wc -l)" -ge "$1" ]; }
gr_wait_for 20 "the accept's copies" copies 3
is "$(messages actions | sort -u | wc -l) $(messages actions | wc -l)" "1 3" \
	"only the case's first action was sent, by each command, until it is answered"
gr_collector_start "$T_DIR" "$BUILD"
is "$(rc console "$T" sync)" 4 "sync sends them one after the other and exits 4: one was refused"
is "$(grep -E "^(accept|assign|close) $K:" "$T_DIR/out" | cut -d: -f1-2 | tr '\n' '|')" \
	"accept $K: applied|assign $K: applied|close $K: refused (illegal_transition)|" \
	"... saying how each was answered, in the order taken"
is "$(state "$K")" "assigned $T" "... and the case was accepted, then assigned"
is "$(rc console "$T" sync)" 0 "the next sync has nothing left to send"
check "... and says so" grep -q "^up to date" "$T_DIR/out"
# Any other command tells the answers it brings in: here an action on
# another case, answered after the kept one (one collector judges them in
# the order they came).
gr_collector_stop TERM
is "$(rc console "$T" -W 1 resolve "$K" --note 已调解)" 5 "a resolve kept with no collector"
gr_collector_start "$T_DIR" "$BUILD"
is "$(rc console "$T" accept "$K2")" 0 "the next action is applied"
check "... and says that the kept one was applied too" \
	grep -q "^dispatch-console: kept action resolve $K: applied" "$T_DIR/out"

# The broker loses the console's session (its store is gone, or the
# session expired while the console was away): the updates published
# since are lost to it, so its next inbox says so and asks for the unit's
# cases again.
gr_collector_stop TERM
gr_broker_stop "$T_DIR"
rm -f "$T_DIR/broker/mosquitto.db"
gr_broker_start "$T_DIR" "$GR_MQTT_PORT"
gr_collector_start "$T_DIR" "$BUILD"
"$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/newcomer.db" -u "$T" \
	-a newcomer -W 20 follow-up "$K" --satisfaction 3 >/dev/null 2>&1
is "$(state "$K")" "visited $T" "another dispatcher records a visit meanwhile"
console "$T" show "$K" >"$T_DIR/show-lost" 2>&1
check "the console whose session was lost says so" \
	grep -q "the broker kept no session for this console" "$T_DIR/show-lost"
check "... and has not heard of the visit" sh -c "! grep -q '已回访 visited' '$T_DIR/show-lost'"
console "$T" inbox >"$T_DIR/inbox-lost" 2>&1
check "its next inbox fetches the unit's cases again" \
	grep -q "case(s) published again" "$T_DIR/inbox-lost"
console "$T" show "$K" >"$T_DIR/show-lost" 2>&1
check "... so that it shows the visit it missed" grep -q "已回访 visited" "$T_DIR/show-lost"
console "$T" inbox >"$T_DIR/inbox-kept-session" 2>&1
# (a refresh asked again would be refused too_soon, or answered)
check "the inbox after, on the session kept, says nothing of it and asks for nothing" \
	sh -c "! grep -q 'kept no session\|refresh\|published again' '$T_DIR/inbox-kept-session'"

# watch prints updates as they come, and stops cleanly on SIGINT.
# (exec: $! must be the console itself, not a subshell; a long-running
# program: under valgrind in that pass, as the collector)
(exec ${GR_WRAP:-} "$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/console-$T.db" \
	-u "$T" -a "disp-$T" watch >"$T_DIR/watch" 2>&1) &
W=$!
gr_wait_for 20 "watch to start" grep -q "^watching" "$T_DIR/watch"
console "$T" close "$A" >/dev/null 2>&1
check "watch prints the update of an action as it arrives" \
	gr_wait_for 20 "watch to print the close" grep -q "$A 已结案 closed  disp-$T" "$T_DIR/watch"
# A feed that is never quiet (a message every 50 ms) does not hold up the
# signal.
(while :; do echo busy; sleep 0.05; done |
	mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/dispatch/$T" -l) &
busy=$!
gr_wait_for 20 "the busy feed to reach watch" sh -c \
	"[ \$(grep -c 'event=notice-unreadable' '$T_DIR/watch') -ge 5 ]"
kill -INT $W
stopped=0
gr_wait_for 20 "watch to stop" sh -c "! kill -0 $W 2>/dev/null" && stopped=1
pkill -f "mosquitto_pub .*gr/v1/dispatch/$T -l"
kill $busy 2>/dev/null
wait $busy 2>/dev/null
[ $stopped = 1 ] || kill -KILL $W
wr=0; wait $W || wr=$?
is "$stopped $wr" "1 0" "watch stops cleanly on SIGINT, also while its feed is busy"

# A second watch of the same unit and dispatcher (another terminal or PC)
# takes the session over: each waits before taking it back, longer each
# time, instead of the two taking it from each other in a loop.
watch() {
	(exec ${GR_WRAP:-} "$BUILD/dispatch-console" -b "$GR_BROKER" \
		-C "$T_DIR/console-$T.db" -u "$T" -a "disp-$T" watch >"$T_DIR/watch$1" 2>&1) &
}
watch 1; W1=$!
gr_wait_for 20 "the first watch to start" grep -q "^watching" "$T_DIR/watch1"
watch 2; W2=$!
check "a watch whose session is taken over waits before connecting again" \
	gr_wait_for 30 "a wait before reconnecting" sh -c \
	"grep -q 'next attempt in' '$T_DIR/watch1' '$T_DIR/watch2'"
# the third wait in a row is 2 to 4 s: the waits grow
check "... longer each time it is taken over again" \
	gr_wait_for 60 "a wait of 2 s or more" sh -c \
	"grep -q 'next attempt in \\([2-9]\\|[1-9][0-9]\\)\\.[0-9] s' '$T_DIR/watch1' '$T_DIR/watch2'"
kill -INT $W1 $W2
r1=0; wait $W1 || r1=$?
r2=0; wait $W2 || r2=$?
is "$r1 $r2" "0 0" "... and both stop cleanly on SIGINT"

# Bad configuration.
is "$(rc "$BUILD/dispatch-console" -C "$T_DIR/x.db" -a a1 inbox)" 2 "no unit: usage error"
check "... saying so" grep -q "unit is not set" "$T_DIR/out"
is "$(rc "$BUILD/dispatch-console" -b wss://127.0.0.1 -C "$T_DIR/x.db" -u "$T" -a a1 inbox)" 2 \
	"a broker URI of a scheme the console cannot use: usage error"
check "... saying which it can" grep -q "broker must be a tcp://" "$T_DIR/out"
is "$(rc "$BUILD/dispatch-console" -C /nonexistent/dir/x.db -u "$T" -a a1 inbox)" 1 "an unusable cache path fails clearly"
check "... naming it" grep -q "/nonexistent/dir/x.db" "$T_DIR/out"
# A cache is one unit's: the county would send the township's kept actions
# as its own, and take their refusal for an answer.
is "$(rc "$BUILD/dispatch-console" -b "$GR_BROKER" -C "$T_DIR/console-$T.db" -u 530322 -a a1 inbox)" 1 \
	"another unit's cache is refused"
check "... saying whose it is" grep -q "case cache .* is unit $T's; unit 530322 needs a cache of its own" "$T_DIR/out"
check "the cache is private to its user" sh -c "[ \"\$(stat -c %a '$T_DIR/console-$T.db')\" = 600 ]"
