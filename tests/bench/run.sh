#!/bin/bash
# run.sh -- the benchmark (make bench): reports/s stored and acknowledged,
# and publish-to-Ack latency, through the real broker, collector and
# PostgreSQL, at full speed and at fixed 1,000 and 5,000 reports/s; and, in
# the same run, the ceilings of the same machine: the broker alone (grload's
# echo responder answers each report at once, no database), the raw
# end-to-end ceiling (the same responder stores each batch of what has come
# with one durable INSERT into a plain table before it answers; at full
# speed and at 1,000/s, the latency the collector's is read against) and the
# database alone: the collector's own batch path without MQTT (grload db
# calls store_batch() of collector/store.c with the same reports), and
# pgbench running the per-report transaction (tests/bench/dbonly.sql); then
# two collectors on the shared subscription at full speed.  Durable
# throughout: fsync and synchronous_commit on.  Every report sent must be
# stored and acknowledged exactly once: grload matches the Acks, and the
# rows are counted.
#
# Usage: tests/bench/run.sh [BUILD]      (make bench; BUILD defaults to build)
#
# Everything lives under .run/bench: the cluster (pg/, kept between runs;
# the database is made afresh each run and each stage starts on empty
# report tables), the broker (broker/), collector.log, echo.log, pgbench's
# per-transaction logs, grload's lists of stored ids and its traces
# (trace.STAGE: each answer's publish time and latency).  About three
# minutes on 2 cores.  Not part of make test: it prints figures and asserts
# no timing.  Exit status 1 when a report was lost or duplicated, a stage
# failed, or the collector's peak RSS was not under 64 MB.
#
# Sizes: FULL_COUNT (20000 reports) and FULL_SECONDS (40: full-speed stages
# stop sending at whichever comes first), RATE (1000/s) and RATE_HIGH
# (5000/s, the collector only) for RATE_SECONDS (10) each, PGBENCH_SECONDS
# (10), WINDOW (4 unacknowledged reports per agent), ROUNDS (3: the raw
# ceiling and the collector at full speed, in turns, for the median of
# their ratio).

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

B_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GR_TOP=$B_TOP
. "$B_TOP/scripts/env.sh"

