-- 0015_batch_cases.sql -- the collector stores the cases of a batch with
-- one INSERT (collector/store.c, statement "cases") rather than one per
-- report.  Row triggers of a multi-row INSERT run once the statement has
-- inserted every row, so the repeat alert's count of the cases repeating
-- the same case would also count the later cases of the same batch: two
-- repeats of one case in a batch both read "第 3 次".  The count now takes
-- only the cases up to this one (ids are given in batch order), as when
-- each case had a statement of its own.  The 一案双查 search is unchanged:
-- it reads case_flagged, which this trigger fills row by row.

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
			WHERE repeat_of = NEW.repeat_of AND id <= NEW.id;
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
