#!/bin/bash
# agent.sh -- the field agent's footprint (make bench-agent): the size of
# the stripped binary, its peak resident memory while it queues and then
# flushes 10,000 reports, and the bytes a typical report takes on the
# wire.  Budgets (issue 3): binary under 200 KB (shared libraries aside),
# peak RSS under 4 MB while flushing 10,000 queued reports, a typical
# report under 1 KB on the wire.  Prints figures; exit 1 only when the
# flush lost a report (not when a budget is missed: the figures say so).
#
# Usage: tests/bench/agent.sh [BUILD]
#
# A private Mosquitto under .run/bench-agent and grload's echo responder
# (tests/bench/grload.c), which answers every report at once with a
# 'stored' Ack, stand in for the collector: the agent's side is measured,
# not the database.  N (10000) sets the number of reports.  Peak RSS is
# GNU time's "Maximum resident set size" (the kernel's ru_maxrss).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

B_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GR_TOP=$B_TOP
. "$B_TOP/scripts/env.sh"

B_BUILD=${1:-build}
case $B_BUILD in /*) ;; *) B_BUILD=$B_TOP/$B_BUILD ;; esac
B_DIR=$B_TOP/.run/bench-agent
B_N=${N:-10000}
B_AGENT=$B_BUILD/field-agent
B_GRID=530322001001001

[ -x /usr/bin/time ] || { echo "bench-agent: /usr/bin/time is missing (make deps)" >&2; exit 1; }
B_ECHO_PID=
cleanup() {
	[ -n "$B_ECHO_PID" ] && kill "$B_ECHO_PID" 2>/dev/null
	gr_broker_stop "$B_DIR"
}
trap cleanup EXIT
rm -rf "$B_DIR"
mkdir -p "$B_DIR"
chmod 755 "$B_DIR"

# sample PARENT OUT: until PARENT's child exits, the largest RssAnon (the
# program's own memory: heap, stacks; not the pages of its binary and
# shared libraries) seen every 20 ms in /proc, into OUT.
sample() {
	local child="" max=0 v
	while [ -z "$child" ] && kill -0 "$1" 2>/dev/null; do
		child=$(pgrep -P "$1" | head -n 1)
	done
	while [ -n "$child" ] && v=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$child/status" 2>/dev/null) &&
		[ -n "$v" ]; do
		[ "$v" -gt "$max" ] && max=$v
		sleep 0.02
	done
	echo "$max" >"$2"
}
# measured OUT CMD...: run CMD under GNU time (OUT.time) with the sampler
# (OUT.anon)
measured() {
	local out=$1 rc
	shift
	/usr/bin/time -v "$@" 2>"$out.time" &
	local tpid=$!
	sample "$tpid" "$out.anon" &
	local spid=$!
	wait "$tpid"
	rc=$?
	wait "$spid"
	return $rc
}

# maxrss_kb LOG: GNU time's peak RSS
maxrss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
elapsed() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
verdict() {	# verdict VALUE LIMIT
	if [ "$1" -lt "$2" ]; then echo "within budget"; else
		echo "OVER budget by $(($1 - $2))"; fi
}

gr_broker_start "$B_DIR" || exit 1
DOWN="tcp://127.0.0.1:$(gr_free_port)"
A="-w gw001 -d bench-001 -o $B_DIR/outbox.db"

echo "field-agent footprint ($(uname -m), $(cc --version | head -n 1))"

# 1. The stripped binary.
strip --strip-all -o "$B_DIR/field-agent.stripped" "$B_AGENT"
size_b=$(stat -c %s "$B_DIR/field-agent.stripped")
echo
echo "binary: $B_AGENT stripped: $size_b bytes ($((size_b / 1024)) KB; budget 200 KB: $(verdict "$size_b" 204800))"
echo "  text/data/bss: $(size "$B_DIR/field-agent.stripped" | awk 'NR == 2 { print $1 " / " $2 " / " $3 }') bytes"
echo "  shared libraries (not counted): $(ldd "$B_AGENT" | awk '{ print $1 }' | grep -v '^/\|linux-vdso' | tr '\n' ' ')"

# 2. A typical report on the wire.
"$B_AGENT" $A -b "$DOWN" -W 0 report --grid $B_GRID --category 02 --item 0201 \
	--colour yellow --people 12 --amount 86000 \
	--summary "建筑工地拖欠12名农民工工资约8.6万元, 工人情绪激动" \
	--description "某建筑工地劳务分包方拖欠12名农民工2025年10月至12月工资共计约8.6万元, 工人多次讨要未果, 扬言到县政府上访。" \
	--party "petitioner:王某某:13900000001" --party "respondent::::某某劳务有限公司" \
	--lat 25.0304 --lon 103.6671 --address "中枢镇某村建筑工地" \
	--occurred "$(date -u +%Y-%m-%d)" --channel grid >/dev/null 2>&1
payload=$(sqlite3 "$B_DIR/outbox.db" "SELECT length(payload) FROM outbox ORDER BY seq LIMIT 1")
topic="gr/v1/report/gw001"
# MQTT v5 PUBLISH at QoS 1: topic (2 + length), packet id (2), property
# length (1, no properties), then the payload; the fixed header is one
# byte plus the remaining length as a variable-length integer.
rest=$((2 + ${#topic} + 2 + 1 + payload))
if [ $rest -lt 128 ]; then vl=1; elif [ $rest -lt 16384 ]; then vl=2; else vl=3; fi
wire=$((1 + vl + rest))
echo
echo "typical report (a wage dispute: summary, description, two parties, location, address):"
echo "  protobuf payload: $payload bytes"
echo "  MQTT v5 PUBLISH (QoS 1, topic $topic): $wire bytes ($((wire - payload)) bytes of MQTT header); budget 1 KB: $(verdict "$wire" 1024)"
echo "  plus the broker's PUBACK: 4 bytes; TCP/IP headers not counted"

# 3. Queue N reports with the broker unreachable, then flush them.
rm -f "$B_DIR"/outbox.db*
awk -v n="$B_N" -v g=$B_GRID 'BEGIN { for (i = 1; i <= n; i++)
	printf "grid: %s\ncategory: 02\nitem: 0201\ncolour: yellow\npeople: 12\namount: 86000\nsummary: 建筑工地拖欠农民工工资 %d\nparty: petitioner:王某某:13900000001\naddress: 中枢镇某村建筑工地\n\n", g, i }' \
	>"$B_DIR/reports"
measured "$B_DIR/queue" "$B_AGENT" $A -b "$DOWN" -W 0 report --file "$B_DIR/reports" \
	>/dev/null
rc=$?
[ $rc = 5 ] || { echo "bench-agent: queueing exited $rc" >&2; tail -n 30 "$B_DIR/queue.time" >&2; exit 1; }
q_kb=$(maxrss_kb "$B_DIR/queue.time")
echo
echo "queue $B_N reports (report --file, one transaction, broker down): peak RSS $q_kb KB, of which its own memory (RssAnon) $(cat "$B_DIR/queue.anon") KB; $(elapsed "$B_DIR/queue.time") s"
echo "  outbox file: $(( $(stat -c %s "$B_DIR/outbox.db") / 1024 )) KB"

"$B_BUILD/tests/grload" echo -b "$GR_BROKER" >"$B_DIR/echo.log" 2>&1 &
B_ECHO_PID=$!
gr_wait_for 20 "the echo responder" grep -q event=echo-ready "$B_DIR/echo.log" || {
	cat "$B_DIR/echo.log" >&2; exit 1; }
/usr/bin/time -v "$B_AGENT" -w gw001 -d bench-001 -o "$B_DIR/none.db" -b "$DOWN" \
	-W 0 sync >/dev/null 2>"$B_DIR/idle.time"
measured "$B_DIR/sync" "$B_AGENT" $A -b "$GR_BROKER" -W 600 sync >"$B_DIR/sync.out"
rc=$?
f_kb=$(maxrss_kb "$B_DIR/sync.time")
stored=$(sqlite3 "$B_DIR/outbox.db" "SELECT count(*) FROM outbox WHERE state = 'stored'")
a_kb=$(cat "$B_DIR/sync.anon")
echo "flush $B_N queued reports (sync, to the echo responder): $(elapsed "$B_DIR/sync.time") s"
echo "  peak RSS $f_kb KB; budget 4 MB (4096 KB): $(verdict "$f_kb" 4096)"
echo "  of which its own memory (RssAnon, sampled every 20 ms): $a_kb KB; against 4 MB: $(verdict "$a_kb" 4096)"
echo "  for scale: sync of an empty outbox, broker down, peak RSS $(maxrss_kb "$B_DIR/idle.time") KB"
echo "  (the rest of the RSS is file pages of the binary and of the shared libraries"
echo "  the process touches, shared with other processes; largest, in an idle run:"
"$B_AGENT" $A -b "$DOWN" run >/dev/null 2>"$B_DIR/idle.err" </dev/null &
rpid=$!
gr_wait_for 10 "run's first connect attempt" grep -q "next attempt" "$B_DIR/idle.err"
awk '/^[0-9a-f]+-/ { name = $6 } /^Rss:/ { r[name] += $2 }
	END { for (n in r) if (r[n] >= 150) printf "%d %s\n", r[n], n }' "/proc/$rpid/smaps" |
	sort -rn | awk '{ n = split($2, p, "/"); printf "    %5d KB  %s\n", $1, p[n] }'
kill -TERM $rpid
wait $rpid
echo "  )"
echo "  $(cat "$B_DIR/sync.out")"
[ $rc = 0 ] && [ "$stored" = "$B_N" ] || {
	echo "bench-agent: the flush exited $rc with $stored of $B_N acknowledged" >&2; exit 1; }
