#!/bin/bash
# test_agent_offline.sh -- the field agent offline and online: 1,000 reports
# queued while the broker is down are stored exactly once after it comes
# back; an agent killed (SIGKILL) in the middle of a flush loses and
# duplicates nothing; a full disk is refused with a clear message and
# leaves the outbox intact; reports from a file, standard input and the
# interactive questions (Chinese and English) are stored end to end; `run`
# prints case updates as dispatchers act, also those made while it was
# stopped, resends what got no Ack, and survives a broker restart; a
# backlog of 1,500 reports from one worker arriving at once is stored and
# acknowledged; two workers sharing a handheld keep their own updates.
. "$(dirname "$0")/lib.sh"

gr_pg_start "$T_DIR" || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null || exit 1
# The broker's port is chosen now; the broker starts later.
GR_MQTT_PORT=$(gr_free_port)
GR_BROKER="tcp://127.0.0.1:$GR_MQTT_PORT"
DOWN="tcp://127.0.0.1:$(gr_free_port)"	# nobody listens there

# reports N TAG: N reports in the --file format
reports() {
	awk -v n="$1" -v tag="$2" -v g="$G" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "grid: %s\ncategory: 10\ncolour: green\npeople: 2\nsummary: %s %d\n\n", g, tag, i }'
}
ob() { sqlite3 "$T_DIR/agents/$1.db" "$2"; }
# same_ids WORKER: the outbox's ids are exactly the database's, each once
same_ids() {
	[ "$(ob "$1" "SELECT id FROM outbox ORDER BY id")" = \
	  "$(sql "SELECT id FROM report WHERE worker_id = '$1' ORDER BY id")" ]
}

# 1. The broker is down: 1,000 reports wait in the outbox.
W=gw005
G=$(grid_of $W)
reports 1000 离线上报 >"$T_DIR/r1000"
agent $W -W 1 report --file "$T_DIR/r1000" >"$T_DIR/out1" 2>"$T_DIR/err1"
is "$?" 5 "with the broker down, report --file keeps 1,000 reports and exits 5"
check "... and says the broker is not reachable" grep -q "not reachable" "$T_DIR/err1"
is "$(ob $W "SELECT count(*) || ' ' || count(DISTINCT id) FROM outbox WHERE state = 'queued'")" \
	"1000 1000" "1,000 distinct reports are queued in the outbox"

gr_broker_start "$T_DIR" "$GR_MQTT_PORT" || exit 1
gr_collector_start "$T_DIR" "$BUILD"
out=$(agent $W -W 300 sync)
is "$?" 0 "when the broker is back, sync delivers them all ($out)"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT id) FROM report WHERE worker_id = '$W'")" \
	"1000 1000" "exactly 1,000 reports are stored"
check "... the very reports of the outbox, each once" same_ids $W
is "$(sql "SELECT count(*) FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.worker_id = '$W'")" \
	1000 "... each with one case"
is "$(ob $W "SELECT count(*) FROM outbox WHERE state = 'stored' AND case_no LIKE '530322-%'")" \
	1000 "the outbox records 1,000 Acks with case numbers"
is "$(ob $W "SELECT min(seq) < max(seq) AND count(*) = 1000 FROM outbox")" 1 "the outbox keeps its order"

# 2. The agent is killed (SIGKILL) in the middle of a flush.
W=gw011
G=$(grid_of $W)
reports 400 断网补传 >"$T_DIR/r400"
"$BUILD/field-agent" -b "$DOWN" -o "$T_DIR/agents/$W.db" -w $W -d dev-$W -W 0 \
	report --file "$T_DIR/r400" >/dev/null 2>&1
is "$?" 5 "400 reports queued while offline"
"$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/$W.db" -w $W -d dev-$W -W 300 \
	sync >/dev/null 2>&1 &
apid=$!
gr_wait_for 60 "some of the flush stored" sh -c \
	"[ \$(psql '$GR_DB' -XAtq -c \"SELECT count(*) FROM report WHERE worker_id = '$W'\") -ge 40 ]"
kill -KILL $apid
wait $apid 2>/dev/null
killed_at=$(sql "SELECT count(*) FROM report WHERE worker_id = '$W'")
check "the flush was cut in the middle ($killed_at of 400 stored at the kill)" [ "$killed_at" -lt 400 ]
is "$(ob $W "PRAGMA integrity_check")" ok "the outbox of the killed agent is intact"
is "$(ob $W "SELECT count(*) FROM outbox")" 400 "... and holds the 400 reports"
out=$(agent $W -W 300 sync)
is "$?" 0 "the restarted agent delivers the rest ($out)"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT id) FROM report WHERE worker_id = '$W'")" \
	"400 400" "every report is stored, none twice"
