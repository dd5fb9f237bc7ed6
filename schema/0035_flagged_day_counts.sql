-- 0035_flagged_day_counts.sql -- the 一案双查 count reads a township's
-- flagged cases per day, not one by one.
--
-- Each red or group case counts its township's red and group cases of the
-- window (double_check_days, 30).  gr_cases_alerts() (0023) counted them
-- in case_flagged's index, one entry each: in a county with a year of
-- history and about 4,000 flagged cases per township in 30 days (make
-- bench-big), 4,272 entries and 2,068 heap fetches per red case, 0.9 ms,
-- 7 ms of a batch's 8.6 ms with 8 red cases; the alert INSERT grew from
-- 22 to 60 us per report with history, and the loaded rate fell to 71 %
-- of the empty one.
--
-- flagged_day keeps the number of flagged cases per township and day
-- (UTC), kept in step with case_flagged by its triggers, whoever writes
-- it: a collector's batch, an administrator moving a case (0013's sync),
-- a TRUNCATE.  The window's count is now the sum of its whole days in
-- flagged_day plus the index count of its first, partial day: about 31
-- rows and one day's entries, whatever the length of the window's
-- history; and it is read only when the alert's list of the latest 20 is
-- full (below).  Same cases counted, same alerts: the window is still
-- opened_at > opened - days, later cases included, and the statement's own
-- later cases are left out as before (0023).
--
-- A batch writes the rows of a township's days under the township's lock
-- (gr_lock_townships(), 0022), which it holds already for its red or
-- group cases, so batches do not wait on each other there.  A flagged
-- case moved or deleted by hand takes no township lock but locks the
-- rows of its old and new days until its transaction ends: batches with
-- red or group cases of those townships wait for it meanwhile (keep such
-- transactions short, or SET lock_timeout), and should the two wait for
-- each other (a case moved between townships), PostgreSQL cancels one;
-- a batch cancelled so is retried by its collector.
-- Bulk loads that fill case_flagged with triggers off fill flagged_day
-- themselves (tests/bench/big-data.sql).

CREATE TABLE flagged_day (
	township_code	text NOT NULL,
	day		date NOT NULL,
	cases		integer NOT NULL CHECK (cases >= 0),
	PRIMARY KEY (township_code, day)
) WITH (fillfactor = 50);	-- room on the page for the day's updates (HOT)

-- gr_utc_day(T): the day of flagged_day that counts a case opened at T
CREATE FUNCTION gr_utc_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (t AT TIME ZONE 'UTC')::date
$$;

-- One function for the three triggers: the rows a statement removed
-- (old_rows: UPDATE, DELETE) are taken off their days, the rows it added
-- (new_rows: INSERT, UPDATE) put on theirs, and a day left with none is
-- deleted.
CREATE FUNCTION gr_flagged_days() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		UPDATE flagged_day d SET cases = d.cases - o.n
		FROM (SELECT o.township_code, gr_utc_day(o.opened_at) AS day,
			count(*) AS n FROM old_rows o GROUP BY 1, 2) o
		WHERE d.township_code = o.township_code AND d.day = o.day;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		INSERT INTO flagged_day AS d (township_code, day, cases)
		SELECT n.township_code, gr_utc_day(n.opened_at), count(*)
		FROM new_rows n
		GROUP BY 1, 2
		ORDER BY 1, 2
		ON CONFLICT (township_code, day)
		DO UPDATE SET cases = d.cases + excluded.cases;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM flagged_day d
		USING old_rows o
		WHERE d.township_code = o.township_code
		  AND d.day = gr_utc_day(o.opened_at) AND d.cases = 0;
	END IF;
	RETURN NULL;
END;
$$;
CREATE FUNCTION gr_flagged_days_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	TRUNCATE flagged_day;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_flagged_days(), gr_flagged_days_truncated()
	FROM PUBLIC;

CREATE TRIGGER flagged_day_insert AFTER INSERT ON case_flagged
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_flagged_days();
CREATE TRIGGER flagged_day_update AFTER UPDATE ON case_flagged
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_flagged_days();
CREATE TRIGGER flagged_day_delete AFTER DELETE ON case_flagged
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_flagged_days();
CREATE TRIGGER flagged_day_truncate AFTER TRUNCATE ON case_flagged
	FOR EACH STATEMENT EXECUTE FUNCTION gr_flagged_days_truncated();

-- the triggers' lock on case_flagged keeps out new cases until commit
INSERT INTO flagged_day (township_code, day, cases)
SELECT f.township_code, gr_utc_day(f.opened_at), count(*)
FROM case_flagged f
GROUP BY 1, 2;

-- gr_cases_alerts() as in 0023 but for the 一案双查 count.  The alert
-- lists the latest 20 of the window's earlier flagged cases, so below 20
-- their number is the count, and flagged_day is read only past it: a
-- township's day counted wrong (case_flagged changed with its triggers
-- off) can then change no more than a count past 20, never raise an alert
-- that names no case.
CREATE OR REPLACE FUNCTION gr_cases_alerts() RETURNS trigger
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
