-- 0026_alerts_of_plan_kept.sql -- gr_alerts_of() keeps its plan.
--
-- After every batch the collector reads the alerts its cases raised with
-- gr_alerts_of() (0019).  As an SQL function with a SET clause it is never
-- inlined, and its query was parsed and planned again at every call.  In
-- PL/pgSQL with a generic plan, the plan is made once per connection and
-- kept.  The query is the same; each case's alerts are still looked up by
-- the case (OFFSET 0), so that a plan made while the tables were small
-- does not read every alert.

CREATE OR REPLACE FUNCTION gr_alerts_of(p_reports text[])
RETURNS TABLE (id bigint, kind alert_kind, case_no text, county_code text,
	township_code text, township_name text, related text[], note text,
	raised_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
BEGIN
	RETURN QUERY
	SELECT a.id, a.kind, c.case_no, a.county_code, a.township_code,
		d.name_zh, a.related, a.note, a.raised_at
	FROM "case" c
	CROSS JOIN LATERAL (SELECT * FROM alert x WHERE x.case_id = c.id
		OFFSET 0) a
	JOIN division d ON d.code = a.township_code
	WHERE c.report_id = ANY (p_reports)
	ORDER BY a.id;
END;
$$;
