#!/bin/bash
# test_upgrade.sh -- a county's database made by an earlier version is
# brought up to date by schema/migrate.sh, its data kept: migration 0022
# carries the case numbers of case_counter over to the county's sequences,
# so that the collector's next case follows the last one numbered before
# the upgrade.
. "$(dirname "$0")/lib.sh"

start_servers
YEAR=$(sql "SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')")
ADMIN="host=127.0.0.1 port=$GR_PG_PORT user=postgres"
OLD="$ADMIN dbname=county_old"

# The schema as it was before 0022: its migrations and what they read.
mkdir "$T_DIR/schema-0021"
cp "$GR_TOP/schema/migrate.sh" "$GR_TOP/schema/taxonomy.tsv" "$T_DIR/schema-0021/"
for f in "$GR_TOP"/schema/[0-9][0-9][0-9][0-9]_*.sql; do
	v=$(basename "$f")
	[ "${v%%_*}" -lt 22 ] && cp "$f" "$T_DIR/schema-0021/"
done
psql "$ADMIN dbname=postgres" -Xq -c "CREATE DATABASE county_old" >/dev/null
sh "$T_DIR/schema-0021/migrate.sh" "$OLD" >"$T_DIR/old-migrate.out" 2>&1
is "$(tail -n 1 "$T_DIR/old-migrate.out")" "migrate: applied 0021_double_check_count_index_only" \
	"a database at migration 0021"
psql "$OLD" -Xq -v ON_ERROR_STOP=1 -f "$GR_TOP/schema/demo/530322.sql" >/dev/null
# A county that numbered 41 cases this year and 17 last year.
psql "$OLD" -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO case_counter VALUES ('530322', $YEAR, 41), ('530322', $((YEAR - 1)), 17)"
# Last year's 17th case, red-carded from its township to the county, then
# visited twice (reopened between): the scores are in the events' notes
# only, the move to the county in the card's.
psql "$OLD" -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO report (id, schema_version, worker_id, device_id,
	grid_code, created_at, category, colour, people, summary) VALUES ('01JQ00000000000000000PGRDE', 1,
	'gw001', 'dev-gw001', '$(grid_of gw001)', now() - interval '1 year', '10', 'green', 1, 'x');
	INSERT INTO \"case\" (case_no, report_id, county_code, township_code, level, unit_code, state,
	response_due, resolve_due, route_rule, route_reason) VALUES ('530322-$((YEAR - 1))-000017',
	'01JQ00000000000000000PGRDE', '530322', '$(grid_of gw001 | cut -c1-9)', 'county',
	'530322', 'visited', now(), now(), 'territorial', 'x');
	INSERT INTO case_event (case_id, at, actor, from_state, to_state, note)
	SELECT id, now() - make_interval(days => d), a, f::case_state, t::case_state, n FROM \"case\",
	(VALUES (30, 'sweeper', 'accepted', 'supervised', '红牌督办 (red card): 逾期 15 天, 转县级督办'),
	(20, 'disp', 'resolved', 'visited', 'satisfaction 2: 不满意'),
	(10, 'disp', 'resolved', 'visited', 'satisfaction 5')) v (d, a, f, t, n)" >/dev/null
# Last year's 16th, escalated (上报) to the county by its dispatcher, then
# red-carded there; the 15th, yellow-carded and still its township's.
T1=$(grid_of gw001 | cut -c1-9)
psql "$OLD" -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO report (id, schema_version, worker_id, device_id,
	grid_code, created_at, category, colour, people, summary)
	SELECT '01JQ00000000000000000PGRD' || k, 1, 'gw001', 'dev-gw001', '$(grid_of gw001)',
	now() - interval '1 year', c, 'green', 1, 'x' FROM (VALUES ('A', '11'), ('B', '12')) v (k, c);
	INSERT INTO \"case\" (case_no, report_id, county_code, township_code, level, unit_code, state,
	response_due, resolve_due, route_rule, route_reason) VALUES
	('530322-$((YEAR - 1))-000016', '01JQ00000000000000000PGRDA', '530322', '$T1', 'county',
	'530322', 'supervised', now(), now(), 'territorial', 'x'),
	('530322-$((YEAR - 1))-000015', '01JQ00000000000000000PGRDB', '530322', '$T1', 'township',
	'$T1', 'supervised', now(), now(), 'territorial', 'x');
	INSERT INTO case_event (case_id, at, actor, from_state, to_state, note)
	SELECT c.id, now() - make_interval(days => d), a, f::case_state, t::case_state, n
	FROM \"case\" c JOIN (VALUES ('000016', 40, 'disp', 'accepted', 'escalated', '上报县级: 涉及多部门'),
	('000016', 20, 'sweeper', 'escalated', 'supervised', '红牌督办 (red card): 逾期 15 天, 转县级督办'),
	('000015', 5, 'sweeper', 'accepted', 'supervised', '黄牌督办 (yellow card): 逾期 3 天')) v (k, d, a, f, t, n)
	ON c.case_no = '530322-$((YEAR - 1))-' || v.k" >/dev/null

