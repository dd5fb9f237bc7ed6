#!/bin/bash
# demo.sh -- the main job end to end on an embedded default: a simulated
# county (陆良县, 530322) whose grid workers report disputes through the
# field agent, a private Mosquitto and PostgreSQL, the collector storing and
# routing every report to its township, then the routed cases and the
# county's figures.
#
# Usage: scripts/demo.sh [BUILD]      (make demo; BUILD defaults to build)
#
# Everything lives under .run/demo of the repository: the cluster (pg/,
# kept between runs, so data accumulates), the broker (broker/), the agents'
# outboxes (agents/) and collector.log.  The tables show this run's reports
# (received since the demo started); the county summary also gives the
# totals of all runs.  Whatever happens (error, Ctrl-C), the servers and the
# collector started here are stopped on exit.  Parties' names and phones
# are stored but never printed.

# env.sh needs bash; make calls this script with sh.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=$TOP/.run/demo
COUNTY=530322
GR_TOP=$TOP
. "$TOP/scripts/env.sh"

# Names used by env.sh's functions (dir, pid, p, u, log, build, limit, end,
# what, attempt, before) are globals there: the demo keeps to DEMO_* and
# local variables of other names.
DEMO_PG=0 DEMO_BROKER=0 DEMO_COLLECTOR=0
DEMO_WORKER_PIDS=""
DEMO_PROBLEMS=0

# ---------------------------------------------------------------- helpers

die() { echo "demo: $*" >&2; exit 1; }

heading() {	# heading TEXT: a section of the output
	printf '\n══ %s ══\n' "$1"
}

note() { printf '  %s\n' "$*"; }

problem() { DEMO_PROBLEMS=$((DEMO_PROBLEMS + 1)); printf '  !! %s\n' "$*"; }

rel() { printf '%s' "${1#"$TOP"/}"; }	# a path relative to the repository

sql() {		# sql QUERY: one value per line, no decoration
	psql "$GR_DB" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

table() {	# table QUERY: an aligned table
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -P pager=off -P footer=off -c "$1" |
		sed -e '/^$/d' -e 's/^/  /'
}

# agent WORKER ARGS...: the field agent as WORKER, with its own outbox
agent() {
	local who=$1
	shift
	"$DEMO_BUILD/field-agent" -b "$GR_BROKER" -o "$DEMO/agents/$who.db" \
		-w "$who" -d "dev-$who" "$@" </dev/null
}

meaning() {	# meaning EXIT-CODE: what the agent's exit code says
	case $1 in
	0) echo "已登记 stored" ;;
	1) echo "失败 failure" ;;
	2) echo "用法错误 usage error" ;;
	3) echo "无效, 未保存 invalid, nothing queued" ;;
	4) echo "被拒绝 rejected" ;;
	5) echo "待发送 queued in the outbox" ;;
	*) echo "exit $1" ;;
	esac
}

# ------------------------------------------------------- start and stop

cleanup() {
	local rc=$? w c
	set +e
	trap - EXIT INT TERM HUP
	for w in $DEMO_WORKER_PIDS; do
		if kill -0 "$w" 2>/dev/null; then
			for c in $(ps -o pid= --ppid "$w"); do kill "$c" 2>/dev/null; done
			kill "$w" 2>/dev/null
		fi
	done
	heading "停止服务 Stopping the servers"
	if [ "$DEMO_COLLECTOR" = 1 ]; then
		gr_collector_stop TERM
		rm -f "$DEMO/collector.pid"
		note "采集服务已停止 collector stopped"
	fi
	if [ "$DEMO_BROKER" = 1 ]; then
		gr_broker_stop "$DEMO"
		note "消息服务已停止 Mosquitto stopped"
	fi
	if [ "$DEMO_PG" = 1 ]; then
		gr_pg_stop "$DEMO"
		note "数据库已停止 PostgreSQL stopped (data kept in $(rel "$DEMO/pg"))"
	fi
	rm -f "$DEMO/demo.pid"
	echo
	note "日志 Logs:"
	note "  采集服务 collector   $(rel "$DEMO/collector.log")"
	note "  消息服务 broker      $(rel "$DEMO/broker/mosquitto.log")"
	note "  数据库 PostgreSQL    $(rel "$DEMO/pg/server.log")"
	note "  外勤端 agents        $(rel "$DEMO/agents")/<worker>.db (outboxes), *.err"
	if [ "$rc" -ne 0 ]; then
		echo "demo: failed (exit $rc)" >&2
	fi
	exit "$rc"
}