# env.sh's functions use globals (dir, pid, log, build, ...): keep to B_*.
B_BUILD=${1:-build}
case $B_BUILD in /*) ;; *) B_BUILD=$B_TOP/$B_BUILD ;; esac
B_DIR=$B_TOP/.run/bench
B_GRLOAD=$B_BUILD/tests/grload
B_FULL=${FULL_COUNT:-20000}
B_FULL_S=${FULL_SECONDS:-40}
B_RATE=${RATE:-1000}
B_RATE_HIGH=${RATE_HIGH:-5000}
B_RATE_S=${RATE_SECONDS:-10}
B_PGB_S=${PGBENCH_SECONDS:-10}
B_WINDOW=${WINDOW:-4}
B_ROUNDS=${ROUNDS:-3}
B_DBBATCH=${DB_BATCH:-36}
B_RSS_LIMIT_KB=65536
B_ECHO_PID=
B_FAILED=0
B_ROWS=()	# the figures table, one "|"-separated line per stage
B_NOTES=()
B_START=$(date +%s)
B_HZ=$(getconf CLK_TCK)

for f in "$B_BUILD/collector" "$B_GRLOAD"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make first" >&2; exit 2; }
done
for c in psql mosquitto "$GR_PGBIN/pgbench"; do
	command -v "$c" >/dev/null || { echo "bench: $c missing: make deps" >&2; exit 2; }
done

say() { printf '%s\n' "$*"; }
fail() { B_FAILED=$((B_FAILED + 1)); say "  !! $*"; }
sql() { psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

cleanup() {
	if [ -n "$B_ECHO_PID" ]; then
		kill "$B_ECHO_PID" 2>/dev/null
		wait "$B_ECHO_PID" 2>/dev/null
		B_ECHO_PID=
	fi
	gr_collector_stop TERM
	for B_PID in ${B_COLL_PID:-} ${B_COLL2_PID:-}; do
		GR_COLLECTOR_PID=$B_PID gr_collector_stop TERM
	done
	gr_broker_stop "$B_DIR"
	gr_pg_stop "$B_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# field LINE KEY: the value of key=value in a grload result line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# cpu_ticks PID...: user + system clock ticks used so far, one per PID
cpu_ticks() {
	local p
	for p in "$@"; do
		awk '{ printf "%d ", $14 + $15 }' "/proc/$p/stat" 2>/dev/null || printf '0 '
	done
}

# sum_ticks PID...: their clock ticks added up, as one of cpu_ticks
sum_ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	printf '%d ' "$t"
}

# cpu_line "NAME..." "TICKS-BEFORE" "TICKS-AFTER" SECONDS: CPU seconds each
cpu_line() {
	awk -v n="$1" -v a="$2" -v b="$3" -v s="$4" -v hz="$B_HZ" 'BEGIN {
		k = split(n, name, " "); split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= k; i++)
			printf "%s%s %.2f s", (i > 1 ? ", " : ""), name[i], (y[i] - x[i]) / hz
		printf " (over %.1f s of wall time)", s }'
}

# cpu_per_report "NAME..." "TICKS-BEFORE" "TICKS-AFTER" GRLOAD-SECONDS
# REPORTS: the CPU time each process and all of them (grload first) spent
# per report, in µs, and the rate the machine's cores would allow at that
# cost were they busy with nothing else
cpu_per_report() {
	awk -v n="$1" -v a="$2" -v b="$3" -v g="$4" -v r="$5" -v hz="$B_HZ" \
	    -v cores="$(nproc)" 'BEGIN {
		if (r <= 0) { print "-"; exit }
		k = split(n, name, " "); split(a, x, " "); split(b, y, " ")
		t = g; part = sprintf("grload %.0f", 1e6 * g / r)
		for (i = 1; i <= k; i++) {
			s = (y[i] - x[i]) / hz; t += s
			part = part sprintf(", %s %.0f", name[i], 1e6 * s / r)
		}
		printf "%.0f µs (%s); %d cores allow at most %.0f/s\n", 1e6 * t / r, part, cores, cores * r / t }'
}

# percentiles FILE...: "p50 p90 p99 max" in ms of column 3 (µs) of pgbench
# per-transaction logs
percentiles() {
	cat "$@" | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n | awk '
		{ v[NR] = $1 }
		function at(p,  k) { k = int(p / 100 * NR + 0.999999); if (k < 1) k = 1; return v[k] / 1000 }
		END { if (NR == 0) print "- - - -"; else printf "%.2f %.2f %.2f %.2f\n", at(50), at(90), at(99), v[NR] / 1000 }'
}

# fresh_tables: every stage starts on empty report tables, after a
# checkpoint (reports and cases are permanent, schema/0028: emptied with
# the triggers off)
fresh_tables() {
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 >/dev/null <<-'EOF' || exit 1
		SET session_replication_role = replica;
		TRUNCATE case_event, case_flagged, flagged_day, alert_unsent, alert, "case", party, report CASCADE;
		RESET session_replication_role;
		CHECKPOINT;
	EOF
	B_BEFORE=$(sql "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM \"case\") || ' ' || (SELECT count(*) FROM dead_letter)")
}

# grload_stage LABEL ARGS...: one grload run; sets B_RES to its result line
# and B_TAIL to where its slowest 1 % were sent (each answer's latency is
# in trace.LABEL)
grload_stage() {
	local label=$1 out rc
	shift
	out=$("$B_GRLOAD" run -b "$GR_BROKER" -p "$B_DIR/pairs" -w "$B_WINDOW" \
		-l "$label" -o "$B_DIR/ids.$label" -T "$B_DIR/trace.$label" "$@" \
		2>"$B_DIR/grload.$label.err")
	rc=$?
	sed 's/^/  /' "$B_DIR/grload.$label.err"
	sed -e '/^result /d' -e 's/^/  /' <<<"$out"
	B_RES=$(grep '^result ' <<<"$out")
	B_TAIL=$(sed -n 's/^  tail  *//p' <<<"$out")
	if [ "$rc" -ne 0 ] || [ -z "$B_RES" ]; then
		fail "$label: grload exit $rc: not every report sent was stored and acknowledged once"
		return 1
	fi
	return 0
}

# row LABEL RESULT-LINE CHECK: add a grload stage to the table
row() {
	local offered=max
	[ "$(field "$2" rate)" != 0 ] && offered=$(field "$2" offered)
	B_ROWS+=("$1|$offered|$(field "$2" rps)|$(field "$2" p50)|$(field "$2" p90)|$(field "$2" p99)|$(field "$2" max)|$3")
}

# keep_up LABEL RESULT-LINE: say so when a paced stage fell behind its rate
keep_up() {
	local want got
	want=$(field "$2" rate)
	got=$(field "$2" offered)
	if [ "${got%.*}" -lt $((want * 95 / 100)) ]; then
		B_NOTES+=("$1 did not keep up with $want/s: with every agent's window full, $got/s went out; its latency is queueing")
	fi
}