out=$("$GR_TOP/schema/migrate.sh" "$OLD" 2>&1)
is "$(printf '%s\n' "$out" | head -n 1)" "migrate: applied 0022_case_number_sequences" \
	"migrate.sh applies 0022 to it first"
is "$(printf '%s\n' "$out" | grep -cv '^migrate: applied [0-9]\{4\}_[a-z0-9_]*$')" 0 \
	"and prints nothing but the migrations it applied"
is "$(psql "$OLD" -XAtq -c "SELECT to_regclass('case_counter') IS NULL")" t \
	"case_counter is gone"
is "$(psql "$OLD" -XAtq -c "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relkind = 'S' AND relname LIKE 'case\\_no\\_%'")" \
	"case_no_530322_$((YEAR - 1)) case_no_530322_$YEAR case_no_530322_$((YEAR + 1))" \
	"a sequence for each year counted, and next year's made ahead"
is "$(psql "$OLD" -XAtq -c "SELECT last_value FROM case_no_530322_$((YEAR - 1))")" 17 \
	"last year's sequence stands at its last number"

GR_DB=$OLD gr_collector_start "$T_DIR" "$BUILD"
agent gw001 -W 20 report --grid "$(grid_of gw001)" --category 10 --colour green \
	--people 1 --summary "升级之后" >/dev/null
is "$?" 0 "a report is stored in the upgraded database"
is "$(psql "$OLD" -XAtq -c "SELECT string_agg(satisfaction::text, ' ' ORDER BY id) FROM case_event WHERE to_state = 'visited'")" \
	"2 5" "the visits made before 0042 have their scores, from their notes"
is "$(psql "$OLD" -XAtq -c "SELECT c.escalated_at = e.at FROM \"case\" c JOIN case_event e ON e.case_id = c.id AND e.to_state = 'supervised' WHERE c.report_id = '01JQ00000000000000000PGRDE'")" \
	t "a case carded to the county before 0043 is escalated since its card"
is "$(psql "$OLD" -XAtq -c "SELECT c.escalated_at = e.at FROM \"case\" c JOIN case_event e ON e.case_id = c.id AND e.to_state = 'escalated' WHERE c.report_id = '01JQ00000000000000000PGRDA'")" \
	t "... one its dispatcher escalated, since that escalation, not its later card"
is "$(psql "$OLD" -XAtq -c "SELECT escalated_at IS NULL FROM \"case\" WHERE report_id = '01JQ00000000000000000PGRDB'")" \
	t "... and a township case yellow-carded is not escalated"
is "$(psql "$OLD" -XAtq -c "SELECT case_no FROM \"case\" WHERE report_id NOT LIKE '01JQ00000000000000000PGRD_'")" "530322-$YEAR-000042" \
	"its case is this year's 42nd"

# A migration that fails stops the run: it leaves nothing of itself and is
# not recorded, and those before it stay applied.  Each migration starts
# from a clean session, whatever the one before it set.
mkdir "$T_DIR/schema-bad"
cp "$GR_TOP/schema/migrate.sh" "$T_DIR/schema-bad/"
cat >"$T_DIR/schema-bad/0001_first.sql" <<'SQL'
CREATE TABLE first_table (n int);
SET default_transaction_read_only = on;
SQL
cat >"$T_DIR/schema-bad/0002_second.sql" <<'SQL'
CREATE TABLE second_table (n int);
SQL
cat >"$T_DIR/schema-bad/0003_broken.sql" <<'SQL'
CREATE TABLE broken_table (n int);
SELECT 1 / 0;
SQL
cat >"$T_DIR/schema-bad/0004_after.sql" <<'SQL'
CREATE TABLE after_table (n int);
SQL
psql "$ADMIN dbname=postgres" -Xq -c "CREATE DATABASE county_bad" >/dev/null
BAD="$ADMIN dbname=county_bad"
out=$(sh "$T_DIR/schema-bad/migrate.sh" "$BAD" 2>&1)
rc=$?
check "migrate.sh fails when a migration fails" [ "$rc" -ne 0 ]
case $out in
*"applied 0002_second"*"0003_broken.sql"*"division by zero"*) ok "and says which migration failed, and why, after the lines of those applied" ;;
*) not_ok "and says which migration failed, and why (got: $out)" ;;
esac
is "$(psql "$BAD" -XAtq -c "SELECT string_agg(version, ' ' ORDER BY version) FROM schema_migrations")" \
	"0001_first 0002_second" "the migrations before it are recorded, it is not"
is "$(psql "$BAD" -XAtq -c "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE '%\\_table'")" \
	"first_table second_table" "its own work is undone and nothing after it ran"
