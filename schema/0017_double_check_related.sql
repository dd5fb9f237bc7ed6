-- 0017_double_check_related.sql -- a 一案双查 alert names at most the
-- township's 20 latest red or group cases of the window.  The alert of
-- 0010-0015 listed every one of them, in its related case numbers, for
-- each new red or group report: in a busy township the list ran to
-- thousands, and building and storing it cost 4 to 5 ms per red report
-- with 5,000,000 reports stored (make bench-big), growing with the
-- township's red cases.  The note still counts them all ("第 N 起"), and
-- says when the list is cut: "(列出最近 20 起, 共 M 起)".  The count
-- reads the (township_code, opened_at) index of case_flagged only.
CREATE OR REPLACE FUNCTION gr_case_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	report%ROWTYPE;
	prior	text;
	times	integer;
	others	text[];
	earlier	bigint;
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
			raised := true;
		END IF;
	END IF;
	IF raised THEN
		PERFORM pg_notify('gr_alerts', '');
	END IF;
	RETURN NULL;
END;
$$;
