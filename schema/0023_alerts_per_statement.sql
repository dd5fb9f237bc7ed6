-- 0023_alerts_per_statement.sql -- the alerts of new cases are raised once
-- per statement, for all the cases it inserted, not once per case.
--
-- gr_case_alerts() (0010 to 0021) ran for each new case: five to eight
-- statements of its own, each started and ended by the executor for one
-- row.  A batch of the collector inserts its cases in one statement, so
-- that was a few hundred statements per batch, and with the foreign-key
-- checks of the rows they wrote, half of the backend's time per report
-- (make bench, perf).  gr_cases_alerts() is an AFTER ... FOR EACH
-- STATEMENT trigger that reads the statement's new cases from its
-- transition table (new_cases) and raises their alerts in three
-- statements.
--
-- Same alerts, same notes, same related case numbers, and in the same
-- order of ids (case by case: repeat, group, 一案双查), as if the cases had
-- been inserted one by one in the order of their ids:
--
-- - repeat: the n-th case on the matter counts the cases with the same
--   repeat_of up to its own id, the later ones of the statement included
--   in the table but not counted, as before;
-- - 一案双查: each red or group case counts the township's flagged cases
--   of the window less itself and less the cases of the same statement
--   with a higher id (which, one by one, were not flagged yet), and lists
--   the latest 20 of the others on the same terms.
--
-- The townships' locks are taken first, all of them, in the order of
-- gr_lock_townships() (0022); the collector's batch holds them already.
--
-- Made for the collector's batches (up to a hundred cases): the later
-- cases of the statement are found by reading all of its flagged cases
-- for each one, so a single statement of thousands of cases costs time
-- in their square (8,000 red or green cases: 177 s, against 10 s one by
-- one).  Bulk loads run with triggers off and fill case_flagged
-- themselves (tests/bench/big-data.sql).
DROP TRIGGER case_alerts ON "case";
DROP FUNCTION gr_case_alerts();

CREATE FUNCTION gr_cases_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	days	integer;
BEGIN
	-- Each new case's report (and a repeat's earlier case) is read by
	-- its key, case by case: OFFSET 0 keeps the planner from joining
	-- them by a hash of the whole table, the plan it would keep from a
	-- time the table was small.
	--
	-- One red or group case of a township at a time, until commit.
	PERFORM gr_lock_townships(array_agg(n.township_code),
		array_agg(rp.colour::text), array_agg(rp.people))
	FROM new_cases n CROSS JOIN LATERAL (SELECT r.people, r.colour
		FROM report r WHERE r.id = n.report_id OFFSET 0) rp;

	INSERT INTO case_flagged (case_id, township_code, opened_at, case_no)
	SELECT n.id, n.township_code, n.opened_at, n.case_no
	FROM new_cases n CROSS JOIN LATERAL (SELECT r.people, r.colour
		FROM report r WHERE r.id = n.report_id OFFSET 0) rp
	WHERE rp.colour = 'red' OR rp.people >= 5
	ORDER BY n.id;
	-- read only when a case is red or group, as one by one: no 一案双查
	-- without it (days NULL)
	IF FOUND THEN
		SELECT value::integer INTO days FROM setting
			WHERE name = 'double_check_days';
	END IF;

	INSERT INTO alert (kind, case_id, county_code, township_code, related,
		note, raised_at)
	WITH nc AS (
		SELECT n.id, n.county_code, n.township_code, n.opened_at,
			n.repeat_of, rp.people,
			rp.colour = 'red' OR rp.people >= 5 AS flagged
		FROM new_cases n CROSS JOIN LATERAL (SELECT r.people,
			r.colour FROM report r WHERE r.id = n.report_id
			OFFSET 0) rp
	), dc AS (
		-- per red or group case: the earlier flagged cases of its
		-- window, and the later ones of this statement to leave out
		SELECT nc.*, w.n - (days > 0)::integer - later.n AS earlier,
			later.ids AS later_ids
		FROM nc
		CROSS JOIN LATERAL (SELECT count(*) AS n,
			coalesce(array_agg(y.id), '{}') AS ids FROM nc y
			WHERE y.flagged AND y.id > nc.id
			  AND y.township_code = nc.township_code
			  AND y.opened_at > nc.opened_at -
			      make_interval(days => days)) later
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM case_flagged f
			WHERE f.township_code = nc.township_code
			  AND f.opened_at > nc.opened_at -
			      make_interval(days => days)) w
		WHERE nc.flagged
	)
	SELECT a.kind, a.id, a.county_code, a.township_code, a.related,
		a.note, a.opened_at
	FROM (
		SELECT nc.id, 1 AS o, 'repeat'::alert_kind AS kind,
			nc.county_code, nc.township_code, ARRAY[p.case_no] AS related,
			format('重访: 与案件 %s 为同一事项, 第 %s 次', p.case_no,
			(SELECT count(*) + 1 FROM "case" x
			 WHERE x.repeat_of = nc.repeat_of AND x.id <= nc.id)) AS note,
			nc.opened_at
		FROM nc CROSS JOIN LATERAL (SELECT x.case_no FROM "case" x
			WHERE x.id = nc.repeat_of OFFSET 0) p
		UNION ALL
		SELECT nc.id, 2, 'group', nc.county_code, nc.township_code,
			'{}', format('群体性事件: %s 人', nc.people), nc.opened_at
		FROM nc WHERE nc.people >= 5
		UNION ALL
		SELECT dc.id, 3, 'double_check', dc.county_code,
			dc.township_code,
			-- the latest 20, oldest first
			(SELECT array_agg(l.case_no ORDER BY l.opened_at, l.case_id)
			 FROM (SELECT f.case_no, f.opened_at, f.case_id
			       FROM case_flagged f
			       WHERE f.township_code = dc.township_code
			         AND f.opened_at > dc.opened_at -
				     make_interval(days => days)
			         AND f.case_id <> dc.id
			         AND f.case_id <> ALL (dc.later_ids)
			       ORDER BY f.opened_at DESC, f.case_id DESC
			       LIMIT 20) l),
			format('一案双查: 本乡镇 %s 天内第 %s 起红色或群体性事件%s',
			days, dc.earlier + 1, CASE WHEN dc.earlier > 20 THEN
			format(' (列出最近 20 起, 共 %s 起)', dc.earlier)
			ELSE '' END), dc.opened_at
		FROM dc WHERE dc.earlier > 0
	) a
	ORDER BY a.id, a.o;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_cases_alerts() FROM PUBLIC;

CREATE TRIGGER case_alerts AFTER INSERT ON "case"
	REFERENCING NEW TABLE AS new_cases
	FOR EACH STATEMENT EXECUTE FUNCTION gr_cases_alerts();