# check_rows LABEL: every id grload saw stored is in the database once,
# with its case, two parties and two events; the tables grew by that much
check_rows() {
	local label=$1 want got now
	want=$(field "$B_RES" stored)
	got=$(psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 <<-EOF
		CREATE TEMP TABLE ids (id text);
		\copy ids FROM '$B_DIR/ids.$label'
		SELECT count(*) || ' ' || count(DISTINCT i.id) || ' ' ||
			count(r.id) || ' ' || count(c.id) || ' ' ||
			coalesce(sum((SELECT count(*) FROM party p WHERE p.report_id = i.id)), 0) || ' ' ||
			coalesce(sum((SELECT count(*) FROM case_event e WHERE e.case_id = c.id)), 0)
		FROM ids i LEFT JOIN report r ON r.id = i.id
			LEFT JOIN "case" c ON c.report_id = i.id;
	EOF
	)
	now=$(sql "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM \"case\") || ' ' || (SELECT count(*) FROM dead_letter)")
	read -r n_ids n_distinct n_reports n_cases n_parties n_events <<<"$got"
	read -r r1 c1 d1 <<<"$now"
	read -r r0 c0 d0 <<<"$B_BEFORE"
	say "  rows        ids $n_ids (distinct $n_distinct): reports $n_reports, cases $n_cases, parties $n_parties, events $n_events; tables: report +$((r1 - r0)), case +$((c1 - c0)), dead_letter +$((d1 - d0))"
	if [ "$n_ids" = "$want" ] && [ "$n_distinct" = "$want" ] &&
		[ "$n_reports" = "$want" ] && [ "$n_cases" = "$want" ] &&
		[ "$n_parties" = "$((2 * want))" ] && [ "$n_events" = "$((2 * want))" ] &&
		[ "$((r1 - r0))" = "$want" ] && [ "$((c1 - c0))" = "$want" ] &&
		[ "$((d1 - d0))" = 0 ]; then
		B_CHECK="$want = $want"
	else
		B_CHECK="MISMATCH"
		fail "$label: rows do not match the $want reports acknowledged as stored"
	fi
}

# check_raw LABEL: every id grload saw stored by the raw subscriber is in
# bench_raw once, and the table holds nothing else; sets B_CHECK
check_raw() {
	local label=$1 want got
	want=$(field "$B_RES" stored)
	got=$(psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 <<-EOF
		CREATE TEMP TABLE ids (id text);
		\copy ids FROM '$B_DIR/ids.$label'
		SELECT count(*) || ' ' || count(DISTINCT i.id) || ' ' || count(r.id) || ' ' ||
			(SELECT count(*) FROM bench_raw)
		FROM ids i LEFT JOIN bench_raw r ON r.id = i.id;
	EOF
	)
	read -r n_ids n_distinct n_rows n_table <<<"$got"
	say "  rows        ids $n_ids (distinct $n_distinct): stored $n_rows; table bench_raw $n_table rows"
	if [ "$n_ids" = "$want" ] && [ "$n_distinct" = "$want" ] &&
		[ "$n_rows" = "$want" ] && [ "$n_table" = "$want" ]; then
		B_CHECK="$want = $want"
	else
		B_CHECK="MISMATCH"
		fail "$label: rows do not match the $want reports acknowledged as stored"
	fi
}

# pgbench_stage KEY LABEL ARGS...: one pgbench run of dbonly.sql on empty
# tables, its per-transaction log in pgbench.KEY.*; checks rows; sets B_TPS
pgbench_stage() {
	local key=$1 label=$2 out n before after failed tps pct p50 p90 p99 pmax offered
	shift 2
	rm -f "$B_DIR/pgbench.$key".*
	fresh_tables
	before=$(sql "SELECT count(*) FROM report")
	out=$("$GR_PGBIN/pgbench" -n -M prepared -f "$B_TOP/tests/bench/dbonly.sql" \
		-D npairs="$B_NPAIRS" -l --log-prefix="$B_DIR/pgbench.$key" "$@" "$GR_DB" 2>&1)
	after=$(sql "SELECT count(*) FROM report")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | head -n 1)
	B_TPS=$(printf '%.0f' "${tps:-0}")
	pct=$(percentiles "$B_DIR/pgbench.$key".*)
	read -r p50 p90 p99 pmax <<<"$pct"
	say "  pgbench $*: $n transactions, ${failed:-0} failed, $B_TPS/s"
	say "  latency ms  p50 $p50  p90 $p90  p99 $p99  max $pmax"
	if [ -z "$n" ] || [ "${failed:-0}" != 0 ] || [ "$((after - before))" != "$n" ]; then
		fail "$label: pgbench counted ${n:-?} transactions, the report table grew by $((after - before))"
		sed 's/^/    /' <<<"$out" | tail -n 15
		B_CHECK=MISMATCH
	else
		say "  rows        report table +$((after - before)) = $n transactions"
		B_CHECK="$n = $n"
	fi
	case " $* " in
	*" -R "*) offered=$(sed -n 's/.* -R \([0-9]*\) .*/\1/p' <<<" $* ")
		[ "$B_TPS" -lt $((offered * 95 / 100)) ] &&
			B_NOTES+=("$label did not keep up with $offered/s: pgbench's latency includes the growing schedule lag") ;;
	*) offered=max ;;
	esac
	B_ROWS+=("$label|$offered|$B_TPS|$p50|$p90|$p99|$pmax|$B_CHECK")
}

pct_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "-" }'; }
# ratio_of A B: A as a percentage of B, one decimal (a round's ratio)
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }

# ---------------------------------------------------------------- set-up

