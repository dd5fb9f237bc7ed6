-- 0041_analyst_past_months.sql -- 同比 (year on year) compares months that
-- have passed, or are passing, only.
--
-- Before: analyst_monthly_counts gave the months of the year before "up
-- to the last month with any data", but the summary also holds the months
-- in which open cases fall due, up to 90 days ahead.  So each month of the
-- coming quarter showed up with no reports against last year's, at -100 %,
-- and gr-analyst's totals for a span that reaches past this month counted
-- those months' reports of a year before against none: a span of July to
-- June read in December compared six months of this year with twelve of
-- last year.  Now a month shows, this year's or last year's, only up to the
-- month the summary was computed in (China Standard Time).  That month
-- itself is still passing: it is compared with the whole of the same month
-- a year before.

CREATE OR REPLACE VIEW analyst_monthly_counts WITH (security_barrier) AS
WITH upto AS (
	SELECT date_trunc('month', max(refreshed_at)
		AT TIME ZONE 'Asia/Shanghai')::date AS month
	FROM analyst_summary
), cur AS (
	SELECT county_code, township_code, category, month, reports, cases
	FROM analyst_summary
	WHERE month <= (SELECT month FROM upto)
), prev AS (
	SELECT county_code, township_code, category,
		(month + interval '1 year')::date AS month, reports, cases
	FROM analyst_summary
	WHERE month + interval '1 year' <= (SELECT month FROM upto)
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
