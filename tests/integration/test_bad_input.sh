#!/bin/bash
# test_bad_input.sh -- bad input at every entry point gets a clear error and
# crashes nothing: the agent's flags and configuration, and malformed
# payloads published straight to the broker.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
subscribe acks 'gr/v1/ack/gw001'
G=$(grid_of gw001)

# expect_agent CODE PATTERN DESCRIPTION ARGS...: the agent exits CODE and
# says something matching PATTERN on stderr.
expect_agent() {
	code=$1; pat=$2; d=$3; shift 3
	err=$("$BUILD/field-agent" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = "$code" ] && echo "$err" | grep -q -- "$pat"; then
		ok "agent: $d"
	else
		not_ok "agent: $d (exit $rc, said: $err)"
	fi
}
A="-b $GR_BROKER -o $T_DIR/agents/bad.db -w gw001 -d dev-bad -W 5"
R="report --grid $G --category 02 --colour yellow --people 2"

expect_agent 3 "not in the taxonomy" "unknown category" $A report --grid "$G" \
	--category 99 --colour red --people 2 --summary x
expect_agent 3 "item" "item of another category" $A $R --item 0301 --summary x
expect_agent 3 "grid_code" "malformed grid code" $A report --grid 12345 \
	--category 02 --colour red --people 2 --summary x
expect_agent 3 "summary is required" "missing summary" $A $R
expect_agent 3 "summary is empty" "blank summary" $A $R --summary "   "
expect_agent 3 "101 characters" "summary of 101 characters" $A $R \
	--summary "$(printf '欠%.0s' $(seq 1 101))"
expect_agent 3 "UTF-8" "invalid UTF-8" $A $R --summary "$(printf 'bad \377 text')"
expect_agent 3 "people" "people 0" $A report --grid "$G" --category 02 \
	--colour red --people 0 --summary x
expect_agent 3 "colour" "unknown colour" $A report --grid "$G" --category 02 \
	--colour blue --people 2 --summary x
expect_agent 3 "role" "party with an unknown role" $A $R --summary x --party "boss:张三"
expect_agent 3 "ID number" "party ID number with a bad checksum" $A $R \
	--summary x --party "petitioner:张三:13900001111:110105194912310021"
expect_agent 3 "occurred" "impossible date" $A $R --summary x --occurred 2026-02-30
expect_agent 3 "lat" "latitude out of range" $A $R --summary x --lat 95 --lon 103
expect_agent 2 "worker is not set" "no worker" -b "$GR_BROKER" -o "$T_DIR/agents/bad.db" \
	-d dev-bad $R --summary x
expect_agent 2 "unknown command" "unknown command" $A launch
expect_agent 2 "unrecognized option" "unknown option" $A report --colour red --frobnicate
expect_agent 2 "cannot\|No such file" "unreadable config file" -c "$T_DIR/missing.conf" $A sync
printf 'worker gw001\nwait forever\n' >"$T_DIR/bad.conf"
expect_agent 2 "bad.conf:2" "bad value in the config file, with its line" -c "$T_DIR/bad.conf" $A sync
expect_agent 1 "cannot open outbox" "outbox in a missing folder" -b "$GR_BROKER" \
	-o "$T_DIR/no/such/dir/o.db" -w gw001 -d dev-bad $R --summary x
is "$(sqlite3 "$T_DIR/agents/bad.db" "SELECT count(*) FROM outbox" 2>/dev/null || echo 0)" 0 \
	"no refused report reached the outbox"

