-- analyst-data.sql -- a year of a county for the analyst benchmark
-- (tests/bench/analyst.sh): :n reports (1,000,000 by default) received
-- across 2025 in the grids of the demo county 530322, each with its case,
-- a petitioner and the events of its workflow, drawn at random with a
-- fixed seed.  Loaded by the superuser with triggers and foreign-key
-- checks off (session_replication_role = replica): the rows are made
-- consistent here.
--
-- Mix: 10 % marked resolved on the spot; 3 % groups of 5 to 30 people;
-- 4 % red; 3 % refused; 5 % still open (some supervised or escalated);
-- the rest resolved in 0.5 to 45 days, 5 % of them after an escalation,
-- 3 % after a reopen, 4 % after supervision; 85 % of the resolved visited
-- with a score; 4 % repeat an earlier case.
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SELECT setseed(0.42);

CREATE TEMP TABLE g AS
	SELECT row_number() OVER (ORDER BY wg.grid_code) - 1 AS gi, wg.grid_code,
		min(wg.worker_id) AS worker_id
	FROM worker_grid wg WHERE wg.grid_code LIKE '530322%'
	GROUP BY wg.grid_code;

-- One row per report with every random draw the rest needs.
CREATE TEMP TABLE d AS
SELECT	i,
	'2025-01-01 00:00+08'::timestamptz + random() * interval '365 days' AS t,
	floor(random() * (SELECT count(*) FROM g))::int AS gi,
	lpad((1 + floor(random() ^ 1.5 * 21))::text, 2, '0') AS category,
	random() AS u_colour,
	CASE WHEN random() < 0.03 THEN 5 + floor(random() * 26)::int
		ELSE 1 + floor(random() * 4)::int END AS people,
	random() < 0.10 AS on_spot, random() AS u_outcome, random() AS u_path,
	0.5 + random() ^ 2 * 44.5 AS days, random() AS u_visit,
	random() AS u_score, random() < 0.04 AS is_repeat
FROM generate_series(1, :n) AS i;

INSERT INTO report (id, schema_version, worker_id, device_id, grid_code,
	created_at, received_at, category, colour, people, summary,
	resolved_on_spot)
SELECT	upper(lpad(to_hex(d.i), 26, '0')), 1, g.worker_id, 'dev-' || g.worker_id,
	g.grid_code, d.t, d.t, d.category,
	CASE WHEN d.u_colour < 0.04 THEN 'red' WHEN d.u_colour < 0.30 THEN 'yellow'
		ELSE 'green' END::colour,
	d.people, '纠纷 ' || d.i, d.on_spot
FROM d JOIN g USING (gi);

INSERT INTO party (report_id, idx, role, name, phone, id_number)
SELECT upper(lpad(to_hex(d.i), 26, '0')), 1, 'petitioner', '张三',
	'139' || lpad((d.i % 100000000)::text, 8, '0'),
	'530322' || lpad((d.i % 100000000)::text, 8, '0') || '1234'
FROM d;

-- Outcome: 'refused', 'open' or 'resolved'; path: how it got there.
CREATE TEMP TABLE o AS
SELECT	d.i, d.t, d.days, d.u_visit, d.u_score, d.is_repeat, g.grid_code,
	substr(g.grid_code, 1, 9) AS township,
	CASE WHEN d.u_outcome < 0.03 THEN 'refused'
		WHEN d.u_outcome < 0.08 THEN 'open' ELSE 'resolved' END AS outcome,
	CASE WHEN d.u_path < 0.05 THEN 'escalated' WHEN d.u_path < 0.08 THEN 'reopened'
		WHEN d.u_path < 0.12 THEN 'supervised' ELSE 'direct' END AS path,
	d.u_colour < 0.04 OR d.people >= 5 AS county,
	CASE WHEN d.u_colour < 0.04 THEN 15 WHEN d.u_colour < 0.30 THEN 30
		ELSE 60 END AS resolve_days
FROM d JOIN g USING (gi);

INSERT INTO "case" (id, case_no, report_id, county_code, township_code, level,
	unit_code, state, opened_at, response_due, resolve_due, route_rule,
	route_reason, resolved_at, closed_at, satisfaction, supervision,
	supervised_at, repeat_of, escalated_at)
