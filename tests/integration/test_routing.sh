#!/bin/bash
# test_routing.sh -- routing rules as data: the defaults of DESIGN.md 6
# (township by default; county for red, groups of 5 or more, county-level
# categories and repeats of an open case), deadlines per colour and rule,
# and a rule changed in the database routing the next report without a
# restart (NOTIFY) or after SIGHUP.
. "$(dirname "$0")/lib.sh"

start_servers
gr_collector_start "$T_DIR" "$BUILD"
subscribe county 'gr/v1/dispatch/530322'
G=$(grid_of gw001)
T=${G:0:9}
LOG=$T_DIR/collector.log

# report ARGS...: send a report as gw001; prints its id
report() {
	agent gw001 -W 20 report --grid "$G" --summary "路由测试" "$@" | cut -d: -f1
}
# routed ID: "level unit rule" of the report's case
routed() { sql "SELECT level || ' ' || unit_code || ' ' || route_rule FROM \"case\" WHERE report_id = '$1'"; }
# days ID: whole days from opening to the resolution deadline
days() { sql "SELECT extract(day FROM resolve_due - date_trunc('day', opened_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')::int - 1 FROM \"case\" WHERE report_id = '$1'"; }
# reloaded N: wait until the collector logged more than N rule loads
reloads() { grep -c "event=rules-loaded" "$LOG"; }
reloaded() {
	gr_wait_for 20 "the rules to reload" sh -c "[ \$(grep -c 'event=rules-loaded' '$LOG') -gt $1 ]"
}

green=$(report --category 10 --colour green --people 2)
is "$(routed "$green")" "township $T territorial" "a green neighbour dispute stays in the township"
is "$(days "$green")" 60 "green: resolve within 60 days"
red=$(report --category 10 --colour red --people 1)
is "$(routed "$red")" "county 530322 red" "a red report goes to the county"
is "$(days "$red")" 15 "red: resolve within 15 days"
is "$(sql "SELECT route_reason FROM \"case\" WHERE report_id = '$red'")" "红色风险, 县级办理" \
	"the case records why it was routed"
group=$(report --category 10 --colour yellow --people 5)
is "$(routed "$group")" "county 530322 group" "a group of 5 goes to the county"
four=$(report --category 11 --colour yellow --people 4)
is "$(routed "$four")" "township $T territorial" "4 people stay in the township"
lit=$(report --category 08 --colour green --people 1)
is "$(routed "$lit")" "county 530322 county-category" "a litigation-related report goes to the county"
again=$(report --category 10 --colour green --people 2 --link "$green")
is "$(routed "$again")" "county 530322 repeat-open" "a repeat of an open case goes to the county"
is "$(sql "SELECT link_report_id FROM report WHERE id = '$again'")" "$green" "the repeat keeps its link"
gr_wait_for 20 "county dispatch entries" sh -c "[ \$(grep '^gr/v1/dispatch/530322 ' '$T_DIR/county.sub' | '$GRMSG' notice | grep -c '^case ') -ge 4 ]"
is "$(messages county | "$GRMSG" case | grep -c "unit=530322 ")" 4 \
	"the county's four cases are on the county's dispatch feed"

# A rule changed in the database routes the next report, no restart.
n=$(reloads)
sql "UPDATE route_rule SET min_people = 10 WHERE name = 'group'" >/dev/null
reloaded "$n"
six=$(report --category 12 --colour yellow --people 6)
is "$(routed "$six")" "township $T territorial" "after raising the group size to 10, 6 people stay in the township"
n=$(reloads)
sql "INSERT INTO route_rule (name, priority, category, level, resolve_days, reason)
	VALUES ('neighbours-county', 5, '10', 'county', 10, '试点: 邻里纠纷县级办理')" >/dev/null
reloaded "$n"
pilot=$(report --category 10 --colour green --people 1)
is "$(routed "$pilot")" "county 530322 neighbours-county" "a new rule takes the next report"
is "$(days "$pilot")" 10 "the rule's own deadline applies"
is "$(sql "SELECT route_reason FROM \"case\" WHERE report_id = '$pilot'")" "试点: 邻里纠纷县级办理" \
	"the new rule's reason is recorded"

# SIGHUP reloads too; with no rule left the township takes the report.
sql "ALTER TABLE route_rule DISABLE TRIGGER route_rule_notify;
	UPDATE route_rule SET enabled = false;
	ALTER TABLE route_rule ENABLE TRIGGER route_rule_notify" >/dev/null
