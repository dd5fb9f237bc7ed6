#!/bin/sh
# run.sh -- run every test against one or more builds and print one summary.
#
#   tests/run.sh [--unit-only] [-j N] BUILD|valgrind:BUILD|tsan:BUILD|fuzz:BUILD ...
#
# Unit tests are cmocka programs in BUILD/tests/test_*; integration tests
# are tests/integration/test_*.sh printing TAP lines ("ok N - ..." and
# "not ok N - ...").  The last line is "N passed, N failed".  With -j N the
# passes (the arguments) are dealt out in turn to N runs side by side, each
# running its passes one after another; their lines come out run by run
# once all have ended.  Each test has its own servers on free ports, and
# each pass its own logs.  Each line gives the seconds its test took, and
# each run ends with a "time" line for its passes.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
unit_only=0
jobs=1
while [ $# -gt 0 ]; do
	case $1 in
	--unit-only) unit_only=1; shift ;;
	-j)
		case ${2:-} in
		''|*[!0-9]*|0*) echo "run.sh: -j wants a whole number of runs, 1 or more" >&2; exit 2 ;;
		esac
		jobs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- build

passname() {	# passname ARG: the name a pass's logs are kept under
	case $1 in
	fuzz:*) echo fuzz ;;
	tsan:*) echo tsan ;;
	valgrind:*) echo valgrind ;;
	*) basename "$1" ;;
	esac
}

# Each pass writes its logs under its name: two passes of one name would
# write over each other's.
seen=" "
for arg in "$@"; do
	n=$(passname "$arg")
	case $seen in
	*" $n "*) echo "run.sh: two passes named $n ($arg); their logs would clash" >&2; exit 2 ;;
	esac
	seen="$seen$n "
done

if [ "$jobs" -gt 1 ] && [ $# -gt 1 ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/gr-run.XXXXXX")
	echo "tests: $# passes in $jobs runs side by side; each run's lines come when all have ended"
	pids=
	j=0
	while [ "$j" -lt "$jobs" ]; do
		# every jobs-th pass from the j-th on
		set -f
		mine=
		k=0
		for arg in "$@"; do
			[ $((k % jobs)) -eq "$j" ] && mine="$mine $arg"
			k=$((k + 1))
		done
		set +f
		if [ -n "$mine" ]; then
			# shellcheck disable=SC2086
			sh "$0" $([ $unit_only -eq 1 ] && echo --unit-only) $mine \
			    >"$out/$j" 2>&1 &
			pids="$pids $!"
		fi
		j=$((j + 1))
	done
	for p in $pids; do wait "$p"; done
	passed=0
	failed=0
	for f in "$out"/*; do
		sed '$d' "$f"
		set -- $(tail -n 1 "$f")
		if [ "${2:-}" = passed, ] && [ "${4:-}" = failed ]; then
			passed=$((passed + $1))
			failed=$((failed + $3))
		else
			failed=$((failed + 1))	# a run that ended without its summary
			echo "FAIL  a run of tests ended without its summary"
		fi
	done
	rm -rf "$out"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

passed=0
failed=0
started=$(date +%s)
logdir=$top/.run/test-logs
mkdir -p "$logdir"

count() {	# count LOG: add the log's results to the totals
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	tp=$(grep -c '^ok [0-9]' "$1")
	tf=$(grep -c '^not ok [0-9]' "$1")
	passed=$((passed + ${p:-0} + tp))
	failed=$((failed + ${f:-0} + tf))
	[ $((${f:-0} + tf)) -eq 0 ]
}

for arg in "$@"; do
	name=$(passname "$arg")
	# "valgrind:BUILD" runs the integration tests with the long-running
	# programs (the collector, field-agent run, dispatch-console watch:
	# those the tests start with $GR_WRAP) under valgrind's memcheck, and
	# no unit tests.
	case $arg in
	fuzz:*)
		# "fuzz:BUILD" runs the libFuzzer targets for a short while.
		log=$logdir/$name.log
		t0=$(date +%s)
		sh "$top/tests/fuzz/run.sh" "${arg#fuzz:}" "${FUZZ_SECONDS:-20}" >"$log" 2>&1
		rc=$?
		secs=$(($(date +%s) - t0))
		if ! count "$log" || [ $rc -ne 0 ]; then
			grep -q '^not ok [0-9]' "$log" || failed=$((failed + 1))
			echo "FAIL  fuzz (exit $rc, ${secs} s)"
			sed 's/^/      /' "$log" | tail -n 30
		else
			echo "ok    fuzz ($(grep -c '^ok [0-9]' "$log") targets, ${secs} s)"
		fi
		continue
		;;
	tsan:*)
		# "tsan:BUILD" (ThreadSanitizer) runs the unit tests and the
		# integration tests marked "# gr-test: threads".
		build=${arg#tsan:}
		unset GR_WRAP
		;;
	valgrind:*)
		build=${arg#valgrind:}
		export GR_WRAP="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
		;;
	*)
		build=$arg
		unset GR_WRAP
		;;
	esac
	case $build in /*) ;; *) build=$top/$build ;; esac
	for t in "$build"/tests/test_*; do
		[ "$name" = valgrind ] && break
		[ -x "$t" ] || continue
		log=$logdir/$name-$(basename "$t").log
		t0=$(date +%s)
		"$t" >"$log" 2>&1
		rc=$?
		secs=$(($(date +%s) - t0))
		if ! count "$log" || [ $rc -ne 0 ]; then
			if ! grep -q '^\[  FAILED  \]' "$log"; then
				failed=$((failed + 1))	# crashed before its summary
			fi
			echo "FAIL  $name unit $(basename "$t") (exit $rc, ${secs} s)"
			sed 's/^/      /' "$log" | grep -v '^      \[ \(RUN\|  *OK\) ' | tail -n 30
		else
			echo "ok    $name unit $(basename "$t") (${secs} s)"
		fi
	done
	[ $unit_only -eq 1 ] && continue
	for t in "$top"/tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		# A test that runs none of our programs needs only one pass.
		if [ "$name" != build ] && grep -q '^# gr-test: once' "$t"; then
			continue
		fi
		if [ "$name" = tsan ] && ! grep -q '^# gr-test: threads' "$t"; then
			continue
		fi
		log=$logdir/$name-$(basename "$t" .sh).log
		t0=$(date +%s)
		BUILD=$build bash "$t" >"$log" 2>&1
		rc=$?
		secs=$(($(date +%s) - t0))
		if ! count "$log" || [ $rc -ne 0 ]; then
			if ! grep -q '^not ok [0-9]' "$log"; then
				failed=$((failed + 1))	# aborted
			fi
			echo "FAIL  $name integration $(basename "$t") (exit $rc, ${secs} s)"
			grep -v '^ok [0-9]' "$log" | sed 's/^/      /' | tail -n 40
		else
			echo "ok    $name integration $(basename "$t") ($(grep -c '^ok [0-9]' "$log") checks, ${secs} s)"
		fi
	done
done
echo "time  $*: $(($(date +%s) - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
