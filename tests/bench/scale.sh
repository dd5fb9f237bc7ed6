#!/bin/bash
# scale.sh -- two more benchmark scenarios (not part of make test; they
# print figures and assert no timing):
#
#   scale.sh idle [BUILD]   (make bench-idle) IDLE_SESSIONS (10000) idle
#       agents keep persistent sessions (clean start off, session expiry
#       1 h, keepalive 60 s, each subscribed to its Ack topic) on the
#       broker while 43 agents stream RATE (1000) reports/s for
#       RATE_SECONDS (10) through the collector.  Shows the broker's
#       descriptors and memory, the stream's rate and latency, and that no
#       report was lost or duplicated and no idle session dropped.  The
#       open-file limit is raised to the hard limit (ulimit -Hn); the
#       broker inherits it (Mosquitto 2.0 has no limit of its own beyond
#       max_connections, unset here).
#   scale.sh big [BUILD]    (make bench-big) the collector's full-speed rate
#       on an empty database, then with BIG_REPORTS (5,000,000) reports
#       already stored (tests/bench/big-data.sql: a year of a county,
#       bulk-loaded with INSERT ... SELECT generate_series, then
#       VACUUM (ANALYZE)),
#       each for FULL_COUNT (20000) reports or FULL_SECONDS (30), after
#       WARM_COUNT (4000) reports through the just started collector (a
#       running county's collector is not measured in its first seconds,
#       nor its database just after a bulk load).  Prints the load time,
#       the ratio of the two rates, and that of the warm-up streams.
#
# Everything lives under .run/scale (cluster, broker, logs).  Durable
# throughout (fsync and synchronous_commit on).  Exit status 1 when a
# report was lost or duplicated, an idle session dropped, or a stage failed.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

S_MODE=${1:-}
case $S_MODE in idle|big) ;; *)
	echo "usage: tests/bench/scale.sh idle|big [BUILD]" >&2; exit 2 ;;
esac
S_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GR_TOP=$S_TOP
. "$S_TOP/scripts/env.sh"

