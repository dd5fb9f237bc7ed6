-- 0009_analyst_views.sql -- the figures a county is measured on (DESIGN.md
-- section 1), as views for the gr_analyst role: report and case counts with
-- the same month a year earlier (同比), resolution rate (化解率),
-- satisfaction (满意率), first-contact resolution (一次性办结), handling
-- days (average and p90), open, overdue and escalated cases, repeat
-- petitions (重访), group incidents (群体性) and on-the-spot resolutions
-- (就地化解).
--
-- Months are calendar months in China Standard Time (Asia/Shanghai), given
-- as the date of their first day.  Rates are percentages rounded to one
-- decimal, NULL when their denominator is 0.
--
-- Every monthly view has rows at four levels: township_code IS NULL means
-- the whole county, category IS NULL all categories (so the county's figure
-- for a month is the row with both NULL; a township's the row with
-- category NULL).  Category is the dispute class (2 digits).
--
-- ---- The summary and its refresh -------------------------------------------
-- The monthly figures come from one materialized view, analyst_summary
-- (a few thousand rows for a county-year instead of a million reports), so
-- that they answer in milliseconds.  They are as fresh as its last refresh,
-- which the owner of the schema (the migration role) runs, e.g. hourly from
-- cron or a systemd timer:
--
--     psql -c 'SELECT gr_analyst_refresh()' gridreport
--
-- It refreshes CONCURRENTLY: analysts go on reading the old figures
-- meanwhile.  analyst_refreshed says when the figures were computed.  The
-- live views (analyst_open_cases, analyst_repeat_petitions,
-- analyst_group_incidents) read the tables directly, through the indexes
-- below.
--
-- ---- Privacy ----------------------------------------------------------------
-- Views are owned by the migration role and read with its rights (as the
-- analyst_* views of 0005_roles.sql); they are granted to gr_analyst only.
-- The summary itself is granted to nobody.  The monthly views hold counts
-- only; the case lists show a petitioner's phone and ID-card number masked
-- (gr_mask_phone, gr_mask_id), never a name, and the summary with its digit
-- runs masked (gr_mask_text).