mkdir -p "$B_DIR"
chmod 755 "$B_DIR"	# the servers' users must reach their folders
rm -f "$B_DIR"/ids.* "$B_DIR"/trace.* "$B_DIR"/pgbench.* "$B_DIR"/grload.*.err "$B_DIR/echo.log"
: >"$B_DIR/collector.log"

say "== gridreport benchmark =="
say "machine     $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, load average $(cut -d' ' -f1 /proc/loadavg) at start"
say "software    $("$GR_PGBIN/postgres" --version), $(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version /Mosquitto /p' | head -n 1), Paho MQTT C (MQTTAsync)"

gr_pg_start "$B_DIR" || exit 1
gr_broker_start "$B_DIR" || exit 1
B_MOSQ_PID=$(cat "$B_DIR/broker/pid")
psql "host=127.0.0.1 port=$GR_PG_PORT user=postgres dbname=postgres" -Xq -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS gridreport WITH (FORCE)" -c "CREATE DATABASE gridreport" \
	>/dev/null || exit 1
"$B_TOP/schema/migrate.sh" "$GR_DB" >/dev/null || exit 1
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$B_TOP/schema/demo/530322.sql" >/dev/null || exit 1
say "database    fsync=$(sql 'SHOW fsync'), synchronous_commit=$(sql 'SHOW synchronous_commit'), wal_sync_method=$(sql 'SHOW wal_sync_method'), shared_buffers=$(sql 'SHOW shared_buffers')"

# Every active worker with the grids it reports for.
sql "SELECT wg.worker_id || ' ' || wg.grid_code FROM worker_grid wg
	JOIN worker w ON w.id = wg.worker_id WHERE w.active ORDER BY 1" >"$B_DIR/pairs"
B_NPAIRS=$(wc -l <"$B_DIR/pairs")
B_AGENTS=$(cut -d' ' -f1 "$B_DIR/pairs" | sort -u | wc -l)
say "load        $B_AGENTS simulated agents (one MQTT connection and worker id each, $B_NPAIRS worker-grid pairs), QoS 1, at most $B_WINDOW unacknowledged reports per agent"
B_RATE_COUNT=$((B_RATE * B_RATE_S))

# responder_start LOG ARGS...: grload echo ARGS in the background, ready
responder_start() {
	local log=$1
	shift
	"$B_GRLOAD" echo -b "$GR_BROKER" "$@" >"$log" 2>&1 &
	B_ECHO_PID=$!
	gr_wait_for 20 "the echo responder" grep -q event=echo-ready "$log" || {
		cat "$log" >&2; exit 1; }
}

# responder_stop LOG: stop it and show what it counted
responder_stop() {
	kill "$B_ECHO_PID" 2>/dev/null
	wait "$B_ECHO_PID" 2>/dev/null
	B_ECHO_PID=
	grep -v echo-ready "$1" | sed 's/^/  /'
}

# ---------------------------------------------------------------- broker alone

say ""
say "-- broker alone: agents -> Mosquitto -> echo responder (an Ack and a dispatch entry per report, no database)"
responder_start "$B_DIR/echo.log"
B_C0=$(cpu_ticks "$B_MOSQ_PID" "$B_ECHO_PID")
if grload_stage broker-full -n "$B_FULL" -d "$B_FULL_S"; then
	B_C1=$(cpu_ticks "$B_MOSQ_PID" "$B_ECHO_PID")
	B_BROKER_RPS=$(field "$B_RES" rps)
	B_BROKER_CPU="grload $(field "$B_RES" cpu) s, $(cpu_line "mosquitto echo" "$B_C0" "$B_C1" "$(field "$B_RES" elapsed)")"
	say "  cpu         $B_BROKER_CPU"
	row "broker alone, full speed" "$B_RES" "$(field "$B_RES" stored) acked"
fi
if grload_stage broker-rate -n "$B_RATE_COUNT" -r "$B_RATE" -d "$B_RATE_S"; then
	row "broker alone, $B_RATE/s" "$B_RES" "$(field "$B_RES" stored) acked"
	keep_up "the broker alone" "$B_RES"
fi
responder_stop "$B_DIR/echo.log"

# ------------------------------------------------------- raw end-to-end ceiling

say ""
say "-- raw end-to-end ceiling: agents -> Mosquitto -> one subscriber that stores each batch with one durable INSERT into a plain table, then acks each report and sends the dispatch entries one message per unit (no checks, routing, cases or alerts)"
sql "CREATE TABLE bench_raw (id text PRIMARY KEY, worker_id text NOT NULL, body bytea NOT NULL)" >/dev/null || exit 1
responder_start "$B_DIR/sink.log" -D "$GR_DB application_name=gr-bench-sink"
B_SINK_BACKEND=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'gr-bench-sink'")
B_C0="$(cpu_ticks "$B_MOSQ_PID" "$B_ECHO_PID")$(sum_ticks $B_SINK_BACKEND)"
if grload_stage raw-full -n "$B_FULL" -d "$B_FULL_S"; then
	B_C1="$(cpu_ticks "$B_MOSQ_PID" "$B_ECHO_PID")$(sum_ticks $B_SINK_BACKEND)"
	B_RAW_RPS=$(field "$B_RES" rps)
	B_RAW_CPU="grload $(field "$B_RES" cpu) s, $(cpu_line "mosquitto subscriber its-PostgreSQL-backend" "$B_C0" "$B_C1" "$(field "$B_RES" elapsed)")"
	B_RAW_PER=$(cpu_per_report "mosquitto subscriber backend" "$B_C0" "$B_C1" "$(field "$B_RES" cpu)" "$(field "$B_RES" stored)")
	say "  cpu         $B_RAW_CPU"
	say "  per report  $B_RAW_PER"
	check_raw raw-full
	row "raw ceiling, full speed" "$B_RES" "$B_CHECK"