# A demo killed outright leaves its servers behind; the next run stops
# them (they are the demo's own, found by the pid files under .run/demo).
stop_leftovers() {
	local old
	if [ -f "$DEMO/collector.pid" ]; then
		old=$(cat "$DEMO/collector.pid")
		if [ "$(cat "/proc/$old/comm" 2>/dev/null)" = collector ]; then
			note "停止上次遗留的采集服务 stopping a collector left by an earlier run ($old)"
			kill "$old" 2>/dev/null || true
		fi
		rm -f "$DEMO/collector.pid"
	fi
	if [ -f "$DEMO/broker/pid" ]; then
		old=$(cat "$DEMO/broker/pid")
		if [ "$(cat "/proc/$old/comm" 2>/dev/null)" = mosquitto ]; then
			note "停止上次遗留的消息服务 stopping a broker left by an earlier run ($old)"
			gr_broker_stop "$DEMO" || true
		fi
		rm -f "$DEMO/broker/pid"
	fi
	if [ -f "$DEMO/pg/data/postmaster.pid" ]; then
		note "停止上次遗留的数据库 stopping a PostgreSQL left by an earlier run (if running)"
		gr_pg_stop "$DEMO" || true
	fi
}

start_servers() {
	heading "1. 启动服务 Starting the servers"
	stop_leftovers
	DEMO_PG=1
	# (quiet: the migrations' "already exists, skipping" notices)
	PGOPTIONS="-c client_min_messages=warning" gr_pg_start "$DEMO" || die "PostgreSQL did not start (see $(rel "$DEMO/pg/server.log"))"
	note "数据库 PostgreSQL   127.0.0.1:$GR_PG_PORT  (集群 cluster $(rel "$DEMO/pg/data"), 已迁移 migrated)"
	psql "$GR_DB" -Xq -v ON_ERROR_STOP=1 -f "$TOP/schema/demo/$COUNTY.sql" >/dev/null ||
		die "loading schema/demo/$COUNTY.sql failed"
	note "演示县 demo county  $(sql "SELECT name_zh || ' (' || code || '): ' ||
		(SELECT count(*) FROM division WHERE parent_code = '$COUNTY') || ' 个乡镇街道 townships, ' ||
		(SELECT count(*) FROM grid WHERE code LIKE '$COUNTY%') || ' 个网格 grids, ' ||
		(SELECT count(*) FROM worker) || ' 名网格员 grid workers'
		FROM division WHERE code = '$COUNTY'")"
	DEMO_BROKER=1
	gr_broker_start "$DEMO" || die "Mosquitto did not start (see $(rel "$DEMO/broker/stderr.log"))"
	note "消息服务 Mosquitto  $GR_BROKER"
	start_collector
	note "采集服务 collector  pid $GR_COLLECTOR_PID, 日志 log $(rel "$DEMO/collector.log")"
}

start_collector() {
	DEMO_COLLECTOR=1
	gr_collector_start "$DEMO" "$DEMO_BUILD" || die "the collector did not start"
	echo "$GR_COLLECTOR_PID" >"$DEMO/collector.pid"
}

stop_collector() {
	gr_collector_stop TERM || true
	rm -f "$DEMO/collector.pid"
	DEMO_COLLECTOR=0
}

# ------------------------------------------------------------ the county

# The grid workers of the demo: id, latitude and longitude of their grid
# (around 25.0N 103.6E).  Their grid and township come from the database.
WORKERS="gw002 25.0302 103.6681
gw009 25.0213 103.6524
gw015 25.1640 103.5782
gw020 24.9581 103.6113
gw024 25.0722 103.8520
gw027 24.9183 103.7824
gw030 25.0891 103.6342
gw033 24.9610 103.7021
gw035 25.1052 103.7353
gw038 24.8842 103.5451
gw041 25.2140 103.7061"

