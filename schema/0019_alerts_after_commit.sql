-- 0019_alerts_after_commit.sql -- the collector publishes the alerts of
-- the reports it stores itself, after the commit that stored them, so an
-- alert no longer costs a transaction of its own, a NOTIFY and a wait for
-- the broker before the next batch.
--
-- The alert trigger (0010, 0017) sent NOTIFY gr_alerts for each case that
-- raised one; every collector then took the unpublished alerts
-- (gr_alerts_pending, locked), published them, waited for the broker, and
-- marked them published, in a transaction of its own between two batches.
-- Now the transaction that stores a batch reads the alerts its cases
-- raised, the collector publishes them once it has committed, and marks
-- them published with the next batch it stores (or at once when idle).
-- gr_alerts_pending takes only what is left: alerts raised at least
-- p_settled ago and not yet marked (a collector died between its commit
-- and the mark, or the broker refused).  A collector takes them at startup
-- (p_settled 0) and at each sweep.  The trigger no longer notifies, and
-- reads only the two columns of the report it needs.
CREATE OR REPLACE FUNCTION gr_case_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	n_people	integer;
	is_red	boolean;
	prior	text;
	times	integer;
	others	text[];
	earlier	bigint;
	days	integer;
BEGIN
	SELECT rp.people, rp.colour = 'red' INTO n_people, is_red
		FROM report rp WHERE rp.id = NEW.report_id;
	IF NEW.repeat_of IS NOT NULL THEN
		SELECT case_no INTO prior FROM "case" WHERE id = NEW.repeat_of;
		SELECT count(*) + 1 INTO times FROM "case"
			WHERE repeat_of = NEW.repeat_of AND id <= NEW.id;
		INSERT INTO alert (kind, case_id, county_code, township_code,
			related, note, raised_at)
		VALUES ('repeat', NEW.id, NEW.county_code, NEW.township_code,
			ARRAY[prior], format('重访: 与案件 %s 为同一事项, 第 %s 次',
			prior, times), NEW.opened_at);
	END IF;
	IF n_people >= 5 THEN
		INSERT INTO alert (kind, case_id, county_code, township_code,
			note, raised_at)
		VALUES ('group', NEW.id, NEW.county_code, NEW.township_code,
			format('群体性事件: %s 人', n_people), NEW.opened_at);
	END IF;
	IF is_red OR n_people >= 5 THEN
		-- one red or group case of a township at a time, until commit
		PERFORM pg_advisory_xact_lock(hashtext('gr_double_check'),
			hashtext(NEW.township_code));
		INSERT INTO case_flagged (case_id, township_code, opened_at,
			case_no)
		VALUES (NEW.id, NEW.township_code, NEW.opened_at, NEW.case_no);
		SELECT value::integer INTO days FROM setting
			WHERE name = 'double_check_days';
		SELECT count(*) INTO earlier FROM case_flagged f
		WHERE f.township_code = NEW.township_code
		  AND f.opened_at > NEW.opened_at - make_interval(days => days)
		  AND f.case_id <> NEW.id;
		IF earlier > 0 THEN
			-- the latest 20, oldest first
			SELECT array_agg(l.case_no ORDER BY l.opened_at,
				l.case_id) INTO others
			FROM (SELECT f.case_no, f.opened_at, f.case_id
			      FROM case_flagged f
			      WHERE f.township_code = NEW.township_code
			        AND f.opened_at > NEW.opened_at -
				    make_interval(days => days)
			        AND f.case_id <> NEW.id
			      ORDER BY f.opened_at DESC, f.case_id DESC
			      LIMIT 20) l;
			INSERT INTO alert (kind, case_id, county_code,
				township_code, related, note, raised_at)
			VALUES ('double_check', NEW.id, NEW.county_code,
				NEW.township_code, others,
				format('一案双查: 本乡镇 %s 天内第 %s 起红色或群体性事件%s',
				days, earlier + 1, CASE WHEN earlier > 20 THEN
				format(' (列出最近 20 起, 共 %s 起)', earlier)
				ELSE '' END), NEW.opened_at);
			END IF;
	END IF;
	RETURN NULL;
END;
$$;

DROP FUNCTION gr_alerts_pending(integer);

-- Alerts not yet published and raised at least p_settled ago, oldest
-- first, locked so that two collectors do not both publish one; the caller
-- publishes them, then marks them with gr_alerts_published() in the same
-- transaction.
CREATE FUNCTION gr_alerts_pending(p_max integer, p_settled interval)
RETURNS TABLE (id bigint, kind alert_kind, case_no text, county_code text,
	township_code text, township_name text, related text[], note text,
	raised_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, a.kind, c.case_no, a.county_code, a.township_code,
		d.name_zh, a.related, a.note, a.raised_at
	FROM alert a
	JOIN "case" c ON c.id = a.case_id
	JOIN division d ON d.code = a.township_code
	WHERE a.published_at IS NULL
	  AND a.raised_at <= now() - p_settled
	ORDER BY a.id
	LIMIT p_max
	FOR UPDATE OF a SKIP LOCKED
$$;
REVOKE EXECUTE ON FUNCTION gr_alerts_pending(integer, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_alerts_pending(integer, interval) TO gr_collector;

-- The alerts the cases of these reports raised, in the order they were
-- raised: what the collector publishes after the commit of the transaction
-- that stored the reports (and opened the cases: none is published yet,
-- and no test of published_at is made, which would draw the planner to
-- the alert_unpublished index, every unpublished alert of the county;
-- 0033 has since dropped both, for the table alert_unsent).
CREATE FUNCTION gr_alerts_of(p_reports text[])
RETURNS TABLE (id bigint, kind alert_kind, case_no text, county_code text,
	township_code text, township_name text, related text[], note text,
	raised_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, a.kind, c.case_no, a.county_code, a.township_code,
		d.name_zh, a.related, a.note, a.raised_at
	FROM "case" c
	-- case by case (OFFSET 0 keeps the subquery apart): a plan kept from
	-- when the table was small would otherwise read every alert
	CROSS JOIN LATERAL (SELECT * FROM alert x WHERE x.case_id = c.id
		OFFSET 0) a
	JOIN division d ON d.code = a.township_code
	WHERE c.report_id = ANY (p_reports)
	ORDER BY a.id
$$;
REVOKE EXECUTE ON FUNCTION gr_alerts_of(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_alerts_of(text[]) TO gr_collector;