fi
# the same at the fixed rate, on an empty table: the latency the machine
# gives a durable store-then-ack path with nothing else to do
sql "TRUNCATE bench_raw" >/dev/null
if grload_stage raw-rate -n "$B_RATE_COUNT" -r "$B_RATE" -d "$B_RATE_S"; then
	check_raw raw-rate
	row "raw ceiling, $B_RATE/s" "$B_RES" "$B_CHECK"
	keep_up "the raw ceiling" "$B_RES"
	[ "$B_CHECK" = MISMATCH ] || B_RAW_P99_RATE=$(field "$B_RES" p99)
fi
responder_stop "$B_DIR/sink.log"
sql "DROP TABLE bench_raw" >/dev/null

# ---------------------------------------------------------------- database alone

say ""
say "-- database alone, the collector's own path: grload db hands the same reports, decoded, in batches of up to $B_DBBATCH to store_batch() (collector/store.c) on one connection; no MQTT"
fresh_tables
B_OUT=$("$B_GRLOAD" db -D "$GR_DB" -p "$B_DIR/pairs" -n "$B_FULL" -d "$B_FULL_S" -B "$B_DBBATCH" 2>"$B_DIR/grload.db.err")
B_RC=$?
sed 's/^/  /' "$B_DIR/grload.db.err"
B_RES=$(grep '^result ' <<<"$B_OUT")
say "  ${B_RES:-no result}"
B_GOT=$(sql "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM \"case\") || ' ' || (SELECT count(*) FROM case_event)")
read -r n_rep n_case n_ev <<<"$B_GOT"
n_want=$(field "$B_RES" stored)
if [ "$B_RC" = 0 ] && [ -n "$n_want" ] && [ "$n_rep" = "$n_want" ] && [ "$n_case" = "$n_want" ] &&
	[ "$n_ev" = "$((2 * n_want))" ]; then
	B_DBB_RPS=$(field "$B_RES" rps)
	B_ROWS+=("database alone, batch path|max|$B_DBB_RPS|$(field "$B_RES" batch_p50)|-|$(field "$B_RES" batch_p99)|$(field "$B_RES" batch_max)|$n_want = $n_want")
	B_NOTES+=("database alone, batch path: latency is per batch, from store_batch() to its commit ($(field "$B_RES" batches) batches)")
else
	fail "database alone, batch path: grload db exit $B_RC, $n_rep reports and $n_case cases stored for ${n_want:-?} reported"
fi

say ""
say "-- database alone, one report per transaction: pgbench running the collector's per-report transaction (tests/bench/dbonly.sql), no MQTT"
psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 >/dev/null <<-EOF || exit 1
	CREATE TABLE bench_pair (k int PRIMARY KEY, worker_id text, grid_code text);
	INSERT INTO bench_pair SELECT row_number() OVER (ORDER BY worker_id, grid_code),
		worker_id, grid_code FROM worker_grid;
	CREATE SEQUENCE bench_seq;
EOF
pgbench_stage db1 "database alone, 1 connection" -c 1 -j 1 -T "$B_PGB_S"
B_DB1_TPS=$B_TPS
pgbench_stage db4 "database alone, 4 connections" -c 4 -j 2 -T "$B_PGB_S"
B_DB4_TPS=$B_TPS
pgbench_stage dbrate "database alone, 1 conn, $B_RATE/s" -c 1 -j 1 -R "$B_RATE" -T "$B_RATE_S"
sql "DROP TABLE bench_pair; DROP SEQUENCE bench_seq" >/dev/null

# ---------------------------------------------------------------- collector

