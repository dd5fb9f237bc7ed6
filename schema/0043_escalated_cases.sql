-- 0043_escalated_cases.sql -- a case counts as escalated (上报县级) when it
-- went from a township to the county, and stays so.
--
-- Before: analyst_open_cases counted as escalated a case with an
-- 'escalated' event (a dispatcher's 上报) or at a supervision level that
-- sends cases to the county.  So a red, group or county-category case,
-- routed to the county when it opened, counted as escalated once it was
-- red-carded for being late; and a township case red-carded to the county
-- and then reopened (which resets its supervision) no longer counted,
-- though it was still the county's.
--
-- Now the case records when it was first moved from a township to the
-- county (case.escalated_at), whoever moved it: a dispatcher's escalation
-- or the sweeper's card (a trigger on the level, so that every writer of
-- it is covered).  The cases moved before this migration take it from
-- their events: the first 'escalated' one, or the sweeper's card that said
-- "转县级督办".  analyst_open_cases counts those, with the same columns.
-- The open cases' index holds the column, so that the view still reads
-- the index alone; the index of 'escalated' events, which it used, goes.
--
-- On a large database the filling in reads the whole of case_event, and
-- the index is built from the whole of "case", while the migration holds
-- the case table: apply it at a quiet hour (the collectors and
-- dispatchers wait for it; nothing is lost).

ALTER TABLE "case" ADD COLUMN escalated_at timestamptz;
COMMENT ON COLUMN "case".escalated_at IS
	'when the case was first moved from its township to the county (上报 or a card that sends it there)';

UPDATE "case" k SET escalated_at = e.at
FROM (SELECT case_id, min(at) AS at FROM case_event
	WHERE to_state = 'escalated'
	   OR (to_state = 'supervised' AND note LIKE '%转县级督办%')
	GROUP BY case_id) e
WHERE e.case_id = k.id AND k.level = 'county';

CREATE FUNCTION gr_case_escalated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.escalated_at := now();
	RETURN NEW;
END;
$$;
CREATE TRIGGER case_escalated BEFORE UPDATE OF level ON "case"
	FOR EACH ROW WHEN (OLD.level = 'township' AND NEW.level = 'county'
		AND NEW.escalated_at IS NULL)
	EXECUTE FUNCTION gr_case_escalated();

CREATE OR REPLACE VIEW analyst_open_cases WITH (security_barrier) AS
WITH o AS (
	SELECT	k.county_code, k.township_code, r.category,
		(CASE WHEN k.accepted_at IS NULL
		 THEN least(k.response_due, k.resolve_due)
		 ELSE k.resolve_due END) < now() AS overdue,
		k.supervision > 0 AS supervised,
		k.escalated_at IS NOT NULL AS escalated,
		k.level = 'county' AS county_level
	FROM "case" k
	JOIN report r ON r.id = k.report_id
	WHERE k.state NOT IN ('resolved', 'visited', 'closed', 'refused')
), a AS (
	SELECT	county_code, township_code, category, count(*) AS open_cases,
		count(*) FILTER (WHERE overdue) AS overdue_cases,
		count(*) FILTER (WHERE supervised) AS supervised_cases,
		count(*) FILTER (WHERE escalated) AS escalated_cases,
		count(*) FILTER (WHERE county_level) AS county_level_cases
	FROM o
	GROUP BY GROUPING SETS ((county_code), (county_code, township_code),
		(county_code, category), (county_code, township_code, category))
)
SELECT	a.county_code, a.township_code, d.name_zh AS township_name,
	a.category, cat.name_zh AS category_name, a.open_cases,
	a.overdue_cases, a.supervised_cases, a.escalated_cases,
	a.county_level_cases
FROM a
LEFT JOIN division d ON d.code = a.township_code
LEFT JOIN category cat ON cat.code = a.category;

DROP INDEX case_open;
CREATE INDEX case_open ON "case" (county_code, township_code)
	INCLUDE (id, report_id, accepted_at, response_due, resolve_due,
		supervision, level, escalated_at)
	WHERE state NOT IN ('resolved', 'visited', 'closed', 'refused');
DROP INDEX case_event_escalated;