# The reports, one a line: worker|category|item|colour|people|amount (yuan
# or -)|channel|on-spot or -|summary|address|parties (ROLE:NAME:PHONE, ';'
# between parties; all names invented, phones 1390000xxxx are fake).
REPORTS=$(cat <<'EOF'
gw002|06|0601|yellow|12|-|grid|-|锦绣花园小区12户入住三年仍未办下不动产权证|东门社区锦绣花园3栋|petitioner:李建华:13900005101;respondent::::陆良锦程房地产开发有限公司
gw002|07|0702|green|3|-|grid|on-spot|物业上调物业费未公示, 业主拒缴; 经调解同意先公示再执行|东门社区和平苑小区|petitioner:赵丽萍:13900005102;respondent::::和平苑物业服务公司
gw002|20|2002|yellow|1|-|grid|-|楼道内电动车飞线充电, 邻居多次劝阻无果|东门社区北正街28号|other:孙志明:13900005103
gw002|10|1005|green|2|-|hotline|on-spot|楼上住户夜间装修噪声扰民, 双方约定施工时段|东门社区建设巷6号|petitioner:周玉兰:13900005104;respondent:吴海涛:13900005105
gw009|02|0202|red|28|386000|visit|-|安置房工地28名农民工被拖欠工资38.6万元, 到项目部聚集讨薪|同乐社区新城路安置房项目工地|petitioner:张德顺:13900005201;respondent::13900005202::曲靖宏建建筑劳务有限公司
gw009|11|1102|yellow|6|-|letter|-|6名随迁子女申请城区小学学位未获安排|同乐社区同乐路15号|petitioner:陈秀英:13900005203
gw009|07|0705|green|4|-|grid|on-spot|小区公共绿地被改建为停车位, 业主有异议, 已恢复部分绿地|同乐社区翠湖小区|petitioner:刘伟:13900005204
gw009|12|1202|green|1|2350.50|internet|-|异地住院费用医保报销两个月未到账|同乐社区南苑小区|petitioner:杨春梅:13900005205
gw015|01|0102|red|16|1240000|visit|-|石坝村16户征地补偿款124万元未按期兑付|石坝村委会下坝组|petitioner:王福贵:13900005301;respondent::::陆良县某工业园区管委会
gw015|03|0301|yellow|2|-|grid|-|两户因宅基地界桩位置发生争执, 一方拆除围墙|石坝村委会小石坝组|petitioner:马金贵:13900005302;respondent:马永昌:13900005303
gw015|14|1405|green|9|-|grid|on-spot|春灌期间上下游村组争抢灌溉用水, 已协调轮灌|石坝村委会水库下游|other:李光明:13900005304
gw015|09|0902|yellow|3|-|grid|-|三兄弟互相推诿赡养八旬老母|石坝村委会上坝组|petitioner:马桂英:13900005305
gw020|01|0107|yellow|8|56000|grid|-|高速公路连接线占地青苗补偿标准有争议|旧州村委会东庄组|petitioner:何家顺:13900005401
gw020|04|0401|red|30|2100000|visit|-|养殖合作社以高息吸收村民存款210万元后无法兑付|旧州村委会|petitioner:罗兴发:13900005402;respondent::::陆良某生态养殖专业合作社
gw020|10|1001|green|2|-|grid|on-spot|邻居砌墙堵塞排水沟致雨天积水, 经调解拆除重砌|旧州村委会西街组|petitioner:何春花:13900005403;respondent:何金水:13900005404
gw020|13|1301|yellow|2|18500|grid|-|农用三轮车与电动车相撞, 赔偿金额协商不成|旧州村委会村口公路|petitioner:朱建国:13900005405;respondent:杨小龙:13900005406
gw024|17|1702|red|14|-|visit|-|煤矿采空区塌陷致14户房屋开裂, 群众要求搬迁|松林村委会后山组|petitioner:孔祥云:13900005501;respondent::::召夸某煤业有限公司
gw024|05|0505|yellow|5|-|internet|-|生猪养殖场粪污直排河沟, 气味刺鼻|松林村委会河边组|petitioner:孔德华:13900005502
gw024|03|0304|yellow|4|-|grid|-|两个村民小组林地山界不清, 因采伐松树发生纠纷|松林村委会大箐|other:孔令才:13900005503
gw024|18|1802|green|1|-|visit|-|退役军人反映优抚金标准调整后未落实|松林村委会中组|petitioner:孔繁军:13900005504
gw027|02|0201|yellow|7|64500|grid|-|7名村民在县城务工被包工头拖欠工资6.45万元|普家村委会普家组|petitioner:普文清:13900005601;respondent:段老三:13900005602
gw027|15|1502|green|1|-|grid|-|独居老人土坯房漏雨, 申请农村危房改造|普家村委会小普家组|petitioner:普阿英:13900005603
gw027|09|0906|yellow|2|88000|grid|-|订婚后女方悔婚, 男方要求退还彩礼8.8万元|普家村委会新村组|petitioner:普建明:13900005604;respondent:资小芬:13900005605
gw027|19|1901|green|1|-|grid|on-spot|低保户家庭收入变化, 咨询低保续办手续, 已当场解答|普家村委会普家组|petitioner:普石头:13900005606
gw030|03|0303|yellow|11|-|grid|-|土地流转租金连续两年未付, 11户要求解除合同|雍家村委会后所组|petitioner:雍正华:13900005701;respondent::::陆良某花卉种植有限公司
gw030|10|1003|green|2|1200|grid|on-spot|邻居家牛啃食蔬菜大棚, 当场协商赔偿1200元|雍家村委会前所组|petitioner:雍学武:13900005702;respondent:雍有福:13900005703
gw030|11|1101|yellow|25|-|letter|-|村小拟撤并到镇中心校, 25名家长担心孩子上学路远|雍家村委会雍家小学|petitioner:雍丽琼:13900005704
gw030|14|1401|yellow|18|-|hotline|-|自来水管网老化, 18户已连续三天停水|雍家村委会上组|other:雍建平:13900005705
gw033|08|0802|yellow|1|45000|visit|-|民间借款胜诉两年仍未执行到位|河头村委会河头组|petitioner:窦志刚:13900005801
gw033|05|0506|red|6|-|internet|-|河道夜间非法采砂, 堤岸坍塌威胁农田|河头村委会南盘江河段|other:窦家福:13900005802
gw033|21|2101|green|1|-|grid|on-spot|群众反映办理林权变更跑了三趟, 已联系镇便民服务中心|河头村委会|petitioner:窦美仙:13900005803
gw035|06|0602|red|22|-|visit|-|楼盘逾期一年未交房, 22名购房户到售楼部聚集|板桥社区南湖印象项目售楼部|petitioner:黄永康:13900005901;respondent::::陆良某置业有限公司
gw035|07|0701|green|3|-|grid|-|小区电梯频繁故障困人, 业主要求物业彻底维修|板桥社区金桥花园|petitioner:黄丽:13900005902
gw035|02|0204|yellow|1|-|grid|-|工人在厂内受伤, 企业不认可工伤|板桥社区工业片区|petitioner:毛文斌:13900005903;respondent::::板桥某建材厂
gw038|13|1302|green|12|-|grid|-|村组道路硬化工程停工半年, 12户出行不便|活水村委会大村组|other:施正清:13900006001
gw038|12|1201|yellow|2|30000|visit|-|村民在乡卫生院输液后出现过敏, 家属要求赔偿|活水村委会|petitioner:施金莲:13900006002;respondent::::活水乡卫生院
EOF
)
DEMO_OFFLINE_WORKER=gw041	# reports while the collector is down
DEMO_INVALID_WORKER=gw002	# tries a report with an unknown category