check "... the very reports of the outbox" same_ids $W
is "$(ob $W "SELECT count(*) FROM outbox WHERE state = 'stored'")" 400 "every report is acknowledged"

# 3. A full disk: a clear message, nothing half-written, earlier reports kept.
W=gw021
G=$(grid_of $W)
mkdir -p "$T_DIR/small"
mounted=0
if mount -t tmpfs -o size=320k,mode=0755 tmpfs "$T_DIR/small" 2>/dev/null; then
	mounted=1
fi
full_agent() {	# the agent with its outbox on the small disk (or a file size limit)
	if [ $mounted = 1 ]; then
		"$BUILD/field-agent" -b "$DOWN" -o "$T_DIR/small/o.db" -w $W -d dev-$W -W 0 "$@"
	else
		(trap '' XFSZ; ulimit -f 320; exec "$BUILD/field-agent" -b "$DOWN" \
			-o "$T_DIR/small/o.db" -w $W -d dev-$W -W 0 "$@")
	fi
}
full_agent report --file "$T_DIR/r400" >/dev/null 2>&1
is "$?" 5 "400 reports fit on the small disk"
long=$(printf '纠%.0s' $(seq 1 1990))
awk -v g="$G" -v d="$long" 'BEGIN { for (i = 1; i <= 200; i++)
	printf "grid: %s\ncategory: 02\ncolour: yellow\npeople: 3\nsummary: 大报告 %d\ndescription: %s\n\n", g, i, d }' \
	>"$T_DIR/big"
err=$(full_agent report --file "$T_DIR/big" 2>&1 >/dev/null)
rc=$?
is "$rc" 1 "reports that do not fit fail with exit 1"
check "... saying the disk is full ($(echo "$err" | head -n 1))" sh -c "echo '$err' | grep -q 'disk is full\|disk I/O error'"
is "$(sqlite3 "$T_DIR/small/o.db" "PRAGMA integrity_check")" ok "the outbox passes integrity_check"
is "$(sqlite3 "$T_DIR/small/o.db" "SELECT count(*) || ' ' || count(DISTINCT summary) FROM outbox")" \
	"400 400" "the earlier reports are intact and none of the failed ones is there"
is "$(full_agent outbox | grep -c 断网补传)" 400 "the agent still opens and lists its outbox"
[ $mounted = 1 ] && umount "$T_DIR/small"

# 4. Reports from a file, standard input and the interactive questions.
W=gw001
G=$(grid_of $W)
gr_collector_stop TERM
gr_collector_start "$T_DIR" "$BUILD"
cat >"$T_DIR/two" <<EOF
# two reports from one file
grid: $G
category: 02
item: 0201
colour: yellow
people: 12
amount: 86000
summary: 文件上报, 拖欠农民工工资
party: petitioner:张某:13900000001
party: respondent::::某建筑公司

grid：$G
category：10
colour：绿
people：2
summary：文件上报, 邻里纠纷
on-spot: yes
EOF
out=$(agent $W -W 30 report --file "$T_DIR/two")
is "$?" 0 "two reports from a file are stored ($(echo "$out" | wc -l) lines)"
is "$(sql "SELECT people || ' ' || amount_fen || ' ' || colour || ' ' || item FROM report WHERE summary = '文件上报, 拖欠农民工工资'")" \
	"12 8600000 yellow 0201" "... with every field of the first"
is "$(sql "SELECT count(*) FROM party p JOIN report r ON r.id = p.report_id WHERE r.summary = '文件上报, 拖欠农民工工资'")" \
	2 "... its two parties"
is "$(sql "SELECT resolved_on_spot || ' ' || colour FROM report WHERE summary = '文件上报, 邻里纠纷'")" \
	"true green" "... and the second, written with full-width colons"
out=$(printf 'grid: %s\ncategory: 11\ncolour: red\npeople: 1\nsummary: 标准输入上报\n' "$G" |
	agent $W -W 30 report --file -)