# Malformed payloads straight to the broker, each with the reason the
# collector must dead-letter it under.
pub() {	# pub TOPIC FILE
	mosquitto_pub -h 127.0.0.1 -p "$GR_MQTT_PORT" -q 1 -t "$1" -f "$2"
}
P=$T_DIR/payloads
mkdir -p "$P"
head -c 300 /dev/urandom >"$P/random"
"$GRMSG" report --truncate 40 >"$P/truncated"
"$GRMSG" report --schema 2 >"$P/schema"
"$GRMSG" report --omit summary >"$P/nosummary"
"$GRMSG" report --colour 7 >"$P/colour"
"$GRMSG" report --summary-hex 6f6bff21 >"$P/utf8"
"$GRMSG" report --created-offset 259200 >"$P/future"
"$GRMSG" report --lat 200 --lon 103 >"$P/coords"
"$GRMSG" report --grid 530322999999001 >"$P/unknowngrid"
"$GRMSG" report --grid 530322202201001 >"$P/notregistered"
"$GRMSG" report --worker gw002 >"$P/mismatch"
"$GRMSG" report --pad 70000 >"$P/huge"
"$GRMSG" report --attachment >"$P/attachment"
"$GRMSG" report --category 98 --item 9801 >"$P/category"
: >"$P/empty"
"$GRMSG" report --id 01HZZZZZZZZZZZZZZZZZZZZZZZ --summary "重复id" >"$P/good1"

cases="random:malformed truncated:malformed schema:schema_version
nosummary:missing_field colour:bad_enum utf8:bad_utf8 future:bad_time
coords:bad_location unknowngrid:unknown_grid notregistered:not_registered
mismatch:worker_mismatch huge:too_large attachment:unsupported
category:unknown_category empty:missing_field"
nbad=0
for c in $cases; do
	pub gr/v1/report/gw001 "$P/${c%%:*}"
	nbad=$((nbad + 1))
done
pub gr/v1/report/x "$P/good1"	# a topic that names no valid worker
nbad=$((nbad + 1))
pub gr/v1/report/gw001 "$P/good1"
wait_count 30 1 "SELECT count(*) FROM report WHERE id = '01HZZZZZZZZZZZZZZZZZZZZZZZ'"
check "a good report after the bad ones is stored" [ $? = 0 ]
wait_count 30 "$nbad" "SELECT count(*) FROM dead_letter"
is "$(sql "SELECT count(*) FROM dead_letter")" "$nbad" "every bad message is dead-lettered"
for c in $cases; do
	name=${c%%:*}
	reason=${c#*:}
	size=$(stat -c %s "$P/$name")
	is "$(sql "SELECT count(*) FROM dead_letter WHERE reason = '$reason' AND length(payload) = $size")" \
		1 \
		"$name is dead-lettered as $reason with its raw bytes"
done
is "$(sql "SELECT count(*) FROM dead_letter WHERE topic = 'gr/v1/report/x' AND reason = 'bad_code'")" 1 \
	"a report on a topic naming no valid worker is dead-lettered"
is "$(sql "SELECT count(*) FROM report")" 1 "no bad message became a report"
check "the collector is still running" kill -0 "$GR_COLLECTOR_PID"

# The sender learns why, where the topic names it.
gr_wait_for 20 "rejected acks" sh -c "[ \$(grep -c '^gr/v1/ack/gw001 ' '$T_DIR/acks.sub') -ge $((nbad - 1)) ]"
acks=$(messages acks | "$GRMSG" notice)
is "$(echo "$acks" | grep -c 'status=rejected')" "$((nbad - 1))" \
	"each bad message on a worker's topic gets a rejected Ack"
check "the rejected Ack names the reason (bad_time)" sh -c "echo '$acks' | grep -q 'reason=bad_time'"
check "a stored Ack follows the good report" sh -c "echo '$acks' | grep -q 'report=01HZZZZZZZZZZZZZZZZZZZZZZZ status=stored'"

# Collector options.
"$BUILD/collector" --frobnicate >/dev/null 2>&1
is "$?" 2 "collector: unknown option exits 2"
"$BUILD/collector" -c "$T_DIR/missing.conf" -n >/dev/null 2>"$T_DIR/err"
check "collector: unreadable config is an error" [ $? = 1 ]
check "collector: ... with a clear message" grep -q "missing.conf" "$T_DIR/err"
printf 'queue_max 0\n' >"$T_DIR/c.conf"
"$BUILD/collector" -c "$T_DIR/c.conf" -n >/dev/null 2>"$T_DIR/err"
check "collector: out-of-range value is refused with its line" grep -q "c.conf:1: queue_max" "$T_DIR/err"
out=$("$BUILD/collector" -n -b "$GR_BROKER" -d "$GR_DB")
is "$out" "configuration OK" "collector: -n checks a good configuration"