grid_of() { sql "SELECT grid_code FROM worker_grid WHERE worker_id = '$1' ORDER BY 1 LIMIT 1"; }

township_of() {	# township_of GRID: its township's Chinese name
	sql "SELECT name_zh FROM division WHERE code = substr('$1', 1, 9)"
}

# report_args WORKER LINE-FIELDS...: the agent's report flags for one line
# (the result is left in the array DEMO_ARGS)
report_args() {
	local who=$1 n=$2 cat=$3 item=$4 colour=$5 people=$6 amount=$7 channel=$8
	local spot=$9 summary=${10} address=${11} parties=${12} base
	local plist p lat lon
	base=$(awk -v w="$who" '$1 == w { print $2, $3 }' <<<"$WORKERS")
	# A few hundred metres apart around the grid's point.
	lat=$(awk -v b="${base% *}" -v n="$n" 'BEGIN { printf "%.5f", b + (n % 5) * 0.0021 - 0.004 }')
	lon=$(awk -v b="${base#* }" -v n="$n" 'BEGIN { printf "%.5f", b + (n % 3) * 0.0027 - 0.003 }')
	DEMO_ARGS=(report --grid "$(grid_of "$who")" --category "$cat" --item "$item"
		--colour "$colour" --people "$people" --summary "$summary"
		--lat "$lat" --lon "$lon" --address "云南省曲靖市陆良县$address"
		--channel "$channel")
	[ "$amount" = - ] || DEMO_ARGS+=(--amount "$amount")
	[ "$spot" = on-spot ] && DEMO_ARGS+=(--on-spot)
	IFS=';' read -ra plist <<<"$parties"
	for p in "${plist[@]}"; do DEMO_ARGS+=(--party "$p"); done
}

