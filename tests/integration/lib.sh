# lib.sh -- what the integration tests share: private servers started for
# the test in a folder of its own, TAP output, helpers for agents and SQL.
# Sourced by tests/integration/test_*.sh; BUILD names the build to test.
set -u

GR_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$GR_TOP/scripts/env.sh"
BUILD=${BUILD:-$GR_TOP/build}
case $BUILD in /*) ;; *) BUILD=$GR_TOP/$BUILD ;; esac
GRMSG=$BUILD/tests/grmsg

mkdir -p "$GR_TOP/.run"
T_DIR=$(mktemp -d "$GR_TOP/.run/t.XXXXXX")
chmod 755 "$T_DIR"	# the servers' users must reach their folders
mkdir -p "$T_DIR/agents"
T_N=0
T_FAILED=0
T_SUBS=""

# Sanitizer builds stop at the first error; leaks are reported at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }

# check DESCRIPTION CMD...: pass when CMD succeeds
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# is GOT EXPECTED DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', expected '$2')"; fi
}

sql() { psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# conn_as ROLE [DB]: a conninfo for ROLE on the test cluster
conn_as() { echo "host=127.0.0.1 port=$GR_PG_PORT user=$1 dbname=${2:-gridreport}"; }
# sql_as ROLE SQL...: one session, one -c per statement, their results
# (an error with its SQLSTATE: "ERROR:  23503: ...")
sql_as() {
	local role=$1 a=()
	shift
	for s in "$@"; do a+=(-c "$s"); done
	psql "$(conn_as "$role")" -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "${a[@]}"
}
# sql_refused ROLE PATTERN SQL...: the session fails with an error matching PATTERN
sql_refused() {
	local role=$1 pat=$2 out
	shift 2
	if out=$(sql_as "$role" "$@" 2>&1); then
		not_ok "$role: $* is refused (it succeeded: $out)"
	elif echo "$out" | grep -q -- "$pat"; then
		ok "$role: $* is refused"
	else
		not_ok "$role: $* is refused with '$pat' (got: $out)"
	fi
}

# agent WORKER ARGS...: run the field agent as WORKER with its own outbox
agent() {
	w=$1; shift
	"$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/$w.db" -w "$w" \
		-d "dev-$w" "$@"
}

# agent_outbox WORKER OUTBOX ARGS...: the field agent as WORKER with an
# outbox named OUTBOX of its own, so that a sync of one does not send the
# reports of another again
agent_outbox() {
	w=$1; o=$2; shift 2
	"$BUILD/field-agent" -b "$GR_BROKER" -o "$T_DIR/agents/$w-$o.db" \
		-w "$w" -d "dev-$w" "$@"
}

# nowait AGENT-COMMAND...: run a field agent (agent WORKER, agent_outbox
# WORKER OUTBOX or "$BUILD/field-agent", then its options, its command,
# report or sync, and the command's arguments) that does not wait for its
# Acks (-W 1), and see that its reports leave.  On a loaded machine (the
# sanitizer builds, test passes side by side) such an agent can spend its
# whole wait connecting: it keeps its reports unsent ("broker ... not
# reachable"), and what the test waits for never comes.  While it says
# so, the same outbox is synced again, up to ten times.  Prints the first
# run's output; returns the last run's status.
nowait() {
	local pre=() a rc tries=0
	for a in "$@"; do
		case $a in report|sync) break ;; esac
		pre+=("$a")
	done
	if [ ${#pre[@]} -eq $# ]; then
		echo "nowait: no report or sync command in: $*" >&2
		return 2
	fi
	"$@" >"$T_DIR/nowait.out" 2>"$T_DIR/nowait.err"
	rc=$?
	cat "$T_DIR/nowait.out"
	cat "$T_DIR/nowait.err" >&2
	while grep -q 'not reachable' "$T_DIR/nowait.out" "$T_DIR/nowait.err" &&
	    [ $tries -lt 10 ]; do
		"${pre[@]}" sync >"$T_DIR/nowait.out" 2>"$T_DIR/nowait.err"
		rc=$?
		tries=$((tries + 1))
	done
	return $rc
}

# action_result SUB UNIT CASE KIND [grmsg options]: publish an action as
# UNIT's dispatcher and wait for its result on subscription SUB (UNIT's
# dispatch feed, see subscribe); prints "ok=1 reason=-" or "ok=0 reason=...".
# The action's id is $ACTION_ID when set, else one from the clock (this
# runs in $(...): a counter would not count).
action_result() {
	local sub=$1 unit=$2 case_no=$3 kind=$4 aid before
	shift 4
	aid=${ACTION_ID:-$(printf '01J%s%04d' "$(date +%s%N)" $((RANDOM % 10000)))}
	"$GRMSG" action --id "$aid" --unit "$unit" --case "$case_no" --kind "$kind" \
		--actor "disp-$unit" "$@" >"$T_DIR/action"
	before=$(grep "^gr/v1/dispatch/$unit " "$T_DIR/$sub.sub" | "$GRMSG" notice |
		grep -c "result action=$aid ")
	mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "gr/v1/action/$unit" \
		-f "$T_DIR/action"
	gr_wait_for 20 "the result of action $aid" sh -c \
		"[ \$(grep '^gr/v1/dispatch/$unit ' '$T_DIR/$sub.sub' | '$GRMSG' notice | grep -c 'result action=$aid ') -gt $before ]"
	grep "^gr/v1/dispatch/$unit " "$T_DIR/$sub.sub" | "$GRMSG" notice |
		grep "result action=$aid " | tail -n 1 | awk '{print $4, $5}'
}

# lock_cases NAME: session NAME holds table "case" locked against writes
# until session_close NAME
lock_cases() {
	session_open "$1"
	session_send "$1" "BEGIN; LOCK TABLE \"case\" IN EXCLUSIVE MODE; SELECT 'locked';"
	session_wait "$1" locked
}

# lock_waits N EVENT: N of the collectors' connections wait for a lock of
# the kind EVENT (relation, advisory)
lock_waits() {
	sql_is "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector' AND wait_event_type = 'Lock' AND wait_event = '$2'"
}

# advisory_waits N CLASS: N transactions wait for an advisory lock of
# CLASS (gr_matter, gr_repeat, ...: the first key, hashtext(CLASS))
advisory_waits() {
	sql_is "$1" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = hashtext('$2')::oid"
}

# received PORT: how many messages the collector with its metrics on PORT
# has taken from the broker
received() {
	curl -sf --max-time 10 "http://127.0.0.1:$1/metrics" |
		awk '$1 == "gr_collector_received_total" { print $2 }'
}
received_is() { [ "$(received "$1")" = "$2" ]; }

# grid_of WORKER: a grid the worker is registered for
grid_of() { sql "SELECT grid_code FROM worker_grid WHERE worker_id = '$1' ORDER BY 1 LIMIT 1"; }

# caseof REPORT-ID: the number of the report's case (empty: none)
caseof() { sql "SELECT case_no FROM \"case\" WHERE report_id = '$1'"; }

# green_case CATEGORY PEOPLE SUMMARY: a green report by gw001 in its grid,
# answered within 20 s; prints its case number.  A category of its own
# each time, or a later report repeats the first (重访).
green_case() {
	caseof "$(agent gw001 -W 20 report --grid "$(grid_of gw001)" --category "$1" \
		--colour green --people "$2" --summary "$3" | cut -d: -f1)"
}

# subscribe NAME TOPIC: record messages on TOPIC as "topic hex" lines in
# $T_DIR/NAME.sub; returns once the subscription is in place.
subscribe() {
	f=$T_DIR/$1.sub
	stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -d -v -F '%t %x' \
		-t "$2" >"$f" 2>&1 &
	T_SUBS="$T_SUBS $!"
	gr_wait_for 20 "subscription to $2" grep -q "SUBACK" "$f"
}

# messages NAME: the recorded payload lines of a subscription
messages() { grep '^gr/v1/' "$T_DIR/$1.sub" || true; }

# sql_is EXPECTED SQL: the query returns EXPECTED
sql_is() { [ "$(psql "$GR_DB" -XAtq -c "$2" 2>/dev/null)" = "$1" ]; }

# wait_count SECONDS EXPECTED SQL: wait until the query returns EXPECTED
wait_count() { gr_wait_for "$1" "$3 = $2" sql_is "$2" "$3"; }

# ---- Sessions of their own, held open across steps ------------------------
#
#   session_open NAME          psql in the background, fed through
#                              $T_DIR/NAME.fifo; its output in $T_DIR/NAME.out
#   session_send NAME SQL      send it SQL (a transaction can stay open)
#   session_wait NAME TEXT     wait until its output has TEXT
#   session_close NAME [SQL]   send SQL (COMMIT;, ROLLBACK;), end it, wait
#   session_ended NAME         reap a session that has ended by itself (an
#                              error stops it)
# NAME is a shell word ([A-Za-z0-9_]).
session_open() {
	mkfifo "$T_DIR/$1.fifo"
	psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 <"$T_DIR/$1.fifo" \
		>"$T_DIR/$1.out" 2>&1 &
	eval "SESSION_PID_$1=\$!"
	eval "exec {SESSION_FD_$1}>\"\$T_DIR/$1.fifo\""
}
session_send() {
	# a session that has ended would take the test down with SIGPIPE
	if ! eval "kill -0 \$SESSION_PID_$1" 2>/dev/null; then
		not_ok "session $1 is still there ($(tail -n 2 "$T_DIR/$1.out"))"
		return 1
	fi
	eval "printf '%s\n' \"\$2\" >&\$SESSION_FD_$1"
}
session_wait() {
	gr_wait_for 20 "session $1: $2" grep -q -- "$2" "$T_DIR/$1.out"
}
session_close() {
	[ -n "${2:-}" ] && session_send "$1" "$2"
	session_send "$1" '\q'
	eval "exec {SESSION_FD_$1}>&-; wait \$SESSION_PID_$1"
}
session_ended() {
	eval "exec {SESSION_FD_$1}>&-; wait \$SESSION_PID_$1"
}

# ---- Streams of reports from several agents (scale-out and restarts) ----

# stream TAG PER_WORKER WORKER...: each worker reports PER_WORKER times in
# the background, one report after another; sets S_PIDS.
stream() {
	local tag=$1 per=$2 w g
	shift 2
	S_PIDS=""
	for w in "$@"; do
		g=$(grid_of "$w")
		(
			for i in $(seq 1 "$per"); do
				agent "$w" -W 3 report --grid "$g" --category "$(printf %02d $((i % 9 + 1)))" \
					--colour green --people 2 --summary "$tag $w $i" \
					--party "petitioner:某人:139$(printf %04d "${w#gw}")$(printf %04d "$i")" \
					>/dev/null 2>&1
			done
		) &
		S_PIDS="$S_PIDS $!"
	done
}

# resync WORKER...: each agent sends what is not acknowledged until all is
resync() {
	local w
	for w in "$@"; do
		for _ in 1 2 3 4; do
			agent "$w" -W 20 sync >/dev/null && break
		done
	done
}

# all_stored PER WORKER...: every agent's outbox holds PER reports, all
# acknowledged as stored, each in the database exactly once
all_stored() {
	local per=$1 w id ok=1
	shift
	for w in "$@"; do
		[ "$(sqlite3 "$T_DIR/agents/$w.db" "SELECT count(*) FROM outbox WHERE state = 'stored'")" = "$per" ] ||
			{ ok=0; echo "# $w: $(sqlite3 "$T_DIR/agents/$w.db" "SELECT state, count(*) FROM outbox GROUP BY 1" | tr '\n' ' ')"; }
		for id in $(sqlite3 "$T_DIR/agents/$w.db" "SELECT id FROM outbox"); do
			[ "$(sql "SELECT count(*) FROM report WHERE id = '$id'")" = 1 ] ||
				{ ok=0; echo "# $w: report $id is not stored once"; }
		done
	done
	[ $ok = 1 ]
}

start_servers() {
	gr_pg_start "$T_DIR" || exit 1
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null || exit 1
	gr_broker_start "$T_DIR" || exit 1
}

# Sanitizer and valgrind reports in the collector's log fail the test.
check_logs() {
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer\|runtime error:\|ERROR SUMMARY: [1-9]\|are \(definitely\|indirectly\) lost\|Invalid \(read\|write\|free\)\|uninitialised" \
		"$T_DIR"/collector*.log 2>/dev/null; then
		not_ok "collector log has no sanitizer or valgrind report"
		grep -B 5 -A 20 "ERROR: \|WARNING: ThreadSanitizer\|runtime error:\|ERROR SUMMARY\|definitely lost" \
			"$T_DIR"/collector*.log | head -n 80
	else
		ok "collector log has no sanitizer or valgrind report"
	fi
}

finish() {
	if [ -n "${GR_COLLECTOR_PID:-}" ]; then
		gr_collector_stop TERM
		# 99 is valgrind's --error-exitcode in tests/run.sh.
		if [ "$GR_COLLECTOR_RC" != 0 ]; then
			not_ok "the collector exits 0 at the end (exit $GR_COLLECTOR_RC)"
		fi
	fi
	[ -n "$T_SUBS" ] && kill $T_SUBS 2>/dev/null
	check_logs
	gr_broker_stop "$T_DIR"
	gr_pg_stop "$T_DIR"
	if [ "$T_FAILED" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$T_DIR"
	else
		echo "# test files kept in $T_DIR"
	fi
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ] || exit 1
}
trap 'finish' EXIT
