-- 0013_flagged_cases.sql -- the 一案双查 search reads only red and group
-- cases.  The alert trigger of 0010 looked for the township's earlier red
-- or group cases by reading every case the township opened in the window
-- and the report of each (1.2 ms per red report after 10,000 reports, and
-- growing with the township's cases).  case_flagged keeps one row per red
-- or group case (a report with colour red or 5 people or more; reports do
-- not change), filled by the same trigger and kept in step with the case's
-- township and opening time should they be changed, so the search reads the township's flagged cases of the
-- window from one index.  Same alerts, same related case numbers in the
-- same order.

CREATE TABLE case_flagged (
	case_id		bigint PRIMARY KEY REFERENCES "case" (id),
	township_code	text NOT NULL,
	opened_at	timestamptz NOT NULL,
	case_no		text NOT NULL
);
CREATE INDEX case_flagged_township_opened
	ON case_flagged (township_code, opened_at) INCLUDE (case_no);
INSERT INTO case_flagged (case_id, township_code, opened_at, case_no)
SELECT c.id, c.township_code, c.opened_at, c.case_no
FROM "case" c JOIN report r ON r.id = c.report_id
WHERE r.colour = 'red' OR r.people >= 5;

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
		INSERT INTO case_flagged (case_id, township_code, opened_at,
			case_no)
		VALUES (NEW.id, NEW.township_code, NEW.opened_at, NEW.case_no);
		SELECT value::integer INTO days FROM setting
			WHERE name = 'double_check_days';
		SELECT array_agg(f.case_no ORDER BY f.opened_at) INTO others
		FROM case_flagged f
		WHERE f.township_code = NEW.township_code
		  AND f.opened_at > NEW.opened_at - make_interval(days => days)
		  AND f.opened_at <= NEW.opened_at
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

-- The collector never changes them; an administrator (or a test ageing a
-- case) may.
CREATE FUNCTION gr_case_flagged_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE case_flagged SET township_code = NEW.township_code,
		opened_at = NEW.opened_at, case_no = NEW.case_no
	WHERE case_id = NEW.id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER case_flagged_sync
	AFTER UPDATE OF township_code, opened_at, case_no ON "case"
	FOR EACH ROW
	WHEN (OLD.township_code IS DISTINCT FROM NEW.township_code
	   OR OLD.opened_at IS DISTINCT FROM NEW.opened_at
	   OR OLD.case_no IS DISTINCT FROM NEW.case_no)
	EXECUTE FUNCTION gr_case_flagged_sync();
REVOKE EXECUTE ON FUNCTION gr_case_flagged_sync() FROM PUBLIC;