# run_worker WORKER: submit the worker's reports one after the other,
# printing the agent's answer; exit codes go to agents/WORKER.rc
run_worker() {
	local who=$1 n=0 rc out
	local w cat item colour people amount channel spot summary address parties
	: >"$DEMO/agents/$who.rc"
	: >"$DEMO/agents/$who.err"
	while IFS='|' read -r w cat item colour people amount channel spot summary address parties; do
		[ "$w" = "$who" ] || continue
		n=$((n + 1))
		report_args "$who" "$n" "$cat" "$item" "$colour" "$people" "$amount" \
			"$channel" "$spot" "$summary" "$address" "$parties"
		rc=0
		out=$(agent "$who" -W 20 "${DEMO_ARGS[@]}" 2>>"$DEMO/agents/$who.err") || rc=$?
		echo "$rc" >>"$DEMO/agents/$who.rc"
		if [ "$rc" -eq 0 ]; then
			printf '  %s %s/%-6s %s\n' "$who" "$cat" "$colour" "$out"
		else
			printf '  %s %s/%-6s %s -- %s (exit %s, see %s)\n' "$who" "$cat" \
				"$colour" "${out:-no answer}" "$(meaning "$rc")" "$rc" \
				"$(rel "$DEMO/agents/$who.err")"
		fi
	done <<<"$REPORTS"
}

simulate_county() {
	local who nreports nworkers pid stored codes
	nreports=$(grep -c . <<<"$REPORTS")
	nworkers=$(cut -d'|' -f1 <<<"$REPORTS" | sort -u | wc -l)
	heading "2. 网格员上报 Grid workers report ($nworkers 名网格员 workers, $nreports 份报告 reports, 并行 in parallel)"
	# Each reports for the first of its grids (grid_of).
	sql "SELECT DISTINCT ON (w.id) '  ' || w.id || '  ' || w.name || '  ' || wg.grid_code || '  '
			|| t.name_zh || ' ' || v.name_zh || ' ' || g.name
		FROM worker w JOIN worker_grid wg ON wg.worker_id = w.id JOIN grid g ON g.code = wg.grid_code
		JOIN division v ON v.code = g.village_code JOIN division t ON t.code = v.parent_code
		WHERE w.id IN ($(cut -d'|' -f1 <<<"$REPORTS" | sort -u | sed "s/.*/'&'/" | paste -sd,))
		ORDER BY w.id, wg.grid_code"
	echo
	for who in $(cut -d'|' -f1 <<<"$REPORTS" | sort -u); do
		run_worker "$who" &
		DEMO_WORKER_PIDS="$DEMO_WORKER_PIDS $!"
	done
	for pid in $DEMO_WORKER_PIDS; do
		wait "$pid" || true
	done
	DEMO_WORKER_PIDS=""
	codes=$(for who in $(cut -d'|' -f1 <<<"$REPORTS" | sort -u); do cat "$DEMO/agents/$who.rc"; done)
	stored=$(grep -cx 0 <<<"$codes" || true)
	echo
	note "$nreports 份报告 reports: $stored 已登记 stored and routed"
	[ "$stored" -eq "$nreports" ] ||
		problem "$((nreports - stored)) 份未登记 not stored: exit codes $(sort <<<"$codes" | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')"
}