say ""
say "-- collector: agents -> Mosquitto -> collector -> PostgreSQL (one transaction per batch of reports) -> Ack"
gr_collector_start "$B_DIR" "$B_BUILD" || exit 1
B_COLL_PID=$GR_COLLECTOR_PID
# its connections: the main thread's and one per store worker (as many as
# its started line says: by default 1 on 2 cores, 2 on more)
B_WORKERS=$(grep -o 'event=started .*store_workers=[0-9]*' "$B_DIR/collector.log" | tail -n 1 | sed 's/.*store_workers=//')
say "  collector   ${B_WORKERS:-?} store worker(s), a database connection each"
gr_wait_for 20 "the collector's connections" sh -c "[ \$(psql '$GR_DB' -XAtq -c \"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'\") -ge $((${B_WORKERS:-2} + 1)) ]" || exit 1
B_BACKEND_PIDS=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'gr-collector'")
fresh_tables
B_C0="$(cpu_ticks "$B_MOSQ_PID" "$B_COLL_PID")$(sum_ticks $B_BACKEND_PIDS)"
if grload_stage collector-full -n "$B_FULL" -d "$B_FULL_S" -P 5; then
	B_C1="$(cpu_ticks "$B_MOSQ_PID" "$B_COLL_PID")$(sum_ticks $B_BACKEND_PIDS)"
	B_COLL_CPU="grload $(field "$B_RES" cpu) s, $(cpu_line "mosquitto collector its-PostgreSQL-backends" "$B_C0" "$B_C1" "$(field "$B_RES" elapsed)")"
	B_COLL_PER=$(cpu_per_report "mosquitto collector backends" "$B_C0" "$B_C1" "$(field "$B_RES" cpu)" "$(field "$B_RES" stored)")
	say "  cpu         $B_COLL_CPU"
	say "  per report  $B_COLL_PER"
	check_rows collector-full
	B_COLL_RPS=$(field "$B_RES" rps)
	B_TREND=$(sed -n 's|.* \([0-9]*\)/s and slowest.*|\1|p' "$B_DIR/grload.collector-full.err" |
		awk 'NR == 1 { f = $1 } { l = $1 } END { if (NR > 1) printf "%s/s in the first 5 s, %s/s in the last 5 s", f, l }')
	row "collector, full speed" "$B_RES" "$B_CHECK"
fi
B_HWM_FULL=$(awk '/^VmHWM/ { print $2 }' "/proc/$B_COLL_PID/status")
say "  memory      collector peak RSS (VmHWM) after full speed: $((B_HWM_FULL / 1024)) MB"
fresh_tables
if grload_stage collector-rate -n "$B_RATE_COUNT" -r "$B_RATE" -d "$B_RATE_S" -P 5; then
	check_rows collector-rate
	row "collector, $B_RATE/s" "$B_RES" "$B_CHECK"
	keep_up "the collector" "$B_RES"
	[ "$B_CHECK" = MISMATCH ] || B_P99_RATE=$(field "$B_RES" p99)
	B_TAIL_RATE=$B_TAIL
fi
# the issue's second latency target: p99 at 5,000 reports/s offered
fresh_tables
if grload_stage collector-rate-high -n "$((B_RATE_HIGH * B_RATE_S))" -r "$B_RATE_HIGH" -d "$B_RATE_S" -P 5; then
	check_rows collector-rate-high
	row "collector, $B_RATE_HIGH/s" "$B_RES" "$B_CHECK"
	keep_up "the collector" "$B_RES"
	if [ "$B_CHECK" != MISMATCH ]; then
		B_P99_HIGH=$(field "$B_RES" p99)
		B_HIGH_OFFERED=$(field "$B_RES" offered)
	fi
fi
B_HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$B_COLL_PID/status")
gr_collector_stop TERM
B_COLL_PID=
[ "$GR_COLLECTOR_RC" = 0 ] || fail "the collector exited $GR_COLLECTOR_RC"
say "  collector   $(grep -o 'event=stopped.*' "$B_DIR/collector.log" | tail -n 1)"

say ""
say "-- two collectors on the shared subscription, full speed: each with its own connection (DESIGN.md 11; the README's scaling out)"
: >"$B_DIR/collector2.log"
B_LOG1=$(wc -l <"$B_DIR/collector.log")
gr_collector_start "$B_DIR" "$B_BUILD" || exit 1
B_COLL_PID=$GR_COLLECTOR_PID
GR_COLLECTOR_LOG=$B_DIR/collector2.log gr_collector_start "$B_DIR" "$B_BUILD" || exit 1
B_COLL2_PID=$GR_COLLECTOR_PID
fresh_tables
B_C0=$(cpu_ticks "$B_MOSQ_PID" "$B_COLL_PID" "$B_COLL2_PID")
if grload_stage collectors2-full -n "$B_FULL" -d "$B_FULL_S" -P 5; then
	B_C1=$(cpu_ticks "$B_MOSQ_PID" "$B_COLL_PID" "$B_COLL2_PID")
	B_COLL2_CPU="grload $(field "$B_RES" cpu) s, $(cpu_line "mosquitto collector-1 collector-2" "$B_C0" "$B_C1" "$(field "$B_RES" elapsed)")"
	say "  cpu         $B_COLL2_CPU"
	check_rows collectors2-full
	B_COLL2_RPS=$(field "$B_RES" rps)
	row "two collectors, full speed" "$B_RES" "$B_CHECK"