is "$?" 0 "a report from standard input is stored"
is "$(sql "SELECT count(*) FROM report WHERE summary = '标准输入上报' AND colour = 'red'")" 1 "... once"
# Input slow to come holds up no other command on the same outbox.
mkfifo "$T_DIR/slow"
"$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/$W.db" -w $W -d dev-$W -W 30 \
	report --file - <"$T_DIR/slow" >/dev/null 2>"$T_DIR/slow.err" &
slow_pid=$!
exec 7>"$T_DIR/slow"
reading_stdin() { [ "$(cut -d' ' -f1-2 "/proc/$slow_pid/syscall" 2>/dev/null)" = "0 0x0" ]; }
gr_wait_for 20 "report to wait for its input" reading_stdin
out=$(agent $W -W 30 report --grid "$G" --category 10 --colour green --people 2 --summary "等待输入时上报")
is "$?" 0 "while report --file - waits for its input, another report is stored ($out)"
printf 'grid: %s\ncategory: 10\ncolour: green\npeople: 2\nsummary: 慢速输入上报\n' "$G" >&7
exec 7>&-
wait $slow_pid
is "$?" 0 "... and the slow one once its input comes ($(head -n 1 "$T_DIR/slow.err"))"
is "$(sql "SELECT count(*) FROM report WHERE summary IN ('等待输入时上报', '慢速输入上报')")" 2 "... both stored"

err=$(agent $W -W 30 report --interactive 2>&1 >"$T_DIR/izh" <<EOF
$G
?
02
0201
黄
0
3
交互上报, 工资纠纷

1200.50
petitioner:李某:1234
petitioner:李某:13900000002:110105194912310021
petitioner:李某:13900000002

某村三组
2099-01-01

否
是
EOF
)
is "$?" 0 "an interactive report (Chinese) is stored"
check "... the questions are in Chinese" sh -c "echo '$err' | grep -q '涉及人数'"
check "... '?' lists the categories" sh -c "echo '$err' | grep -q '劳动'"
check "... a wrong answer is explained and asked again" sh -c "echo '$err' | grep -q '✗ --people'"
check "... so is a wrong phone, ID number or time, before the report is sent" sh -c \
	"echo '$err' | grep -q '✗ 电话号码格式不对' && echo '$err' | grep -q '✗ 身份证号不对' && echo '$err' | grep -q '✗ 应在1990年以后'"
is "$(sql "SELECT people || ' ' || amount_fen || ' ' || address || ' ' || (SELECT count(*) FROM party WHERE report_id = r.id) FROM report r WHERE summary = '交互上报, 工资纠纷'")" \
	"3 120050 某村三组 1" "... with the answers given"
err=$(agent $W -W 30 --lang en report --interactive 2>&1 >/dev/null <<EOF
$G
99
12

green
2
Interactive report in English






yes
EOF
)
is "$?" 0 "an interactive report (English) is stored"
check "... the questions are in English" sh -c "echo '$err' | grep -q 'People involved'"
check "... an unknown category is asked again" sh -c "echo '$err' | grep -q 'unknown category'"
is "$(sql "SELECT category || ' ' || colour FROM report WHERE summary = 'Interactive report in English'")" \
	"12 green" "... with the answers given"
before=$(ob $W "SELECT count(*) FROM outbox")
printf '%s\n10\n\n绿\n2\n取消的上报\n\n\n\n\n\n\n否\n' "$G" | agent $W report --interactive >/dev/null 2>&1
is "$?" 3 "a cancelled interactive report exits 3"
printf '%s\n10\n' "$G" | agent $W report --interactive >/dev/null 2>&1
is "$?" 3 "input that ends halfway exits 3"
for bad in "colour: green
people: 2
summary: x
frobnicate: 1" "grid: $G
category: 10
colour: green
people: 0
summary: 人数为零" "grid: $G
category: 10
colour: green
people: 2
summary: $(printf 'bad \377 text')" "grid: $G
category: 10
colour: green
people: 2
summary:   "; do
	printf '%s\n' "grid: $G
category: 10
colour: green
people: 2
summary: 好的报告

$bad" >"$T_DIR/bad"
	agent $W report --file "$T_DIR/bad" >/dev/null 2>"$T_DIR/bad.err"
	rc=$?
	check "a file with a bad report ($(head -n 1 "$T_DIR/bad.err" | cut -c 1-90)) exits 3" [ $rc = 3 ]
