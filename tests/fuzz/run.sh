#!/bin/sh
# run.sh -- run the libFuzzer targets for a bounded time, printing TAP.
#
#   tests/fuzz/run.sh FUZZBUILD SECONDS
#
# The seed corpus is made fresh from tests/tools/grmsg (valid and broken
# reports); findings are kept in .run/fuzz/.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
secs=${2:-20}
out=$top/.run/fuzz
corpus=$out/corpus
mkdir -p "$corpus" "$out/artifacts"
g=$top/build/tests/grmsg
if [ -x "$g" ]; then
	"$g" report >"$corpus/good"
	"$g" report --colour 7 >"$corpus/colour"
	"$g" report --summary-hex e6aca0e896aa >"$corpus/utf8"
	"$g" report --lat 30 --lon 103 --phone 13900001111 --id-number 11010519491231002X >"$corpus/party"
	"$g" report --attachment >"$corpus/attachment"
fi
n=0
fails=0
for f in "$build"/tests/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	n=$((n + 1))
	log=$out/$name.log
	if "$f" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=5 \
		-artifact_prefix="$out/artifacts/" -print_final_stats=1 \
		"$corpus" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok $n - $name ran ${secs}s clean (${runs:-?} inputs)"
	else
		fails=$((fails + 1))
		echo "not ok $n - $name found a crash (see $log)"
		grep -A 15 "ERROR:\|runtime error" "$log" | head -n 30 | sed 's/^/# /'
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
