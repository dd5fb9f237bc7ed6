-- 0011_repeat_plan.sql -- gr_find_repeat() with a cached plan.  As a SQL
-- function that cannot be inlined (SECURITY DEFINER), it was planned afresh
-- on every call: about 0.6 ms of the database's time per report, most of
-- the cost of storing one.  In PL/pgSQL the plan is prepared once per
-- connection, and kept generic: every search in it is an indexed lookup
-- whatever the parameters, so a plan per call buys nothing.  Same
-- signature, rights and results as in 0007_repeats.sql.
CREATE OR REPLACE FUNCTION gr_find_repeat(p_link text, p_grid text,
	p_category text, p_phones text[], p_ids text[])
RETURNS TABLE (case_id bigint, case_no text, open boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	since	timestamptz;
BEGIN
	SELECT now() - make_interval(days => s.value::int) INTO since
	FROM setting s WHERE s.name = 'repeat_window_days';
	RETURN QUERY
	WITH hits AS (
		(SELECT r.id, r.received_at, 1 AS pri FROM report r
		 WHERE r.id = p_link)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM report r
		 WHERE r.grid_code = p_grid AND r.category = p_category
		   AND r.received_at > since
		 ORDER BY r.received_at DESC LIMIT 1)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM party p
		 JOIN report r ON r.id = p.report_id
		 WHERE p.phone = ANY (p_phones) AND p.role = 'petitioner'
		   AND r.received_at > since
		 ORDER BY r.received_at DESC LIMIT 1)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM party p
		 JOIN report r ON r.id = p.report_id
		 WHERE p.id_number = ANY (p_ids) AND p.role = 'petitioner'
		   AND r.received_at > since
		 ORDER BY r.received_at DESC LIMIT 1)
	)
	SELECT c.id, c.case_no, c.state NOT IN ('closed', 'refused')
	FROM hits h JOIN "case" c ON c.report_id = h.id
	ORDER BY h.pri, h.received_at DESC
	LIMIT 1;
END;
$$;