done
agent $W report --file "$T_DIR/missing" >/dev/null 2>&1
is "$?" 2 "a missing report file exits 2"
agent $W -b https://127.0.0.1:1883 sync >/dev/null 2>"$T_DIR/badbroker.err"
is "$?" 2 "a broker URI of a scheme the agent cannot use exits 2, not 'unreachable' (5)"
check "... saying which it can" grep -q "broker must be a tcp://, mqtt://, ssl:// or mqtts:// URI" "$T_DIR/badbroker.err"
is "$(ob $W "SELECT count(*) FROM outbox")" "$before" "no bad or cancelled report reached the outbox"
is "$(ob $W "PRAGMA integrity_check")" ok "the outbox is intact"

# 5. run: case updates as they come, also those made while it was stopped;
# a resend after no Ack; a broker restart.
C=$(sql "SELECT c.case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.summary = '标准输入上报'")
U=$(sql "SELECT unit_code FROM \"case\" WHERE case_no = '$C'")
# act KIND STATE [grmsg options]: UNIT's dispatcher acts on case C, the
# same action (one id) published until the case is in STATE: the collector
# may still be reconnecting to a restarted broker.
act() {
	local kind=$1 want=$2 _
	shift 2
	"$GRMSG" action --id "$(printf '01J%s%04d' "$(date +%s%N)" $((RANDOM % 10000)))" \
		--unit "$U" --case "$C" --kind "$kind" --actor "disp-$U" "$@" >"$T_DIR/action"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$U" \
			-f "$T_DIR/action"
		gr_wait_for 3 "the case to be $want" sql_is "$want" \
			"SELECT state FROM \"case\" WHERE case_no = '$C'" 2>/dev/null && return 0
	done
	return 1
}
run_agent() {	# start `run` in the background, output in run.out / run.err
	# (a long-running program: under valgrind in that pass, as the collector)
	${GR_WRAP:-} "$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/$W.db" -w $W -d dev-$W \
		--resend 1 run >>"$T_DIR/run.out" 2>>"$T_DIR/run.err" </dev/null &
	RUN_PID=$!
	gr_wait_for 20 "run to connect" sh -c "[ \$(grep -c 'connected to' '$T_DIR/run.err') -ge $1 ]"
}
: >"$T_DIR/run.out"
run_agent 1
act accept accepted
gr_wait_for 20 "run to show the acceptance" grep -q "$C .*accepted" "$T_DIR/run.out"
check "run prints the case update as it comes" grep -q "案件 $C 更新 (case update): 已受理 accepted" "$T_DIR/run.out"

# A report made while run holds the connection goes through run.
out=$(agent $W -W 30 report --grid "$G" --category 13 --colour green --people 2 --summary "运行中上报")
is "$?" 0 "a report made while run is connected is stored through it"
gr_wait_for 20 "run to show the Ack" grep -q "已登记" "$T_DIR/run.out"
check "... and run prints its Ack" grep -q "$(echo "$out" | cut -d: -f1): 已登记" "$T_DIR/run.out"

# No collector: the report reaches the broker but gets no Ack; run sends it
# again once the collector is back.
gr_collector_stop TERM
agent $W -W 1 report --grid "$G" --category 14 --colour green --people 2 --summary "无应答重发" >/dev/null
is "$?" 5 "with no collector the report waits for its Ack"
gr_collector_start "$T_DIR" "$BUILD"
wait_count 30 1 "SELECT count(*) FROM report WHERE summary = '无应答重发'"
is "$?" 0 "run sends it again after the resend timeout and it is stored"
gr_wait_for 20 "the resent report's Ack" sh -c \
	"[ \"\$(sqlite3 '$T_DIR/agents/$W.db' \"SELECT state FROM outbox WHERE summary = '无应答重发'\")\" = stored ]"
is "$?" 0 "... and acknowledged"
check "... after more than one send ($(ob $W "SELECT attempts FROM outbox WHERE summary = '无应答重发'") attempts)" \
	[ "$(ob $W "SELECT attempts FROM outbox WHERE summary = '无应答重发'")" -ge 2 ]

# The broker restarts: run reconnects with backoff.
gr_broker_stop "$T_DIR"
gr_wait_for 20 "run to retry" grep -q "next attempt in" "$T_DIR/run.err"
gr_broker_start "$T_DIR" "$GR_MQTT_PORT" || exit 1
gr_wait_for 60 "run to reconnect" sh -c "[ \$(grep -c 'connected to' '$T_DIR/run.err') -ge 2 ]"
is "$?" 0 "run reconnects after a broker restart"
act assign assigned --department 镇司法所
gr_wait_for 30 "run to show the assignment" grep -q "$C .*assigned" "$T_DIR/run.out"
is "$?" 0 "run shows a case update after the reconnect"
check "... with the department" grep -q "$C .*assigned.*承办 镇司法所" "$T_DIR/run.out"

