-- 0042_visit_scores.sql -- 满意率 counts every follow-up visit (回访) with
-- the score it gave, reopened cases' included.
--
-- Before: the satisfaction figures counted a visit only while its score
-- stood on the case (case.satisfaction), and a reopen clears that score.
-- The visits of cases reopened afterwards, most often because the
-- petitioner was not satisfied, dropped out of the months they were
-- reported in, and the rate read higher than it was.
--
-- Now each 'visited' event keeps the score of its visit
-- (case_event.satisfaction): filled in from the case as the follow-up
-- action writes it (gr_case_act() sets the case's score, then appends the
-- event), and, for the visits before this migration, from the event's
-- note, which gr_case_act() has always begun with "satisfaction N".  The
-- monthly visit figures come from a summary of their own, analyst_visits,
-- which gr_analyst_refresh() refreshes with analyst_summary;
-- analyst_satisfaction reads it, with the same columns as before.
-- analyst_summary's follow_ups, satisfied and satisfaction_sum are no
-- longer read.
--
-- On a large database the filling in of the old visits reads the whole of
-- case_event while it holds the table: apply this migration at a quiet
-- hour (the collectors and dispatchers wait for it; nothing is lost).

-- The check holds for the rows there (NULL, or from the pattern below):
-- NOT VALID spares a scan of the table under its lock.
ALTER TABLE case_event ADD COLUMN satisfaction smallint;
ALTER TABLE case_event ADD CONSTRAINT case_event_satisfaction
	CHECK (satisfaction BETWEEN 1 AND 5) NOT VALID;
COMMENT ON COLUMN case_event.satisfaction IS
	'a follow-up visit''s (回访) score, 1 to 5, on its ''visited'' event';

ALTER TABLE case_event DISABLE TRIGGER case_event_no_change;
UPDATE case_event
SET satisfaction = substring(note FROM '^satisfaction ([1-5])\M')::smallint
WHERE to_state = 'visited' AND note ~ '^satisfaction [1-5]\M';
ALTER TABLE case_event ENABLE TRIGGER case_event_no_change;

CREATE FUNCTION gr_visit_score() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	SELECT satisfaction INTO NEW.satisfaction FROM "case"
	WHERE id = NEW.case_id;
	RETURN NEW;
END;
$$;
CREATE TRIGGER case_event_visit_score BEFORE INSERT ON case_event
	FOR EACH ROW WHEN (NEW.to_state = 'visited' AND NEW.satisfaction IS NULL)
	EXECUTE FUNCTION gr_visit_score();

-- One row per county, township, category and month of the visits, with
-- the roll-ups ('' for "all", as in analyst_summary).
CREATE MATERIALIZED VIEW analyst_visits AS
WITH v AS (
	SELECT	k.county_code, k.township_code, r.category, e.satisfaction,
		date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date
			AS month
	FROM case_event e
	JOIN "case" k ON k.id = e.case_id
	JOIN report r ON r.id = k.report_id
	WHERE e.to_state = 'visited' AND e.satisfaction IS NOT NULL
)
SELECT	county_code,
	coalesce(township_code, '') AS township_code,
	coalesce(category, '') AS category,
	month,
	count(*)::int AS follow_ups,
	count(*) FILTER (WHERE satisfaction >= 4)::int AS satisfied,
	sum(satisfaction)::int AS satisfaction_sum
FROM v
GROUP BY GROUPING SETS ((county_code, month), (county_code, township_code, month),
	(county_code, category, month), (county_code, township_code, category, month));

CREATE UNIQUE INDEX analyst_visits_key ON analyst_visits
	(county_code, month, township_code, category);

-- 满意率: of the follow-up visits (回访) of the month, the share that scored
-- 4 or 5 (of 1 to 5); and the average score.  A case visited in two rounds
-- (reopened in between) counts twice, each visit in its month.
CREATE OR REPLACE VIEW analyst_satisfaction WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.follow_ups, s.satisfied,
	gr_pct(s.satisfied, s.follow_ups) AS satisfaction_rate_pct,
	round(s.satisfaction_sum::numeric / nullif(s.follow_ups, 0), 2) AS avg_score
FROM analyst_visits s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.follow_ups > 0;

CREATE OR REPLACE FUNCTION gr_analyst_refresh() RETURNS void
LANGUAGE sql AS $$
	REFRESH MATERIALIZED VIEW CONCURRENTLY analyst_summary;
	REFRESH MATERIALIZED VIEW CONCURRENTLY analyst_visits;
$$;