fi
for B_PID in "$B_COLL2_PID" "$B_COLL_PID"; do
	GR_COLLECTOR_PID=$B_PID gr_collector_stop TERM
	[ "$GR_COLLECTOR_RC" = 0 ] || fail "a collector exited $GR_COLLECTOR_RC"
done
B_COLL_PID=
B_COLL2_PID=
GR_COLLECTOR_PID=
say "  collectors  $(grep -h -o 'stored=[0-9]*' "$B_DIR/collector.log" | tail -n 1) and $(grep -h -o 'stored=[0-9]*' "$B_DIR/collector2.log" | tail -n 1); batches retried for a deadlock: $({ tail -n +$((B_LOG1 + 1)) "$B_DIR/collector.log"; cat "$B_DIR/collector2.log"; } | grep -c 'sqlstate=40P01')"

# ----------------------------------------------- the ceiling ratio, in rounds
# One full-speed run of each is at the mercy of the machine's noise (10 %
# from run to run, on the same build, on the 2-core machine): ROUNDS - 1
# more of the raw ceiling and the collector, taking turns, and the median
# of the rounds' ratios (the first round is the stages above).

B_RATIOS=()
if [ -n "${B_RAW_RPS:-}" ] && [ -n "${B_COLL_RPS:-}" ]; then
	B_RATIOS+=("$(ratio_of "$B_COLL_RPS" "$B_RAW_RPS")")
	say ""
	say "-- the raw ceiling and the collector at full speed, $B_ROUNDS rounds in turns (round 1: the stages above, $B_RAW_RPS and $B_COLL_RPS/s)"
fi
for B_R in $(seq 2 "$B_ROUNDS"); do
	[ "${#B_RATIOS[@]}" -gt 0 ] || break
	fresh_tables
	sql "CREATE TABLE bench_raw (id text PRIMARY KEY, worker_id text NOT NULL, body bytea NOT NULL)" >/dev/null || exit 1
	responder_start "$B_DIR/sink.log" -D "$GR_DB application_name=gr-bench-sink"
	B_RAW_R=
	if grload_stage "raw-full-$B_R" -n "$B_FULL" -d "$B_FULL_S"; then
		check_raw "raw-full-$B_R"
		[ "$B_CHECK" = MISMATCH ] || B_RAW_R=$(field "$B_RES" rps)
	fi
	responder_stop "$B_DIR/sink.log" >/dev/null
	sql "DROP TABLE bench_raw" >/dev/null
	gr_collector_start "$B_DIR" "$B_BUILD" || exit 1
	B_COLL_PID=$GR_COLLECTOR_PID
	gr_wait_for 20 "the collector's connections" sh -c "[ \$(psql '$GR_DB' -XAtq -c \"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gr-collector'\") -ge $((${B_WORKERS:-2} + 1)) ]" || exit 1
	fresh_tables
	B_COLL_R=
	if grload_stage "collector-full-$B_R" -n "$B_FULL" -d "$B_FULL_S"; then
		check_rows "collector-full-$B_R"
		[ "$B_CHECK" = MISMATCH ] || B_COLL_R=$(field "$B_RES" rps)
	fi
	gr_collector_stop TERM
	B_COLL_PID=
	[ "$GR_COLLECTOR_RC" = 0 ] || fail "the collector exited $GR_COLLECTOR_RC"
	if [ -z "$B_RAW_R" ] || [ -z "$B_COLL_R" ]; then
		fail "round $B_R: no figure"
		break
	fi
	B_RATIOS+=("$(ratio_of "$B_COLL_R" "$B_RAW_R")")
	say "  round $B_R     raw ceiling $B_RAW_R/s, collector $B_COLL_R/s: ${B_RATIOS[-1]} %"