-- ---- The summary ------------------------------------------------------------
--
-- One row per county, township, category and month, plus the roll-ups to
-- all townships and all categories ('' stands for "all" here, NULL in the
-- views).  Each counter belongs to the month of its own event:
--
--   reports          reports received (report.received_at); township of
--                    the report's grid
--   on_spot_reports  of them, those the grid worker marked resolved on the
--                    spot (report.resolved_on_spot, 当场化解)
--   cases            cases opened (case.opened_at)
--   group_cases      of them, group incidents (群体性): 5 or more people
--                    (report.people >= 5, DESIGN.md section 6)
--   group_people     the people those group incidents involve
--   repeat_cases     of them, repeat petitions (重访): linked to an earlier
--                    case (case.repeat_of, 0007_repeats.sql)
--   local_cases      of them, resolved on the spot (就地化解): marked
--                    resolved on the spot by the worker, or resolved now
--                    (resolved_at set) while never having left the
--                    township (level still 'township': escalation and the
--                    red card set it to 'county' for good)
--   due_cases        cases whose resolution deadline (case.resolve_due,
--                    extensions included) falls in the month, refused cases
--                    (不予受理) left out.  resolve_due is the end of the
--                    last day (midnight CST), so the month is that of
--                    resolve_due less one second.
--   due_resolved     of them, resolved now (resolved_at set: resolved,
--                    visited or closed; a reopened case is not)
--   due_on_time      of them, resolved by the deadline (resolved_at <=
--                    resolve_due)
--   resolved         cases resolved (办结) in the month (resolved_at, the
--                    last resolution of a reopened case)
--   first_contact    of them, resolved first time (一次性办结): never
--                    refused, escalated (上报) or reopened, and never
--                    supervised for being overdue (case_event and
--                    case.supervision)
--   handling_days_sum  days from opening to resolution of those resolved
--   handling_days_p90  their 90th percentile (continuous; days)
--   follow_ups       cases whose follow-up visit (回访) took place in the
--                    month (the last 'visited' event) and whose score stands
--                    (case.satisfaction; a reopen clears it)
--   satisfied        of them, those that scored 4 or 5 (satisfied or very)
--   satisfaction_sum their scores summed
CREATE MATERIALIZED VIEW analyst_summary AS
WITH ev AS (
	SELECT	e.case_id,
		max(e.at) FILTER (WHERE e.to_state = 'visited') AS visited_at,
		bool_or(e.to_state IN ('refused', 'escalated', 'reopened')) AS detour
	FROM case_event e
	GROUP BY e.case_id
), c AS (
	SELECT	k.county_code, k.township_code, r.category, k.opened_at,
		k.resolve_due, k.resolved_at, k.state, k.satisfaction,
		r.people, k.repeat_of IS NOT NULL AS is_repeat,
		r.resolved_on_spot
		    OR (k.resolved_at IS NOT NULL AND k.level = 'township') AS local,
		coalesce(ev.detour, false) OR k.supervision > 0 AS detour,
		ev.visited_at
	FROM "case" k
	JOIN report r ON r.id = k.report_id
	LEFT JOIN ev ON ev.case_id = k.id
), fact AS (
	-- reports, by the month they were received
	SELECT	substr(r.grid_code, 1, 6) AS county_code,
		substr(r.grid_code, 1, 9) AS township_code, r.category,
		r.received_at AS at, 1 AS reports,
		r.resolved_on_spot::int AS on_spot_reports,
		0 AS cases, 0 AS group_cases, 0 AS group_people,
		0 AS repeat_cases, 0 AS local_cases, 0 AS due_cases,
		0 AS due_resolved, 0 AS due_on_time, 0 AS resolved,
		0 AS first_contact, NULL::float8 AS handling_days,
		0 AS follow_ups, 0 AS satisfied, 0 AS satisfaction_sum
	FROM report r
	UNION ALL
	-- each case gives up to four facts, each in the month of its event
	SELECT	c.county_code, c.township_code, c.category, f.*
	FROM c CROSS JOIN LATERAL (VALUES
		(c.opened_at, 0, 0, 1, (c.people >= 5)::int,
		 CASE WHEN c.people >= 5 THEN c.people ELSE 0 END,
		 c.is_repeat::int, c.local::int, 0, 0, 0, 0, 0, NULL::float8,
		 0, 0, 0),
		(CASE WHEN c.state <> 'refused'
		 THEN c.resolve_due - interval '1 second' END,
		 0, 0, 0, 0, 0, 0, 0, 1, (c.resolved_at IS NOT NULL)::int,
		 coalesce(c.resolved_at <= c.resolve_due, false)::int, 0, 0, NULL,
		 0, 0, 0),
		(c.resolved_at, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		 (NOT c.detour)::int,
		 extract(epoch FROM c.resolved_at - c.opened_at)::float8 / 86400,
		 0, 0, 0),
		(CASE WHEN c.satisfaction IS NOT NULL THEN c.visited_at END,
		 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 1,
		 (c.satisfaction >= 4)::int, coalesce(c.satisfaction, 0))
	) AS f (at, reports, on_spot_reports, cases, group_cases, group_people,
		repeat_cases, local_cases, due_cases, due_resolved, due_on_time,
		resolved, first_contact, handling_days, follow_ups, satisfied,
		satisfaction_sum)
	WHERE f.at IS NOT NULL
), m AS (
	SELECT	fact.*,
		date_trunc('month', fact.at AT TIME ZONE 'Asia/Shanghai')::date AS month
	FROM fact
)
SELECT	county_code,
	coalesce(township_code, '') AS township_code,
	coalesce(category, '') AS category,
	month,
	sum(reports)::int AS reports,
	sum(on_spot_reports)::int AS on_spot_reports,
	sum(cases)::int AS cases,
	sum(group_cases)::int AS group_cases,
	sum(group_people)::int AS group_people,
	sum(repeat_cases)::int AS repeat_cases,
	sum(local_cases)::int AS local_cases,
	sum(due_cases)::int AS due_cases,
	sum(due_resolved)::int AS due_resolved,
	sum(due_on_time)::int AS due_on_time,
	sum(resolved)::int AS resolved,
	sum(first_contact)::int AS first_contact,
	coalesce(sum(handling_days), 0) AS handling_days_sum,
	percentile_cont(0.9) WITHIN GROUP (ORDER BY handling_days) AS handling_days_p90,
	sum(follow_ups)::int AS follow_ups,
	sum(satisfied)::int AS satisfied,
	sum(satisfaction_sum)::int AS satisfaction_sum,
	now() AS refreshed_at
