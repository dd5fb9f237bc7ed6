-- 0014_double_check_lock.sql -- 一案双查 with more than one collector.
-- Two red or group reports of one township stored at the same moment by
-- two collectors did not see each other (READ COMMITTED: neither case was
-- committed when the other looked), and no alert was raised.  The trigger
-- now takes a transaction-scoped advisory lock per township before it
-- records a red or group case, so the second waits for the first to commit
-- and then sees it.  Without the upper bound on opened_at: a transaction
-- that started earlier may commit later, and now() is its start.

CREATE OR REPLACE FUNCTION gr_case_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	report%ROWTYPE;
	prior	text;
	times	integer;
	others	text[];
	days	integer;
	raised	boolean := false;
BEGIN
	SELECT * INTO r FROM report WHERE id = NEW.report_id;
	IF NEW.repeat_of IS NOT NULL THEN
		SELECT case_no INTO prior FROM "case" WHERE id = NEW.repeat_of;
		SELECT count(*) + 1 INTO times FROM "case"
			WHERE repeat_of = NEW.repeat_of;
		INSERT INTO alert (kind, case_id, county_code, township_code,
			related, note, raised_at)
		VALUES ('repeat', NEW.id, NEW.county_code, NEW.township_code,
			ARRAY[prior], format('重访: 与案件 %s 为同一事项, 第 %s 次',
			prior, times), NEW.opened_at);
		raised := true;
	END IF;
	IF r.people >= 5 THEN
		INSERT INTO alert (kind, case_id, county_code, township_code,
			note, raised_at)
		VALUES ('group', NEW.id, NEW.county_code, NEW.township_code,
			format('群体性事件: %s 人', r.people), NEW.opened_at);
		raised := true;
	END IF;
	IF r.colour = 'red' OR r.people >= 5 THEN
		-- one red or group case of a township at a time, until commit
		PERFORM pg_advisory_xact_lock(hashtext('gr_double_check'),
			hashtext(NEW.township_code));
		INSERT INTO case_flagged (case_id, township_code, opened_at,
			case_no)
		VALUES (NEW.id, NEW.township_code, NEW.opened_at, NEW.case_no);
		SELECT value::integer INTO days FROM setting
			WHERE name = 'double_check_days';
		SELECT array_agg(f.case_no ORDER BY f.opened_at) INTO others
		FROM case_flagged f
		WHERE f.township_code = NEW.township_code
		  AND f.opened_at > NEW.opened_at - make_interval(days => days)
		  AND f.case_id <> NEW.id;
		IF others IS NOT NULL THEN
			INSERT INTO alert (kind, case_id, county_code,
				township_code, related, note, raised_at)
			VALUES ('double_check', NEW.id, NEW.county_code,
				NEW.township_code, others,
				format('一案双查: 本乡镇 %s 天内第 %s 起红色或群体性事件',
				days, cardinality(others) + 1), NEW.opened_at);
			raised := true;
		END IF;
	END IF;
	IF raised THEN
		PERFORM pg_notify('gr_alerts', '');
	END IF;
	RETURN NULL;
END;
$$;
