-- 0038_alerts_without_flagged.sql -- a statement whose new cases are
-- neither red nor group raises their repeat alerts by a statement of its
-- own, without the 一案双查 machinery.
--
-- gr_cases_alerts() (0023, 0035) ran three statements for every batch:
-- the townships' locks, case_flagged's INSERT and the alert INSERT, whose
-- plan (the three kinds of alert, the 一案双查 window's count and its
-- latest 20) the executor starts and ends on every call, whether or not a
-- case needs it.  On a batch of a few reports that was most of the case
-- statement's time (EXPLAIN ANALYZE, 3 cases, none flagged: 0.9 ms of
-- 1.4 in the trigger).  Without a red or group case there is no lock to
-- take, nothing for case_flagged and no 一案双查 or group alert (a group
-- case is flagged): only repeats, raised now by a plain INSERT over the
-- new cases.  A statement with a red or group case runs as before, with
-- the townships' locks taken from the flagged cases found first.
--
-- Same alerts, same notes, in the same order of ids as 0035.
CREATE OR REPLACE FUNCTION gr_cases_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	days	integer;
	towns	text[];
BEGIN
	-- Each new case's report (and a repeat's earlier case) is read by
	-- its key, case by case: OFFSET 0 keeps the planner from joining
	-- them by a hash of the whole table, the plan it would keep from a
	-- time the table was small.
	--
	-- The townships of the statement's red and group cases, if any.
	SELECT array_agg(n.township_code) INTO towns
	FROM new_cases n CROSS JOIN LATERAL (SELECT r.people, r.colour
		FROM report r WHERE r.id = n.report_id OFFSET 0) rp
	WHERE rp.colour = 'red' OR rp.people >= 5;

	IF towns IS NULL THEN
		INSERT INTO alert (kind, case_id, county_code, township_code,
			related, note, raised_at)
		SELECT 'repeat', n.id, n.county_code, n.township_code,
			ARRAY[p.case_no],
			format('重访: 与案件 %s 为同一事项, 第 %s 次', p.case_no,
			(SELECT count(*) + 1 FROM "case" x
			 WHERE x.repeat_of = n.repeat_of AND x.id <= n.id)),
			n.opened_at
		FROM new_cases n CROSS JOIN LATERAL (SELECT x.case_no
			FROM "case" x WHERE x.id = n.repeat_of OFFSET 0) p
		ORDER BY n.id;
		RETURN NULL;
	END IF;

	-- One red or group case of a township at a time, until commit (all
	-- of towns are flagged).
	PERFORM gr_lock_townships(towns,
		array_fill('red'::text, ARRAY[cardinality(towns)]), NULL);

	INSERT INTO case_flagged (case_id, township_code, opened_at, case_no)
	SELECT n.id, n.township_code, n.opened_at, n.case_no
	FROM new_cases n CROSS JOIN LATERAL (SELECT r.people, r.colour
		FROM report r WHERE r.id = n.report_id OFFSET 0) rp
	WHERE rp.colour = 'red' OR rp.people >= 5
	ORDER BY n.id;
	SELECT value::integer INTO days FROM setting
		WHERE name = 'double_check_days';

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
		-- per red or group case: the later flagged cases of this
		-- statement to leave out, the latest 20 of the earlier ones of
		-- its window, oldest first, and their number
		SELECT nc.*, rel.nos AS related,
			CASE WHEN cardinality(rel.nos) < 20
			THEN cardinality(rel.nos)
			ELSE greatest(20,
			-- the window's flagged cases: its whole days, and those
			-- of its first day after its start
			(SELECT coalesce(sum(d.cases), 0) FROM flagged_day d
			 WHERE d.township_code = nc.township_code
			   AND d.day > gr_utc_day(s.since)) +
			(SELECT count(*) FROM case_flagged f
			 WHERE f.township_code = nc.township_code
			   AND f.opened_at > s.since
			   AND f.opened_at < (gr_utc_day(s.since) + 1)::timestamp
				AT TIME ZONE 'UTC') -
			(days > 0)::integer - later.n) END AS earlier
		FROM nc
		CROSS JOIN LATERAL (SELECT nc.opened_at -
			make_interval(days => days) AS since) s
		CROSS JOIN LATERAL (SELECT count(*) AS n,
			coalesce(array_agg(y.id), '{}') AS ids FROM nc y
			WHERE y.flagged AND y.id > nc.id
			  AND y.township_code = nc.township_code
			  AND y.opened_at > s.since) later
		CROSS JOIN LATERAL (SELECT coalesce(array_agg(l.case_no
				ORDER BY l.opened_at, l.case_id), '{}') AS nos
			FROM (SELECT f.case_no, f.opened_at, f.case_id
			      FROM case_flagged f
			      WHERE f.township_code = nc.township_code
			        AND f.opened_at > s.since
			        AND f.case_id <> nc.id
			        AND f.case_id <> ALL (later.ids)
			      ORDER BY f.opened_at DESC, f.case_id DESC
			      LIMIT 20) l) rel
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
			dc.township_code, dc.related,
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