n=$(grep -c "source=sighup" "$LOG")
kill -HUP "$GR_COLLECTOR_PID"
gr_wait_for 20 "the SIGHUP reload" sh -c "[ \$(grep -c 'source=sighup' '$LOG') -gt $n ]"
none=$(report --category 08 --colour red --people 9)
is "$(routed "$none")" "township $T default" "with every rule disabled the township takes the report"
check "a report routed by no rule is logged" grep -q "event=no-route-rule report=$none" "$LOG"

# Repeat petitions (重访): the same petitioner, or the same grid and category
# within the window, link a report to the earlier case.
sql "ALTER TABLE route_rule DISABLE TRIGGER route_rule_notify;
	UPDATE route_rule SET enabled = true WHERE name <> 'neighbours-county';
	UPDATE route_rule SET min_people = 5 WHERE name = 'group';
	ALTER TABLE route_rule ENABLE TRIGGER route_rule_notify" >/dev/null
n=$(grep -c "source=sighup" "$LOG")
kill -HUP "$GR_COLLECTOR_PID"
gr_wait_for 20 "the SIGHUP reload" sh -c "[ \$(grep -c 'source=sighup' '$LOG') -gt $n ]"
repeat_of() { sql "SELECT coalesce(o.case_no, '-') FROM \"case\" c LEFT JOIN \"case\" o ON o.id = c.repeat_of WHERE c.report_id = '$1'"; }
G5=$(grid_of gw005)
ID=11010519491231002X
r1=$(report --category 13 --colour green --people 1 --party "petitioner:甲:13911112222")
is "$(routed "$r1")" "township $T territorial" "a first petition stays in the township"
r2=$(agent gw005 -W 20 report --grid "$G5" --category 14 --colour green --people 1 \
	--summary "另一网格" --party "petitioner:甲:13911112222" | cut -d: -f1)
is "$(repeat_of "$r2")" "$(caseof "$r1")" "the same petitioner's phone in another grid links to the earlier case"
is "$(routed "$r2")" "county 530322 repeat-open" "a repeat of an open case goes to the county"
check "the routing event names the repeated case" sh -c "psql '$GR_DB' -XAtq -c \"SELECT note FROM case_event e JOIN \\\"case\\\" c ON c.id = e.case_id WHERE c.report_id = '$r2' AND to_state = 'routed'\" | grep -q '重访 (repeat of $(caseof "$r1"))'"
r3=$(report --category 13 --colour green --people 1)
is "$(repeat_of "$r3")" "$(caseof "$r1")" "the same grid and category within the window link too"
r4=$(report --category 15 --colour green --people 1 --party "petitioner:乙::$ID")
is "$(repeat_of "$r4")" - "a new matter links to nothing"
sql "UPDATE \"case\" SET state = 'closed' WHERE report_id = '$r4'" >/dev/null
r5=$(agent gw005 -W 20 report --grid "$G5" --category 17 --colour green --people 1 \
	--summary "身份证号相同" --party "petitioner:乙::$ID" | cut -d: -f1)
is "$(repeat_of "$r5")" "$(caseof "$r4")" "the same ID-card number links to the earlier case"
is "$(routed "$r5")" "township ${G5:0:9} territorial" "a repeat of a closed case stays in the township"
# The search of a whole batch (gr_find_repeats: a row per report that
# repeats a case, k in batch order): the link's case whatever its age; a
# link to no case falls back to the search; else the newest hit that has
# a case, by grid and category, phone or ID number (k 4: the ID number's
# hit is newer than the grid's); no hit, no row.
is "$(sql "SELECT string_agg(k || ':' || case_no, ' ' ORDER BY k) FROM gr_find_repeats(
	ARRAY[NULL, '$r1', NULL, NULL, '01KZZZZZZZZZZZZZZZZZZZZZZZ', NULL, NULL],
	ARRAY['$G', '$G', '$G', '$G', '$G', '$G', '$G'],
	ARRAY['13', '13', '15', '13', '13', '16', 'none'],
	ARRAY['{}', '{}', '{13911112222}', '{}', '{}', '{13911112222}', '{}'],
	ARRAY['{}', '{}', '{}', '{$ID}', '{}', '{}', '{}'])")" \
	"1:$(caseof "$r3") 2:$(caseof "$r1") 3:$(caseof "$r4") 4:$(caseof "$r5") 5:$(caseof "$r3") 6:$(caseof "$r2")" \
	"the repeat search of a batch answers each report as its own search would"
sql "UPDATE setting SET value = '0' WHERE name = 'repeat_window_days'" >/dev/null
r6=$(report --category 13 --colour green --people 1)
is "$(repeat_of "$r6")" - "outside the window the same grid and category are a new matter"