S_BUILD=${2:-build}
case $S_BUILD in /*) ;; *) S_BUILD=$S_TOP/$S_BUILD ;; esac
S_DIR=$S_TOP/.run/scale
S_GRLOAD=$S_BUILD/tests/grload
S_IDLE=${IDLE_SESSIONS:-10000}
S_RATE=${RATE:-1000}
S_RATE_S=${RATE_SECONDS:-10}
S_BIG=${BIG_REPORTS:-5000000}
S_FULL=${FULL_COUNT:-20000}
S_FULL_S=${FULL_SECONDS:-30}
S_WARM=${WARM_COUNT:-4000}
S_IDLE_PID=
S_FAILED=0
S_START=$(date +%s)

for f in "$S_BUILD/collector" "$S_GRLOAD"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make first" >&2; exit 2; }
done

say() { printf '%s\n' "$*"; }
fail() { S_FAILED=$((S_FAILED + 1)); say "  !! $*"; }
sql() { psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

cleanup() {
	if [ -n "$S_IDLE_PID" ]; then
		kill "$S_IDLE_PID" 2>/dev/null
		wait "$S_IDLE_PID" 2>/dev/null
		S_IDLE_PID=
	fi
	gr_collector_stop TERM
	gr_broker_stop "$S_DIR"
	gr_pg_stop "$S_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The open-file limit as far as the machine allows, for us and the broker.
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# stream LABEL ARGS...: one grload run through the collector; checks that
# every id it saw stored is in the database once with its case; sets S_RES
stream() {
	local label=$1 out rc want got
	shift
	out=$("$S_GRLOAD" run -b "$GR_BROKER" -p "$S_DIR/pairs" -w 4 \
		-l "$label" -o "$S_DIR/ids.$label" -P 5 "$@" 2>"$S_DIR/grload.$label.err")
	rc=$?
	sed 's/^/  /' "$S_DIR/grload.$label.err"
	sed -e '/^result /d' -e 's/^/  /' <<<"$out"
	S_RES=$(grep '^result ' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$S_RES" ]; then
		fail "$label: grload exit $rc: not every report sent was stored and acknowledged once"
		return 1
	fi
	want=$(field "$S_RES" stored)
	got=$(psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 <<-EOF
		CREATE TEMP TABLE ids (id text);
		\copy ids FROM '$S_DIR/ids.$label'
		SELECT count(*) || ' ' || count(DISTINCT i.id) || ' ' ||
			count(r.id) || ' ' || count(c.id)
		FROM ids i LEFT JOIN report r ON r.id = i.id
			LEFT JOIN "case" c ON c.report_id = i.id;
	EOF
	)
	say "  rows        ids, distinct, reports, cases: $got (acknowledged as stored: $want)"
	if [ "$got" != "$want $want $want $want" ]; then
		fail "$label: rows do not match the $want reports acknowledged as stored"
		return 1
	fi
	return 0
}

mkdir -p "$S_DIR"
chmod 755 "$S_DIR"
rm -f "$S_DIR"/ids.* "$S_DIR"/grload.*.err
: >"$S_DIR/collector.log"

say "== gridreport benchmark: $S_MODE =="
say "machine     $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, load average $(cut -d' ' -f1 /proc/loadavg) at start"
gr_pg_start "$S_DIR" || exit 1
gr_broker_start "$S_DIR" || exit 1
S_MOSQ_PID=$(cat "$S_DIR/broker/pid")
psql "host=127.0.0.1 port=$GR_PG_PORT user=postgres dbname=postgres" -Xq -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS gridreport WITH (FORCE)" -c "CREATE DATABASE gridreport" \
	>/dev/null || exit 1
"$S_TOP/schema/migrate.sh" "$GR_DB" >/dev/null || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$S_TOP/schema/demo/530322.sql" >/dev/null || exit 1
sql "SELECT wg.worker_id || ' ' || wg.grid_code FROM worker_grid wg
	JOIN worker w ON w.id = wg.worker_id WHERE w.active ORDER BY 1" >"$S_DIR/pairs"
say "database    fsync=$(sql 'SHOW fsync'), synchronous_commit=$(sql 'SHOW synchronous_commit')"
gr_collector_start "$S_DIR" "$S_BUILD" || exit 1
S_COLL_PID=$GR_COLLECTOR_PID

if [ "$S_MODE" = idle ]; then
	say "limits      open files: ours $(ulimit -n) (hard $(ulimit -Hn)), broker's $(awk '/Max open files/ { print $4 }' "/proc/$S_MOSQ_PID/limits")"
	say ""
	say "-- $S_IDLE idle agents with persistent sessions"
	"$S_GRLOAD" idle -b "$GR_BROKER" -n "$S_IDLE" -d 3600 >"$S_DIR/idle.out" 2>"$S_DIR/idle.err" &
	S_IDLE_PID=$!
	if ! gr_wait_for 600 "the idle sessions" grep -q '^idle-ready' "$S_DIR/idle.out"; then
		fail "the idle sessions did not connect"
		cat "$S_DIR/idle.err" >&2
		exit 1
	fi
	say "  $(cat "$S_DIR/idle.out")"
	head -n 5 "$S_DIR/idle.err" | sed 's/^/  /'
	say "  broker      $(ls "/proc/$S_MOSQ_PID/fd" | wc -l) open descriptors, RSS $(awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$S_MOSQ_PID/status")"
	say ""
	say "-- a stream of $S_RATE reports/s for $S_RATE_S s while they stay connected"
	if stream idle-rate -n $((S_RATE * S_RATE_S)) -r "$S_RATE" -d "$S_RATE_S"; then
		S_ROW="$(field "$S_RES" rps)/s (offered $(field "$S_RES" offered)/s), p50 $(field "$S_RES" p50) ms, p99 $(field "$S_RES" p99) ms, max $(field "$S_RES" max) ms"
	fi
	say "  broker      $(ls "/proc/$S_MOSQ_PID/fd" | wc -l) open descriptors, RSS $(awk '/^VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$S_MOSQ_PID/status"), peak $(awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$S_MOSQ_PID/status")"
	kill -TERM "$S_IDLE_PID" 2>/dev/null
	wait "$S_IDLE_PID"
	S_IDLE_RC=$?
	S_IDLE_PID=
	S_IRES=$(grep '^result ' "$S_DIR/idle.out")
	say "  $S_IRES"
	if [ "$S_IDLE_RC" -ne 0 ] || [ "$(field "$S_IRES" min_connected)" != "$S_IDLE" ]; then
		fail "idle sessions: $S_IDLE asked, $(field "$S_IRES" min_connected) stayed connected throughout (exit $S_IDLE_RC)"
	fi
	say ""
	say "== figures =="
	say "idle sessions held                      $(field "$S_IRES" min_connected) of $S_IDLE, all through the stream (connected in $(sed -n 's/.* connect_s=\([^ ]*\).*/\1/p' "$S_DIR/idle.out") s)"
	say "stream with them connected             ${S_ROW:-failed}"
	say "collector peak RSS                     $(awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$S_COLL_PID/status")"
