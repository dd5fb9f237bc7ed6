#!/bin/sh
# run.sh -- run every test against one or more builds and print one summary.
#
#   tests/run.sh [--unit-only] BUILD|valgrind:BUILD|tsan:BUILD|fuzz:BUILD ...
#
# Unit tests are cmocka programs in BUILD/tests/test_*; integration tests
# are tests/integration/test_*.sh printing TAP lines ("ok N - ..." and
# "not ok N - ...").  The last line is "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
unit_only=0
if [ "${1:-}" = "--unit-only" ]; then unit_only=1; shift; fi
[ $# -gt 0 ] || set -- build

passed=0
failed=0
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
	# "valgrind:BUILD" runs the integration tests with the collector under
	# valgrind's memcheck, and no unit tests.
	case $arg in
	fuzz:*)
		# "fuzz:BUILD" runs the libFuzzer targets for a short while.
		log=$logdir/fuzz.log
		sh "$top/tests/fuzz/run.sh" "${arg#fuzz:}" "${FUZZ_SECONDS:-20}" >"$log" 2>&1
		rc=$?
		if ! count "$log" || [ $rc -ne 0 ]; then
			grep -q '^not ok [0-9]' "$log" || failed=$((failed + 1))
			echo "FAIL  fuzz (exit $rc)"
			sed 's/^/      /' "$log" | tail -n 30
		else
			echo "ok    fuzz ($(grep -c '^ok [0-9]' "$log") targets)"
		fi
		continue
		;;
	tsan:*)
		# "tsan:BUILD" (ThreadSanitizer) runs the unit tests and the
		# integration tests marked "# gr-test: threads".
		build=${arg#tsan:}
		name=tsan
		unset GR_WRAP
		;;
	valgrind:*)
		build=${arg#valgrind:}
		name=valgrind
		export GR_WRAP="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99"
		;;
	*)
		build=$arg
		name=$(basename "$build")
		unset GR_WRAP
		;;
	esac
	case $build in /*) ;; *) build=$top/$build ;; esac
	for t in "$build"/tests/test_*; do
		[ "$name" = valgrind ] && break
		[ -x "$t" ] || continue
		log=$logdir/$name-$(basename "$t").log
		"$t" >"$log" 2>&1
		rc=$?
		if ! count "$log" || [ $rc -ne 0 ]; then
			if ! grep -q '^\[  FAILED  \]' "$log"; then
				failed=$((failed + 1))	# crashed before its summary
			fi
			echo "FAIL  $name unit $(basename "$t") (exit $rc)"
			sed 's/^/      /' "$log" | grep -v '^      \[ \(RUN\|  *OK\) ' | tail -n 30
		else
			echo "ok    $name unit $(basename "$t")"
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
		BUILD=$build bash "$t" >"$log" 2>&1
		rc=$?
		if ! count "$log" || [ $rc -ne 0 ]; then
			if ! grep -q '^not ok [0-9]' "$log"; then
				failed=$((failed + 1))	# aborted
			fi
			echo "FAIL  $name integration $(basename "$t") (exit $rc)"
			grep -v '^ok [0-9]' "$log" | sed 's/^/      /' | tail -n 40
		else
			echo "ok    $name integration $(basename "$t") ($(grep -c '^ok [0-9]' "$log") checks)"
		fi
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