# (a) The agent checks a report before queueing it: a worker sees the error
# at once and nothing goes into the outbox.
show_invalid() {
	local who=$DEMO_INVALID_WORKER before after rc=0 err
	heading "3a. 无效报告 An invalid report is refused on the device"
	before=$(sqlite3 "$DEMO/agents/$who.db" "SELECT count(*) FROM outbox")
	err=$(agent "$who" -W 5 report --grid "$(grid_of "$who")" --category 99 \
		--colour yellow --people 2 --summary "类别代码填写错误的报告" 2>&1 >/dev/null) || rc=$?
	after=$(sqlite3 "$DEMO/agents/$who.db" "SELECT count(*) FROM outbox")
	note "$who 上报类别 99 (category 99, unknown):"
	note "  $err"
	note "  退出码 exit $rc: $(meaning "$rc")"
	note "  发件箱 outbox: $before 条 before, $after 条 after -- 未保存 nothing queued"
	[ "$rc" = 3 ] && [ "$before" = "$after" ] || problem "expected exit 3 and an unchanged outbox"
}

# (b) The collector is down: the report waits in the outbox and is sent
# again by the next sync, and stored once.
show_resilience() {
	local who=$DEMO_OFFLINE_WORKER rc=0 out id
	heading "3b. 断线续传 Resilience: the collector is down, the report waits in the outbox"
	stop_collector
	note "采集服务已停止 collector stopped"
	report_args "$who" 1 14 1402 yellow 9 - grid - \
		"冬季用电高峰频繁停电, 养殖户担心保温设备停运" "龙海村委会龙海组" \
		"petitioner:龙光华:13900006101"
	out=$(agent "$who" -W 2 "${DEMO_ARGS[@]}" 2>>"$DEMO/agents/$who.err") || rc=$?
	note "$who 上报 reports (等待2秒 waits 2 s): $out"
	note "  退出码 exit $rc: $(meaning "$rc")"
	id=${out%%:*}
	[ "$rc" = 5 ] || problem "expected exit 5 (queued) while the collector is down"
	note "  数据库中该报告 rows in the database with id $id: $(sql "SELECT count(*) FROM report WHERE id = '$id'")"
	note "  发件箱 outbox of $who:"
	agent "$who" outbox | awk -v id="$id" 'NR == 1 || $1 == id' | sed 's/^/      /'

	start_collector
	note "采集服务已重新启动 collector started again (pid $GR_COLLECTOR_PID)"
	rc=0
	out=$(agent "$who" -W 20 sync 2>>"$DEMO/agents/$who.err") || rc=$?
	note "$who sync: $out (exit $rc: $(meaning "$rc"))"
	note "  数据库中该报告 rows in the database with id $id: $(sql "SELECT count(*) FROM report WHERE id = '$id'") -- 仅登记一次 stored exactly once"
	note "  案件 case: $(sql "SELECT c.case_no || ', 转 ' || d.name_zh || ' 办理' FROM \"case\" c
		JOIN division d ON d.code = c.unit_code WHERE c.report_id = '$id'")"
	note "  发件箱 outbox of $who:"
	agent "$who" outbox | awk -v id="$id" 'NR == 1 || $1 == id' | sed 's/^/      /'
	[ "$rc" = 0 ] && [ "$(sql "SELECT count(*) FROM report WHERE id = '$id'")" = 1 ] ||
		problem "expected the synced report to be stored once"
}

# ---------------------------------------------------------------- figures

# The deadline is the end of a day in China Standard Time (24:00, stored
# as the next day's 00:00): shown as that day, as the agent shows it.
DUE_SQL="to_char(c.resolve_due AT TIME ZONE 'Asia/Shanghai' - interval '1 second', 'YYYY-MM-DD')"

# console UNIT ARGS...: the dispatcher console of UNIT, with its own cache
console() {
	local unit=$1
	shift
	"$DEMO_BUILD/dispatch-console" -b "$GR_BROKER" -C "$DEMO/console-$unit.db" \
		-u "$unit" -a "demo-$unit" -W 20 "$@" </dev/null
}

# The consoles' sessions start before the reports, so that the cases routed
# to their units wait for them at the broker.
open_consoles() {
	local u
	DEMO_TOWNSHIP=$(sql "SELECT substr(grid_code, 1, 9) FROM worker_grid WHERE worker_id = 'gw001' ORDER BY 1 LIMIT 1")
	for u in "$DEMO_TOWNSHIP" "$COUNTY"; do
		console "$u" sync >/dev/null 2>&1 || problem "the console of $u did not connect"
	done
}