# Another program holds the outbox longer than run waits for it (5 s, as a
# long import or a backup may): run says so and keeps going, and records
# the update that came meanwhile once the outbox is free.
mkfifo "$T_DIR/hold"
stdbuf -oL sqlite3 "$T_DIR/agents/$W.db" <"$T_DIR/hold" >"$T_DIR/hold.out" 2>&1 &
HOLDER=$!
exec 7>"$T_DIR/hold"
printf 'BEGIN IMMEDIATE;\nSELECT %s;\n' "'held'" >&7
gr_wait_for 20 "the outbox to be held" grep -q held "$T_DIR/hold.out"
C_RUN=$C U_RUN=$U
C=$(sql "SELECT c.case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.summary = '运行中上报'")
U=$(sql "SELECT unit_code FROM \"case\" WHERE case_no = '$C'")
act accept accepted
check "run waits for an outbox another program holds, and says so" \
	gr_wait_for 30 "run to find the outbox busy" grep -q "event=outbox-busy" "$T_DIR/run.err"
printf 'COMMIT;\n' >&7
exec 7>&-
wait $HOLDER
check "... still running" kill -0 "$RUN_PID"
check "... and records the update once the outbox is free" gr_wait_for 30 "the update" sh -c \
	"[ \"\$(sqlite3 '$T_DIR/agents/$W.db' \"SELECT case_state FROM outbox WHERE summary = '运行中上报'\")\" = accepted ]"
C=$C_RUN U=$U_RUN

# run stops cleanly; a dispatcher acts meanwhile; the next run hears of it.
kill -TERM $RUN_PID
rc=0
wait $RUN_PID || rc=$?
is "$rc" 0 "run exits 0 on SIGTERM"
check "... and says what it did" grep -q "stopped: sent" "$T_DIR/run.err"
act resolve resolved --note 已调解
is "$?" 0 "the case is resolved while the agent is stopped"
run_agent 3
gr_wait_for 20 "run to show the resolution made while it was stopped" grep -q "$C .*resolved" "$T_DIR/run.out"
is "$?" 0 "the next run shows the update made while it was stopped"
# run prints an update before the transaction that records it commits
ob_is() { [ "$(ob "$1" "$2")" = "$3" ]; }
check "the outbox records it" gr_wait_for 20 "the outbox to record the resolution" \
	ob_is $W "SELECT case_state FROM outbox WHERE case_no = '$C'" resolved
kill -TERM $RUN_PID
wait $RUN_PID
is "$?" 0 "run exits 0 on SIGTERM again"

# 6. One worker's backlog arrives at once: 1,500 reports reach a paused
# collector.  When it goes on, its inbox fills with reports of one worker,
# set aside while one store worker holds that worker's earlier reports and
# publishes their Acks: it stores them all.  The agent has gone meanwhile;
# its session keeps the 1,500 Acks, which come in ahead of the answer to
# its subscription at the next sync, and sync records every one.
W=gw031
G=$(grid_of $W)
reports 1500 积压回执 >"$T_DIR/r1500"
subscribe acks31 "gr/v1/ack/$W"
kill -STOP "$GR_COLLECTOR_PID"
agent $W -W 3 report --file "$T_DIR/r1500" >/dev/null 2>&1
is "$?" 5 "with the collector paused, 1,500 reports wait for their Acks"
is "$(ob $W "SELECT count(*) FROM outbox WHERE attempts > 0")" 1500 "... each of them sent"
kill -CONT "$GR_COLLECTOR_PID"
wait_count 120 1500 "SELECT count(*) FROM report WHERE worker_id = '$W'"
is "$?" 0 "the collector stores them once it goes on"
acks_are() { [ "$(messages acks31 | wc -l)" -ge "$1" ]; }
gr_wait_for 60 "1,500 Acks published" acks_are 1500
is "$?" 0 "... and publishes their Acks while the agent is away"
out=$(agent $W -W 60 sync)
is "$?" 0 "sync connects and takes the Acks that waited ($out)"
is "$(ob $W "SELECT count(*) FROM outbox WHERE state = 'stored'")" 1500 "... all 1,500 are recorded"

