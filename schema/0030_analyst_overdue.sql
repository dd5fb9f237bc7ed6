-- 0030_analyst_overdue.sql -- analyst_open_cases counts as overdue what the
-- sweeper supervises: a case past its resolution deadline, or not accepted
-- (受理) past its response deadline (the expression of index case_overdue,
-- 0020); it counted the first only.  A case is escalated by supervision
-- when its level is one that sends it to the county in supervision_policy
-- (it read level 3, whatever the policy said).  Same columns.  The open
-- cases' index holds the two columns more, so that the view still reads
-- the index alone.

CREATE OR REPLACE VIEW analyst_open_cases WITH (security_barrier) AS
WITH o AS (
	SELECT	k.county_code, k.township_code, r.category,
		(CASE WHEN k.accepted_at IS NULL
		 THEN least(k.response_due, k.resolve_due)
		 ELSE k.resolve_due END) < now() AS overdue,
		k.supervision > 0 AS supervised,
		k.supervision >= coalesce((SELECT min(p.level)
			FROM supervision_policy p WHERE p.escalate), 4)
			OR e.case_id IS NOT NULL AS escalated,
		k.level = 'county' AS county_level
	FROM "case" k
	JOIN report r ON r.id = k.report_id
	LEFT JOIN (SELECT DISTINCT case_id FROM case_event
		WHERE to_state = 'escalated') e ON e.case_id = k.id
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
		supervision, level)
	WHERE state NOT IN ('resolved', 'visited', 'closed', 'refused');