SELECT	o.i, '530322-2025-' || lpad(o.i::text, 7, '0'),
	upper(lpad(to_hex(o.i), 26, '0')), '530322', o.township,
	CASE WHEN o.county OR o.path = 'escalated' THEN 'county' ELSE 'township' END::route_level,
	CASE WHEN o.county OR o.path = 'escalated' THEN '530322' ELSE o.township END,
	(CASE o.outcome
		WHEN 'refused' THEN 'refused'
		WHEN 'open' THEN CASE o.path WHEN 'escalated' THEN 'escalated'
			WHEN 'supervised' THEN 'supervised' ELSE 'assigned' END
		ELSE CASE WHEN o.u_visit < 0.80 THEN 'closed'
			WHEN o.u_visit < 0.85 THEN 'visited' ELSE 'resolved' END
	END)::case_state,
	o.t, gr_deadline(o.t, 3), gr_deadline(o.t, o.resolve_days),
	CASE WHEN o.county THEN 'group' ELSE 'territorial' END, 'bench',
	CASE WHEN o.outcome = 'resolved' THEN o.t + o.days * interval '1 day' END,
	CASE WHEN o.outcome = 'refused' THEN o.t + interval '1 day'
		WHEN o.outcome = 'resolved' AND o.u_visit < 0.80
		THEN o.t + (o.days + 3) * interval '1 day' END,
	CASE WHEN o.outcome = 'resolved' AND o.u_visit < 0.85 THEN
		CASE WHEN o.u_score < 0.60 THEN 5 WHEN o.u_score < 0.90 THEN 4
			WHEN o.u_score < 0.96 THEN 3 WHEN o.u_score < 0.99 THEN 2
			ELSE 1 END END,
	CASE WHEN o.path = 'supervised' THEN 1 ELSE 0 END,
	CASE WHEN o.path = 'supervised' THEN gr_deadline(o.t, o.resolve_days) END,
	CASE WHEN o.is_repeat AND o.i > 1000 THEN o.i - 1 - (o.i % 997) END,
	CASE WHEN o.path = 'escalated' AND NOT o.county
		THEN o.t + interval '3 hours' END
FROM o;
SELECT setval('case_id_seq', (SELECT max(id) FROM "case"));

-- The events of each case, in order.
INSERT INTO case_event (case_id, at, actor, from_state, to_state, note,
	satisfaction)
SELECT o.i, e.at, e.actor, e.f::case_state, e.s::case_state, e.note,
	CASE WHEN e.s = 'visited' THEN k.satisfaction END
FROM o JOIN "case" k ON k.id = o.i
CROSS JOIN LATERAL (VALUES
	(1, o.t, 'collector', NULL, 'received', NULL, true),
	(2, o.t, 'collector', 'received', 'routed', 'bench', true),
	(3, o.t + interval '1 day', 'disp', 'routed', 'refused', '不属受理范围',
		o.outcome = 'refused'),
	(4, o.t + interval '2 hours', 'disp', 'routed', 'accepted', NULL,
		o.outcome <> 'refused'),
	(5, o.t + interval '3 hours', 'disp', 'accepted', 'escalated', '需县级协调',
		o.outcome <> 'refused' AND o.path = 'escalated'),
	(6, o.t + interval '4 hours', 'disp', 'escalated', 'accepted', NULL,
		o.outcome = 'resolved' AND o.path = 'escalated'),
	(7, k.resolve_due, 'sweeper', 'accepted', 'supervised', '督办',
		o.outcome <> 'refused' AND o.path = 'supervised'),
	(8, o.t + o.days * interval '0.5 day', 'disp', 'accepted', 'resolved', NULL,
		o.outcome = 'resolved' AND o.path = 'reopened'),
	(9, o.t + o.days * interval '0.6 day', 'disp', 'resolved', 'reopened', '不认可',
		o.outcome = 'resolved' AND o.path = 'reopened'),
	(10, o.t + o.days * interval '0.7 day', 'disp', 'reopened', 'accepted', NULL,
		o.outcome = 'resolved' AND o.path = 'reopened'),
	(11, k.resolved_at, 'disp', CASE WHEN o.path = 'supervised' THEN 'supervised'
		ELSE 'accepted' END, 'resolved', NULL, o.outcome = 'resolved'),
	(12, k.resolved_at + interval '2 days', 'disp', 'resolved', 'visited',
		'satisfaction ' || k.satisfaction, k.satisfaction IS NOT NULL),
	(13, k.closed_at, 'disp', 'visited', 'closed', NULL,
		o.outcome = 'resolved' AND k.closed_at IS NOT NULL)
) AS e (n, at, actor, f, s, note, present)
WHERE e.present
ORDER BY o.i, e.n;

RESET session_replication_role;
