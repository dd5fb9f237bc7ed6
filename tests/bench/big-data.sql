-- big-data.sql -- a county's backlog for the large-database benchmark
-- (tests/bench/scale.sh big): :n reports received over the 365 days before
-- now, in the demo county's registered worker-grid pairs, each with its
-- case (number of its year), two parties (a petitioner with a phone of
-- its own, a respondent) and the case's two events (received, routed).
-- The mix is grload's: 10 % red, 30 % yellow, the rest green, 1 to 4
-- people, the 18 top-level classes.  Cases older than 30 days are closed,
-- those of the last 30 days accepted (with an accepted event) and those of
-- the last day routed, so that none is overdue: the collector's sweep
-- finds the work of a county that keeps its deadlines.  4 % of the cases
-- repeat an earlier one (repeat_of), as in analyst-data.sql.
-- Loaded by the superuser with triggers and foreign-key checks off
-- (session_replication_role = replica), so the rows are made consistent
-- here: case_flagged (0013) gets the red and group cases, flagged_day
-- (0035) their number per township and day, accepted_at (0020) the time
-- of the accepted event, and each year's case number sequence (0022) its
-- last number, so that the collector's next case numbers follow.  Then
-- VACUUM (ANALYZE): a county's year of history has long been vacuumed by
-- autovacuum, its pages all-visible and their hint bits set.  Freshly
-- bulk-loaded, they are neither: the measured stage would set them page
-- by page as it reads (WAL and writes that a running county does not
-- pay), with autovacuum working through the new tables beside it.
\set ON_ERROR_STOP 1
\o /dev/null
SET session_replication_role = replica;

CREATE TEMP TABLE pairs AS
	SELECT row_number() OVER (ORDER BY wg.worker_id, wg.grid_code) - 1 AS k,
		wg.worker_id, wg.grid_code, g.village_code
	FROM worker_grid wg JOIN worker w ON w.id = wg.worker_id
	JOIN grid g ON g.code = wg.grid_code WHERE w.active;
CREATE TEMP TABLE cats (k int, code text);
INSERT INTO cats SELECT i - 1, (ARRAY['01','02','03','05','06','07','09',
	'10','11','12','13','14','15','17','18','19','20','21'])[i]
	FROM generate_series(1, 18) i;

-- One row per report, the case's number made from its rank in its year.
CREATE TEMP TABLE b AS
SELECT i,
	'0' || lpad(upper(to_hex(i)), 25, '0') AS id,
	now() - interval '365 days' * (1 - i::double precision / :n)
		- interval '1 minute' AS t,
	i % (SELECT count(*) FROM pairs) AS pk,
	(i / 7) % 18 AS ck,
	CASE WHEN i % 10 = 0 THEN 'red' WHEN i % 10 < 4 THEN 'yellow'
		ELSE 'green' END::colour AS colour,
	1 + i % 4 AS people
FROM generate_series(1, :n) i;
ALTER TABLE b ADD COLUMN y int;
UPDATE b SET y = extract(year FROM t AT TIME ZONE 'Asia/Shanghai')::int;
ALTER TABLE b ADD COLUMN no bigint;
UPDATE b SET no = s.no FROM (SELECT i, row_number() OVER (PARTITION BY y
	ORDER BY i) AS no FROM b) s WHERE s.i = b.i;

INSERT INTO report (id, schema_version, worker_id, device_id, grid_code,
	created_at, occurred_at, received_at, category, item, colour, people,
	amount_fen, summary, description, lat, lon, address, channel)
SELECT b.id, 1, p.worker_id, 'bulk', p.grid_code, b.t, b.t - interval '1 hour',
	b.t, c.code, c.code || '01', b.colour, b.people, 8600000,
	'批量载入的历史上报', '用于大库基准测试的历史上报。', 25.03, 103.67,
	'陆良县', 'grid_visit'
FROM b JOIN pairs p ON p.k = b.pk JOIN cats c ON c.k = b.ck;

INSERT INTO party (report_id, idx, role, name, phone, organisation)
SELECT b.id, 1, 'petitioner'::party_role, '某甲', '138' || lpad((b.i % 100000000)::text, 8, '0'), NULL
FROM b
UNION ALL
SELECT b.id, 2, 'respondent'::party_role, '某公司', NULL, '某公司' FROM b;

INSERT INTO "case" (id, case_no, report_id, county_code, township_code,
	level, unit_code, state, opened_at, response_due, resolve_due,
	route_rule, route_reason, updated_at, repeat_of, accepted_at)
SELECT b.i, '530322-' || b.y || '-' || lpad(b.no::text, greatest(6,
	length(b.no::text)), '0'), b.id, '530322', substr(p.village_code, 1, 9),
	'township', substr(p.village_code, 1, 9),
	CASE WHEN b.t < now() - interval '30 days' THEN 'closed'
		WHEN b.t < now() - interval '1 day' THEN 'accepted'
		ELSE 'routed' END::case_state,
	b.t, b.t + interval '3 days', b.t + interval '30 days', 'territorial',
	'属地管理', b.t, CASE WHEN b.i % 25 = 0 AND b.i > 1000 THEN b.i - 1000 END,
	CASE WHEN b.t < now() - interval '1 day' THEN b.t + interval '2 hours' END
FROM b JOIN pairs p ON p.k = b.pk;
SELECT setval(pg_get_serial_sequence('"case"', 'id'),
	(SELECT max(id) FROM "case"));

INSERT INTO case_event (case_id, at, actor, from_state, to_state, note)
SELECT b.i, b.t, 'collector', NULL::case_state, 'received'::case_state, NULL FROM b
UNION ALL
SELECT b.i, b.t, 'collector', 'received'::case_state, 'routed'::case_state, '属地管理' FROM b
UNION ALL
SELECT b.i, b.t + interval '2 hours', 'disp', 'routed'::case_state,
	'accepted'::case_state, NULL FROM b
WHERE b.t < now() - interval '1 day';

INSERT INTO case_flagged (case_id, township_code, opened_at, case_no)
SELECT c.id, c.township_code, c.opened_at, c.case_no
FROM "case" c JOIN b ON b.i = c.id
WHERE b.colour = 'red' OR b.people >= 5;
INSERT INTO flagged_day (township_code, day, cases)
SELECT f.township_code, gr_utc_day(f.opened_at), count(*)
FROM case_flagged f GROUP BY 1, 2;

SELECT setval(gr_case_no_seq('530322', y), max(no)) FROM b GROUP BY y;

RESET session_replication_role;
VACUUM (ANALYZE);
\o