FROM m
GROUP BY GROUPING SETS ((county_code, month), (county_code, township_code, month),
	(county_code, category, month), (county_code, township_code, category, month));

-- The key, which REFRESH ... CONCURRENTLY needs.
CREATE UNIQUE INDEX analyst_summary_key ON analyst_summary
	(county_code, month, township_code, category);

-- Recompute the summary; the owner runs it (see the top of this file).
CREATE FUNCTION gr_analyst_refresh() RETURNS void
LANGUAGE sql AS $$
	REFRESH MATERIALIZED VIEW CONCURRENTLY analyst_summary
$$;
REVOKE EXECUTE ON FUNCTION gr_analyst_refresh() FROM PUBLIC;

-- A percentage, one decimal; NULL when there is nothing to divide by.
CREATE FUNCTION gr_pct(part numeric, whole numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN round(100 * part / nullif(whole, 0), 1);

-- ---- Indexes for the live views --------------------------------------------
-- Open cases are few next to all cases: a partial index finds them, and
-- holds what analyst_open_cases counts (an index-only scan).
CREATE INDEX case_open ON "case" (county_code, township_code)
	INCLUDE (id, report_id, resolve_due, supervision, level)
	WHERE state NOT IN ('resolved', 'visited', 'closed', 'refused');
-- Cases a dispatcher escalated (上报).
CREATE INDEX case_event_escalated ON case_event (case_id)
	WHERE to_state = 'escalated';
-- Repeat petitions and group incidents of a period.
CREATE INDEX case_repeat_opened ON "case" (county_code, opened_at)
	WHERE repeat_of IS NOT NULL;
CREATE INDEX report_group_received ON report (received_at)
	WHERE people >= 5;

-- ---- The views ---------------------------------------------------------------

-- When the monthly figures were computed (NULL: never since the migration).
CREATE VIEW analyst_refreshed WITH (security_barrier) AS
SELECT max(refreshed_at) AS refreshed_at FROM analyst_summary;

-- 报告与案件数 (同比): reports received and cases opened in the month, and in
-- the same month a year earlier.  reports_yoy_pct = (reports -
-- reports_prev_year) / reports_prev_year, in %.  A month of the year
-- before shows up a year later with 0 reports, up to the last month with
-- any data.
CREATE VIEW analyst_monthly_counts WITH (security_barrier) AS
WITH cur AS (
	SELECT county_code, township_code, category, month, reports, cases
	FROM analyst_summary
), prev AS (
	SELECT county_code, township_code, category,
		(month + interval '1 year')::date AS month, reports, cases
	FROM analyst_summary
	WHERE month + interval '1 year' <= (SELECT max(month) FROM analyst_summary)
), j AS (
	SELECT	coalesce(cur.county_code, prev.county_code) AS county_code,
		coalesce(cur.township_code, prev.township_code) AS township_code,
		coalesce(cur.category, prev.category) AS category,
		coalesce(cur.month, prev.month) AS month,
		coalesce(cur.reports, 0) AS reports,
		coalesce(cur.cases, 0) AS cases,
		coalesce(prev.reports, 0) AS reports_prev_year,
		coalesce(prev.cases, 0) AS cases_prev_year
	FROM cur FULL JOIN prev USING (county_code, township_code, category, month)
)
SELECT	j.county_code, nullif(j.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(j.category, '') AS category,
	cat.name_zh AS category_name, j.month,
	j.reports, j.cases, j.reports_prev_year, j.cases_prev_year,
	gr_pct(j.reports - j.reports_prev_year, j.reports_prev_year) AS reports_yoy_pct,
	gr_pct(j.cases - j.cases_prev_year, j.cases_prev_year) AS cases_yoy_pct
FROM j
LEFT JOIN division d ON d.code = j.township_code
LEFT JOIN category cat ON cat.code = j.category;

-- 化解率: of the cases due in the month (resolution deadline in the month,
-- refused cases left out), the share resolved now (resolved, visited or
-- closed); 按期化解率: the share resolved by the deadline.  The current
-- month's figures are provisional: its later deadlines have not come yet.
CREATE VIEW analyst_resolution_rate WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.due_cases, s.due_resolved, s.due_on_time,
	gr_pct(s.due_resolved, s.due_cases) AS resolution_rate_pct,
	gr_pct(s.due_on_time, s.due_cases) AS on_time_rate_pct
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.due_cases > 0;

-- 满意率: of the follow-up visits (回访) of the month whose score stands,
-- the share that scored 4 or 5 (of 1 to 5); and the average score.
CREATE VIEW analyst_satisfaction WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.follow_ups, s.satisfied,
	gr_pct(s.satisfied, s.follow_ups) AS satisfaction_rate_pct,
	round(s.satisfaction_sum::numeric / nullif(s.follow_ups, 0), 2) AS avg_score
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.follow_ups > 0;

-- 一次性办结率: of the cases resolved in the month, the share resolved first
-- time: never refused, escalated or reopened, never supervised as overdue.
CREATE VIEW analyst_first_contact WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.resolved, s.first_contact,
	gr_pct(s.first_contact, s.resolved) AS first_contact_rate_pct
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.resolved > 0;

-- 办理时长: days from opening to resolution of the cases resolved in the
-- month: average and 90th percentile (continuous), one decimal.  Over
-- several months: the average is sum(handling_days_sum) / sum(resolved);
-- a p90 does not add up (query the months one by one).
CREATE VIEW analyst_handling_time WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.resolved, round(s.handling_days_sum::numeric, 3) AS handling_days_sum,
	round((s.handling_days_sum / s.resolved)::numeric, 1) AS avg_days,
	round(s.handling_days_p90::numeric, 1) AS p90_days
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.resolved > 0;

-- 就地化解: of the cases opened in the month, those resolved on the spot
-- by the grid worker (the report says so) or resolved without leaving the
-- township (never escalated to the county, by a dispatcher or a red card).
-- on_spot_reports: reports of the month the worker marked resolved on the
-- spot (当场化解).
CREATE VIEW analyst_local_resolution WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.reports, s.on_spot_reports, s.cases, s.local_cases,
	gr_pct(s.local_cases, s.cases) AS local_rate_pct
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.cases > 0 OR s.reports > 0;

-- 重访 and 群体性, by month: of the cases opened in the month, the repeat
-- petitions and the group incidents (5 or more people) and their people.
CREATE VIEW analyst_repeat_group_monthly WITH (security_barrier) AS
SELECT	s.county_code, nullif(s.township_code, '') AS township_code,
	d.name_zh AS township_name, nullif(s.category, '') AS category,
	cat.name_zh AS category_name, s.month,
	s.cases, s.repeat_cases, gr_pct(s.repeat_cases, s.cases) AS repeat_rate_pct,
	s.group_cases, s.group_people
FROM analyst_summary s
LEFT JOIN division d ON d.code = s.township_code
LEFT JOIN category cat ON cat.code = s.category
WHERE s.cases > 0;

-- 在办, 逾期, 上报 (live, as of now): cases not yet resolved (state other
-- than resolved, visited, closed, refused); of them overdue (resolution
-- deadline past), supervised (督办, any level), and escalated: a dispatcher
-- escalated it (上报) or the red card (红牌督办) took it to the county.
-- Rows per county, township, category and their roll-ups (NULL: all).
CREATE VIEW analyst_open_cases WITH (security_barrier) AS
WITH o AS (
	SELECT	k.county_code, k.township_code, r.category,
		k.resolve_due < now() AS overdue, k.supervision > 0 AS supervised,
		k.supervision >= 3 OR e.case_id IS NOT NULL AS escalated,
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

-- 重访 (live): one row per repeat petition, with the case it repeats and
-- the first petitioner's phone and ID-card number masked.  Filter on
-- opened_at for a period.
CREATE VIEW analyst_repeat_petitions WITH (security_barrier) AS
SELECT	k.case_no, k.opened_at,
	date_trunc('month', k.opened_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
	k.county_code, k.township_code, d.name_zh AS township_name,
	r.category, cat.name_zh AS category_name, k.state, k.level,
	o.case_no AS repeats_case_no, o.opened_at AS repeats_opened_at,
	round((extract(epoch FROM k.opened_at - o.opened_at) / 86400)::numeric, 1)
		AS days_since,
	gr_mask_phone(p.phone) AS petitioner_phone,
	gr_mask_id(p.id_number) AS petitioner_id_number
FROM "case" k
JOIN "case" o ON o.id = k.repeat_of
JOIN report r ON r.id = k.report_id
LEFT JOIN division d ON d.code = k.township_code
LEFT JOIN category cat ON cat.code = r.category
LEFT JOIN LATERAL (SELECT pp.phone, pp.id_number FROM party pp
	WHERE pp.report_id = k.report_id AND pp.role = 'petitioner'
	ORDER BY pp.idx LIMIT 1) p ON true
WHERE k.repeat_of IS NOT NULL;

-- 群体性事件 (live): one row per report of 5 or more people, with its case,
-- the summary with digit runs masked and the first petitioner's phone and
-- ID-card number masked.  Filter on received_at for a period.
CREATE VIEW analyst_group_incidents WITH (security_barrier) AS
SELECT	k.case_no, r.received_at,
	date_trunc('month', r.received_at AT TIME ZONE 'Asia/Shanghai')::date AS month,
	substr(r.grid_code, 1, 6) AS county_code,
	substr(r.grid_code, 1, 9) AS township_code, d.name_zh AS township_name,
	r.category, cat.name_zh AS category_name, r.colour, r.people,
	r.amount_fen, k.state, k.level,
	gr_mask_text(r.summary) AS summary,
	gr_mask_phone(p.phone) AS petitioner_phone,
	gr_mask_id(p.id_number) AS petitioner_id_number
FROM report r
LEFT JOIN "case" k ON k.report_id = r.id
LEFT JOIN division d ON d.code = substr(r.grid_code, 1, 9)
LEFT JOIN category cat ON cat.code = r.category
LEFT JOIN LATERAL (SELECT pp.phone, pp.id_number FROM party pp
	WHERE pp.report_id = r.id AND pp.role = 'petitioner'
	ORDER BY pp.idx LIMIT 1) p ON true
WHERE r.people >= 5;

GRANT SELECT ON analyst_refreshed, analyst_monthly_counts,
	analyst_resolution_rate, analyst_satisfaction, analyst_first_contact,
	analyst_handling_time, analyst_local_resolution,
	analyst_repeat_group_monthly, analyst_open_cases,
	analyst_repeat_petitions, analyst_group_incidents TO gr_analyst;