# 7. Two workers share one handheld (one device id): each has a session of
# its own, so the sync of one does not take the other's case updates.
WA=gw013
WB=gw014
pad() { local w=$1; shift; "$BUILD/field-agent" -b "$GR_BROKER" \
	-o "$T_DIR/agents/$w.db" -w $w -d shared-pad "$@"; }
pad $WA -W 30 report --grid "$(grid_of $WA)" --category 10 --colour green \
	--people 2 --summary "共用设备上报" >/dev/null
is "$?" 0 "worker A reports from a shared handheld"
pad $WB -W 30 report --grid "$(grid_of $WB)" --category 11 --colour green \
	--people 2 --summary "共用设备上报二" >/dev/null
is "$?" 0 "... and so does worker B"
C=$(sql "SELECT c.case_no FROM \"case\" c JOIN report r ON r.id = c.report_id WHERE r.summary = '共用设备上报'")
U=$(sql "SELECT unit_code FROM \"case\" WHERE case_no = '$C'")
subscribe ack13 "gr/v1/ack/$WA"
act accept accepted
gr_wait_for 20 "the update to reach the broker" sh -c \
	"grep '^gr/v1/ack/$WA ' '$T_DIR/ack13.sub' | '$GRMSG' notice | grep -q 'case case_no=$C .*state=accepted'"
pad $WB -W 10 sync >/dev/null
pad $WA -W 10 sync >/dev/null
is "$(ob $WA "SELECT case_state FROM outbox WHERE summary = '共用设备上报'")" accepted \
	"worker A's sync records the acceptance made while both were away, after worker B's sync"

# 8. Two workers share one outbox file as well: each sends his own reports
# only.  Sent as the other worker, a report would be rejected (the topic's
# worker is not the report's) and never sent again.
both() { local w=$1; shift; "$BUILD/field-agent" -b "$GR_BROKER" \
	-o "$T_DIR/agents/both.db" -w $w -d shared-pad "$@"; }
# (no broker at port 1: the report is kept, never sent)
both $WA -b tcp://127.0.0.1:1 -W 1 report --grid "$(grid_of $WA)" \
	--category 12 --colour green --people 2 --summary "共用收件箱 甲" \
	>/dev/null 2>&1
is "$?" 5 "with no broker, worker A's report waits in the shared outbox"
check "worker B's sync sends nothing: the outbox holds no report of his" \
	sh -c "'$BUILD/field-agent' -b '$GR_BROKER' -o '$T_DIR/agents/both.db' -w $WB -d shared-pad -W 30 sync | grep -q '^sent 0, .* still waiting 0$'"
is "$(sqlite3 "$T_DIR/agents/both.db" "SELECT state FROM outbox")" queued \
	"... and worker A's report still waits, not rejected"
both $WA -W 30 sync >/dev/null
is "$(sqlite3 "$T_DIR/agents/both.db" "SELECT state FROM outbox")" stored \
	"worker A's sync sends it, and it is stored"
is "$(sql "SELECT worker_id FROM report WHERE summary = '共用收件箱 甲'")" $WA "... as his"
is "$(sql "SELECT count(*) FROM dead_letter WHERE report_id IN (SELECT id FROM report WHERE summary = '共用收件箱 甲')")" 0 \
	"... and never dead-lettered"

# 9. Two handhelds with one worker and device id (a configuration copied
# to a second one) take the session from each other: each waits before it
# connects again, longer each time, instead of at once in a loop.
dup() {
	${GR_WRAP:-} "$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/dup-$1.db" \
		-w $WA -d dup-pad run >"$T_DIR/dup-$1.out" 2>"$T_DIR/dup-$1.err" </dev/null &
}
dup 1; P1=$!
gr_wait_for 20 "the first to connect" grep -q 'connected to' "$T_DIR/dup-1.err"
dup 2; P2=$!
check "a device whose session is taken over waits before connecting again" \
	gr_wait_for 30 "a wait before reconnecting" sh -c \
	"grep -q 'next attempt in' '$T_DIR/dup-1.err' '$T_DIR/dup-2.err'"
kill -TERM $P1 $P2
r1=0; wait $P1 || r1=$?
r2=0; wait $P2 || r2=$?
is "$r1 $r2" "0 0" "... and both stop cleanly on SIGTERM"