done
# median of the rounds' ratios
B_MEDIAN=
[ "${#B_RATIOS[@]}" -gt 0 ] && B_MEDIAN=$(printf '%s\n' "${B_RATIOS[@]}" | sort -n | awk '
	{ v[NR] = $1 }
	END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f", m }')

# ---------------------------------------------------------------- the table

say ""
say "== figures: $(nproc) cores; durable (fsync on, synchronous_commit on); latency from publish to Ack =="
printf '%-32s %8s %10s %8s %8s %8s %8s  %s\n' "stage" "offered" "reports/s" "p50 ms" "p90 ms" "p99 ms" "max ms" "stored = acked"
for r in "${B_ROWS[@]}"; do
	IFS='|' read -r s off rps p50 p90 p99 pmax chk <<<"$r"
	printf '%-32s %8s %10s %8s %8s %8s %8s  %s\n' "$s" "$off" "$rps" "$p50" "$p90" "$p99" "$pmax" "$chk"
done
for n in "${B_NOTES[@]}"; do say "note: $n"; done
say ""
say "collector / raw end-to-end ceiling     $(pct_of "${B_COLL_RPS:-0}" "${B_RAW_RPS:-0}")  (full speed, round 1; the issue's target is 60 %)"
[ -n "${B_MEDIAN:-}" ] && printf '%-38s %s %%  (the rounds: %s)\n' "... median of ${#B_RATIOS[@]} rounds" "$B_MEDIAN" \
	"$(printf '%s %%, ' "${B_RATIOS[@]}" | sed 's/, $//')"
say "two collectors / raw ceiling          $(pct_of "${B_COLL2_RPS:-0}" "${B_RAW_RPS:-0}")  (full speed; two collectors / one: $(pct_of "${B_COLL2_RPS:-0}" "${B_COLL_RPS:-0}"))"
say "collector / broker alone               $(pct_of "${B_COLL_RPS:-0}" "${B_BROKER_RPS:-0}")  (full speed)"
say "collector / database alone, batches   $(pct_of "${B_COLL_RPS:-0}" "${B_DBB_RPS:-0}")  (the same store_batch() on one connection, without MQTT; each store worker of the collector has one)"
say "collector / database alone, 1 conn     $(pct_of "${B_COLL_RPS:-0}" "${B_DB1_TPS:-0}")"
say "collector / database alone, 4 conns    $(pct_of "${B_COLL_RPS:-0}" "${B_DB4_TPS:-0}")"
# goal RATE: what the issue asks of p99 at that rate, if it names one
goal() {
	case $1 in
	1000) echo "; the issue asks 10 ms or less" ;;
	5000) echo "; the issue asks 50 ms or less" ;;
	esac
}
[ -n "${B_P99_RATE:-}" ] && printf '%-38s %s ms  (offered %s/s%s)\n' "collector p99 at $B_RATE/s" "$B_P99_RATE" "$B_RATE" "$(goal "$B_RATE")"
[ -n "${B_P99_RATE:-}" ] && [ -n "${B_TAIL_RATE:-}" ] && printf '%-38s %s\n' "... its tail" "$B_TAIL_RATE"
[ -n "${B_P99_RATE:-}" ] && [ -n "${B_RAW_P99_RATE:-}" ] &&
	printf '%-38s %s ms  (collector / raw: %s times)\n' "raw ceiling p99 at $B_RATE/s" "$B_RAW_P99_RATE" \
	"$(awk -v c="$B_P99_RATE" -v r="$B_RAW_P99_RATE" 'BEGIN { printf "%.1f", (r > 0 ? c / r : 0) }')"
[ -n "${B_P99_HIGH:-}" ] && printf '%-38s %s ms  (%s/s went out%s)\n' "collector p99 at $B_RATE_HIGH/s" "$B_P99_HIGH" "$B_HIGH_OFFERED" "$(goal "$B_RATE_HIGH")"
# a rate above what the raw path itself stores cannot be offered here
[ -n "${B_P99_HIGH:-}" ] && [ "${B_RAW_RPS:-0}" -gt 0 ] && [ "$B_RAW_RPS" -lt "$B_RATE_HIGH" ] &&
	say "... the raw ceiling here, $B_RAW_RPS/s at full speed, is below $B_RATE_HIGH/s: this machine cannot take that rate end to end"
[ -n "${B_TREND:-}" ] && say "collector at full speed                $B_TREND"
if [ "${B_HWM:-0}" -gt 0 ] && [ "$B_HWM" -lt "$B_RSS_LIMIT_KB" ]; then
	say "collector peak RSS                     $((B_HWM / 1024)) MB (VmHWM, bound 64 MB): ok"
else
	fail "collector peak RSS $((${B_HWM:-0} / 1024)) MB (VmHWM) is not under 64 MB"
fi
[ -n "${B_BROKER_CPU:-}" ] && say "cpu, broker alone at full speed        $B_BROKER_CPU"
[ -n "${B_RAW_CPU:-}" ] && say "cpu, raw ceiling at full speed         $B_RAW_CPU"
[ -n "${B_COLL_CPU:-}" ] && say "cpu, collector at full speed           $B_COLL_CPU"
[ -n "${B_COLL2_CPU:-}" ] && say "cpu, two collectors at full speed      $B_COLL2_CPU"
[ -n "${B_RAW_PER:-}" ] && say "cpu per report, raw ceiling            $B_RAW_PER"
[ -n "${B_COLL_PER:-}" ] && say "cpu per report, collector              $B_COLL_PER"
if [[ ${B_RAW_PER:-} == [1-9]* && ${B_COLL_PER:-} == [1-9]* ]]; then
	say "$(awk -v c="${B_COLL_PER%% µs*}" -v r="${B_RAW_PER%% µs*}" 'BEGIN {
		if (r > 0) printf "collector cpu / raw cpu per report     %.1f times (60 %% of the ceiling asks for at most %.1f on a CPU-bound machine)", c / r, 1 / 0.6 }')"
fi
say "run time                               $(( $(date +%s) - B_START )) s; files in ${B_DIR#"$B_TOP"/}"
if [ "$B_FAILED" -ne 0 ]; then
	say "bench: $B_FAILED check(s) FAILED"
	exit 1
fi
say "bench: every report sent was stored and acknowledged exactly once"
exit 0
