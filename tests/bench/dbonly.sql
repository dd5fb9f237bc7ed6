-- dbonly.sql -- pgbench script: the collector's per-report transaction
-- without MQTT, for the "database alone" ceiling.  The statements are
-- those of collector/store.c, store_report(), with its parameters filled
-- in: duplicate check, registration and repeat check (gr_find_repeat),
-- report, two parties, case with its number from the county's sequence and two
-- events, commit.  Keep them in step with store.c.  The collector's
-- batch path (store_batch) runs the same work as four set-based
-- statements per batch ("checks", "reports", "parties", "cases" in
-- store.c); this script keeps the per-report form, the database's
-- ceiling for one report per transaction.  Run by
-- tests/bench/run.sh as
--   pgbench -n -M prepared -f dbonly.sql -D npairs=N ...
-- against a database holding bench_pair (k, worker_id, grid_code) and the
-- sequence bench_seq.  The first statement, outside the transaction, picks
-- a registered worker and grid and a class, and mints a report id and a
-- petitioner's phone: the collector has those in hand, so this round trip
-- is the script's own.  The route is the township's, or the county's for a
-- repeat of an open case (rule repeat-open), as the default rules decide
-- for a yellow report.
\set p random(1, :npairs)
\set c random(1, 18)
SELECT b.worker_id AS w, b.grid_code AS g, substr(b.grid_code, 1, 9) AS t, (ARRAY['01','02','03','05','06','07','09','10','11','12','13','14','15','17','18','19','20','21'])[:c] AS cat, (ARRAY['01','02','03','05','06','07','09','10','11','12','13','14','15','17','18','19','20','21'])[:c] || '01' AS item, 'DB' || lpad(upper(to_hex(s.seq)), 24, '0') AS id, '{139' || lpad((s.seq % 100000000)::text, 8, '0') || '}' AS phones, '139' || lpad((s.seq % 100000000)::text, 8, '0') AS phone, (extract(epoch FROM now()) * 1000)::bigint AS ms FROM bench_pair b, (SELECT nextval('bench_seq') AS seq) s WHERE b.k = :p \gset
BEGIN;
SELECT r.worker_id, c.case_no, c.unit_code, d.name_zh, c.level, c.state, (extract(epoch FROM c.opened_at) * 1000)::bigint, (extract(epoch FROM c.response_due) * 1000)::bigint, (extract(epoch FROM c.resolve_due) * 1000)::bigint FROM report r JOIN "case" c ON c.report_id = r.id JOIN division d ON d.code = c.unit_code WHERE r.id = :id;
SELECT w.active AS active, g.code IS NOT NULL AS grid_ok, wg.worker_id IS NOT NULL AS registered, cat.county_level AS county_level, (:item::text IS NULL OR it.code IS NOT NULL) AS item_ok, coalesce(rep.open, false) AS rep_open, coalesce(rep.case_id::text, '') AS rep_id, coalesce(rep.case_no, '') AS rep_no FROM (SELECT 1) one LEFT JOIN gr_find_repeat(NULL, :g, :cat, :phones::text[], '{}'::text[]) rep ON true LEFT JOIN worker w ON w.id = :w LEFT JOIN grid g ON g.code = :g LEFT JOIN worker_grid wg ON wg.worker_id = :w AND wg.grid_code = :g LEFT JOIN category cat ON cat.code = :cat AND cat.parent_code IS NULL LEFT JOIN category it ON it.code = :item AND it.parent_code = :cat \gset
INSERT INTO report (id, schema_version, worker_id, device_id, grid_code, created_at, occurred_at, category, item, colour, people, amount_fen, summary, description, lat, lon, address, resolved_on_spot, channel, link_report_id) VALUES (:id, 1, :w, 'pgbench', :g, to_timestamp(:ms::bigint / 1000.0), to_timestamp((:ms::bigint - 3600000) / 1000.0), :cat, :item, 'yellow'::colour, 2, 8600000, '建筑工地拖欠农民工工资, 工人到村委会反映', '某建筑工地包工头拖欠十余名农民工近三个月工资, 工人多次讨要未果, 情绪激动, 网格员现场了解情况并登记, 需相关部门协调处理。', 25.03, 103.67, '陆良县中枢街道东门社区', false, 'grid_visit'::channel, NULL) ON CONFLICT (id) DO NOTHING RETURNING id;
INSERT INTO party (report_id, idx, role, name, phone, id_number, organisation) VALUES (:id, 1, 'petitioner'::party_role, '张某', :phone, NULL, NULL);
INSERT INTO party (report_id, idx, role, name, phone, id_number, organisation) VALUES (:id, 2, 'respondent'::party_role, '某建筑公司', NULL, NULL, '某建筑公司');
WITH yr AS (SELECT gr_case_year() AS y), n AS (SELECT x.no AS last_no, yr.y AS year FROM yr, gr_case_numbers(ARRAY['530322'], yr.y) x), p AS (SELECT response_days, resolve_days FROM deadline_policy WHERE colour = 'yellow'::colour), c AS (INSERT INTO "case" (case_no, report_id, county_code, township_code, level, unit_code, state, response_due, resolve_due, route_rule, route_reason, repeat_of) SELECT '530322' || '-' || n.year || '-' || lpad(n.last_no::text, greatest(6, length(n.last_no::text)), '0'), :id, '530322', :t, (CASE WHEN :rep_open::boolean THEN 'county' ELSE 'township' END)::route_level, CASE WHEN :rep_open::boolean THEN '530322' ELSE :t END, 'routed', gr_deadline(now(), least(coalesce(NULL::int, p.response_days), coalesce(NULL::int, p.resolve_days))), gr_deadline(now(), coalesce(NULL::int, p.resolve_days)), CASE WHEN :rep_open::boolean THEN 'repeat-open' ELSE 'territorial' END, CASE WHEN :rep_open::boolean THEN '重复反映, 原案件尚未办结' ELSE '属地管理' END, nullif(:rep_id, '')::bigint FROM n, p RETURNING id, case_no, opened_at, response_due, resolve_due), e AS (INSERT INTO case_event (case_id, actor, from_state, to_state, note) SELECT id, 'collector', NULL::case_state, 'received'::case_state, NULL FROM c UNION ALL SELECT id, 'collector', 'received', 'routed', concat_ws('; ', CASE WHEN :rep_open::boolean THEN '重复反映, 原案件尚未办结' ELSE '属地管理' END, '重访 (repeat of ' || nullif(:rep_no, '') || ')') FROM c) SELECT c.case_no, (SELECT name_zh FROM division WHERE code = CASE WHEN :rep_open::boolean THEN '530322' ELSE :t END), (extract(epoch FROM c.opened_at) * 1000)::bigint, (extract(epoch FROM c.response_due) * 1000)::bigint, (extract(epoch FROM c.resolve_due) * 1000)::bigint FROM c;
COMMIT;