else
	say ""
	say "-- empty database: collector at full speed, $S_WARM reports to warm up, then $S_FULL measured"
	if stream big-empty-warm -n "$S_WARM" -d "$S_FULL_S"; then
		S_EMPTY_WARM=$(field "$S_RES" rps)
	fi
	if stream big-empty -n "$S_FULL" -d "$S_FULL_S"; then
		S_EMPTY=$(field "$S_RES" rps)
		S_EMPTY_ROW="$S_EMPTY/s, p50 $(field "$S_RES" p50) ms, p99 $(field "$S_RES" p99) ms"
	fi
	gr_collector_stop TERM
	say ""
	say "-- bulk load: $S_BIG reports over the last 365 days (tests/bench/big-data.sql), then VACUUM (ANALYZE)"
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 >/dev/null <<-'EOF' || exit 1
		SET session_replication_role = replica;
		TRUNCATE case_event, case_flagged, flagged_day, alert_unsent, alert, "case", party, report CASCADE;
	EOF
	S_T0=$(date +%s)
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -v n="$S_BIG" -f "$S_TOP/tests/bench/big-data.sql" || exit 1
	sql "CHECKPOINT" >/dev/null
	S_LOAD_S=$(( $(date +%s) - S_T0 ))
	say "  loaded in $S_LOAD_S s: $(sql "SELECT count(*) FROM report") reports, $(sql "SELECT count(*) FROM \"case\"") cases, $(sql "SELECT count(*) FROM \"case\" WHERE opened_at > now() - interval '30 days'") in the last 30 days; database $(sql "SELECT pg_size_pretty(pg_database_size(current_database()))")"
	: >>"$S_DIR/collector.log"
	gr_collector_start "$S_DIR" "$S_BUILD" || exit 1
	S_COLL_PID=$GR_COLLECTOR_PID
	say ""
	say "-- $S_BIG reports stored: collector at full speed, $S_WARM reports to warm up, then $S_FULL measured"
	if stream big-full-warm -n "$S_WARM" -d "$S_FULL_S"; then
		S_FULL_WARM=$(field "$S_RES" rps)
	fi
	if stream big-full -n "$S_FULL" -d "$S_FULL_S"; then
		S_FULLDB=$(field "$S_RES" rps)
		S_FULL_ROW="$S_FULLDB/s, p50 $(field "$S_RES" p50) ms, p99 $(field "$S_RES" p99) ms"
	fi
	say ""
	say "== figures =="
	say "empty database                         ${S_EMPTY_ROW:-failed}"
	say "$S_BIG reports stored            ${S_FULL_ROW:-failed}"
	if [ -n "${S_EMPTY:-}" ] && [ -n "${S_FULLDB:-}" ]; then
		say "rate with them / rate empty            $(awk -v a="$S_FULLDB" -v b="$S_EMPTY" 'BEGIN { printf "%.0f %%", 100 * a / b }') (goal: at least 80 %)"
	fi
	if [ -n "${S_EMPTY_WARM:-}" ] && [ -n "${S_FULL_WARM:-}" ]; then
		say "... of the warm-up streams            $(awk -v a="$S_FULL_WARM" -v b="$S_EMPTY_WARM" 'BEGIN { printf "%.0f %%", 100 * a / b }') ($S_WARM reports each, the collector just started: ${S_EMPTY_WARM}/s empty, ${S_FULL_WARM}/s with them, whose pages are not yet in memory)"
	fi
	say "bulk load                              $S_LOAD_S s"
fi
say "run time                               $(( $(date +%s) - S_START )) s; files in ${S_DIR#"$S_TOP"/}"
if [ "$S_FAILED" -ne 0 ]; then
	say "bench: $S_FAILED check(s) FAILED"
	exit 1
fi
say "bench: every report sent was stored and acknowledged exactly once"
exit 0