show_dispatch() {
	local c name
	name=$(sql "SELECT name_zh FROM division WHERE code = '$DEMO_TOWNSHIP'")
	heading "5. 调度台 A dispatcher works the inbox of $name ($DEMO_TOWNSHIP) with dispatch-console"
	note "\$ dispatch-console -u $DEMO_TOWNSHIP inbox     (! = 逾期 overdue; 逾期在前, 新案其次)"
	console "$DEMO_TOWNSHIP" inbox | head -n 8 | sed 's/^/    /'
	c=$(sql "SELECT c.case_no FROM \"case\" c JOIN report r ON r.id = c.report_id
		WHERE c.unit_code = '$DEMO_TOWNSHIP' AND c.state = 'routed'
		AND r.received_at >= '$DEMO_SINCE' ORDER BY c.case_no LIMIT 1")
	if [ -z "$c" ]; then
		note "本次无新案 no new case this run"
		return
	fi
	note "\$ dispatch-console accept $c ; assign $c --department 司法所"
	console "$DEMO_TOWNSHIP" accept "$c" 2>&1 | sed 's/^/    /' || problem "accept $c failed"
	console "$DEMO_TOWNSHIP" assign "$c" --department 司法所 2>&1 | sed 's/^/    /' ||
		problem "assign $c failed"
	note "\$ dispatch-console show $c"
	console "$DEMO_TOWNSHIP" show "$c" | sed 's/^/    /'
	note "\$ dispatch-console -u $COUNTY alerts     (县级预警 the county's alerts)"
	console "$COUNTY" alerts | head -n 8 | sed 's/^/    /'
}

colour_sql() {	# colour_sql COLUMN: the colour in Chinese and English
	echo "CASE $1 WHEN 'red' THEN '红 red' WHEN 'yellow' THEN '黄 yellow' ELSE '绿 green' END"
}

show_cases() {
	local code name n
	heading "4. 各乡镇案件 Cases routed to each township (本次 this run: received since $DEMO_SINCE_CST CST)"
	while IFS='|' read -r code name; do
		n=$(sql "SELECT count(*) FROM \"case\" c JOIN report r ON r.id = c.report_id
			WHERE c.unit_code = '$code' AND r.received_at >= '$DEMO_SINCE'")
		# The county itself is listed only when cases went to it.
		if [ "$code" = "$COUNTY" ]; then
			[ "$n" -gt 0 ] || continue
			name="$name 县级 county level"
		fi
		printf '\n  ── %s (%s): %s 件 cases ──\n' "$name" "$code" "$n"
		if [ "$n" -eq 0 ]; then
			note "本次无案件 no cases this run"
			continue
		fi
		table "SELECT c.case_no AS \"案件号 case\", cat.name_zh AS \"类别 category\",
			$(colour_sql r.colour) AS \"等级 colour\", r.people AS \"人数 people\",
			r.summary || CASE WHEN r.resolved_on_spot THEN ' [当场化解]' ELSE '' END
				AS \"摘要 summary\",
			$DUE_SQL AS \"办理期限 due\"
			FROM \"case\" c JOIN report r ON r.id = c.report_id
			JOIN category cat ON cat.code = r.category
			WHERE c.unit_code = '$code' AND r.received_at >= '$DEMO_SINCE'
			ORDER BY c.case_no"
	done < <(sql "SELECT code || '|' || name_zh FROM division
		WHERE (level = 'township' AND parent_code = '$COUNTY') OR code = '$COUNTY'
		ORDER BY level = 'county', code")
}

show_summary() {
	local r="report r JOIN grid g ON g.code = r.grid_code AND g.code LIKE '$COUNTY%'"
	local run="r.received_at >= '$DEMO_SINCE'"
	heading "6. 全县汇总 County summary ($(sql "SELECT name_zh FROM division WHERE code = '$COUNTY'"); 本次 this run = since $DEMO_SINCE_CST CST)"
	table "SELECT figure AS \"指标 figure\", this_run AS \"本次 this run\", all_time AS \"累计 all time\"
		FROM (
		SELECT 1 AS o, '上报 reports' AS figure, count(*) FILTER (WHERE $run)::numeric AS this_run,
			count(*)::numeric AS all_time FROM $r
		UNION ALL SELECT 2, '立案 cases', count(*) FILTER (WHERE $run), count(*)
			FROM \"case\" c JOIN $r ON r.id = c.report_id
		UNION ALL SELECT 3, '  红色 red', count(*) FILTER (WHERE $run AND colour = 'red'),
			count(*) FILTER (WHERE colour = 'red') FROM $r
		UNION ALL SELECT 4, '  黄色 yellow', count(*) FILTER (WHERE $run AND colour = 'yellow'),
			count(*) FILTER (WHERE colour = 'yellow') FROM $r
		UNION ALL SELECT 5, '  绿色 green', count(*) FILTER (WHERE $run AND colour = 'green'),
			count(*) FILTER (WHERE colour = 'green') FROM $r
		UNION ALL SELECT 6, '当场化解 resolved on the spot',
			count(*) FILTER (WHERE $run AND resolved_on_spot),
			count(*) FILTER (WHERE resolved_on_spot) FROM $r
		UNION ALL SELECT 7, '群体性 groups (5+ people)', count(*) FILTER (WHERE $run AND people >= 5),
			count(*) FILTER (WHERE people >= 5) FROM $r
		UNION ALL SELECT 8, '涉及人数 people involved', coalesce(sum(people) FILTER (WHERE $run), 0),
			coalesce(sum(people), 0) FROM $r
		UNION ALL SELECT 9, '涉及金额 amount (万元, 10k yuan)',
			round(coalesce(sum(amount_fen) FILTER (WHERE $run), 0) / 1000000.0, 2),
			round(coalesce(sum(amount_fen), 0) / 1000000.0, 2) FROM $r
		UNION ALL SELECT 10, '死信 dead letters', count(*) FILTER (WHERE received_at >= '$DEMO_SINCE'),
			count(*) FROM dead_letter
		) f ORDER BY o"
	echo
	note "本次前五类别 Top 5 categories this run:"
	table "SELECT cat.code AS \"代码 code\", cat.name_zh AS \"类别\", cat.name_en AS \"category\",
			count(*) AS \"报告 reports\",
			count(*) FILTER (WHERE r.colour = 'red') AS \"红色 red\",
			sum(r.people) AS \"人数 people\"
		FROM $r JOIN category cat ON cat.code = r.category
		WHERE $run
		GROUP BY cat.code, cat.name_zh, cat.name_en
		ORDER BY count(*) DESC, sum(r.people) DESC, cat.code LIMIT 5"
}

# ------------------------------------------------------------------- main

main() {
	local b=${1:-build} other prog
	case $b in
	/*) DEMO_BUILD=$b ;;
	*) if [ -x "$PWD/$b/field-agent" ]; then DEMO_BUILD=$PWD/$b; else DEMO_BUILD=$TOP/$b; fi ;;
	esac
	for prog in collector field-agent; do
		[ -x "$DEMO_BUILD/$prog" ] || die "$DEMO_BUILD/$prog is missing: run 'make' first (or 'make demo')"
	done
	[ -n "$GR_PGBIN" ] && [ -x "$GR_PGBIN/initdb" ] ||
		die "the PostgreSQL server is not installed: run 'make deps'"
	command -v mosquitto >/dev/null || die "mosquitto is not installed: run 'make deps'"
	command -v sqlite3 >/dev/null || die "sqlite3 is not installed: run 'make deps'"

	# The servers' users (postgres, mosquitto) must reach their folders.
	mkdir -p "$DEMO/agents"
	chmod 755 "$TOP/.run" "$DEMO" "$DEMO/agents"
	if [ -f "$DEMO/demo.pid" ]; then
		other=$(cat "$DEMO/demo.pid")
		if [ "$other" != $$ ] && kill -0 "$other" 2>/dev/null &&
			tr '\0' ' ' <"/proc/$other/cmdline" 2>/dev/null | grep -q demo.sh; then
			die "another demo is running (pid $other)"
		fi
	fi
	echo $$ >"$DEMO/demo.pid"

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	echo "网格化矛盾纠纷上报 演示 -- grid-based dispute reporting, demo county 陆良县 ($COUNTY)"
	start_servers
	DEMO_SINCE=$(sql "SELECT now()")
	DEMO_SINCE_CST=$(sql "SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')")
	open_consoles
	simulate_county
	show_invalid
	show_resilience
	show_cases
	show_dispatch
	show_summary
	if [ "$DEMO_PROBLEMS" -gt 0 ]; then
		echo
		die "$DEMO_PROBLEMS check(s) of the demo failed (see the !! lines above)"
	fi
}

main "$@"
