-- 0016_repeat_petitioner_lookup.sql -- the petitioner searches of
-- gr_find_repeat() read only the petitioner's own parties.  The searches
-- of 0012 joined party to report and took the newest report of the window
-- for the numbers.  The plan kept for them (generic, made once per
-- connection) can hash the window's reports, read whole, against the
-- petitioner's parties: every report whose petitioner had reported before
-- read every report of the window (0.87 ms each with 10,000 reports in
-- the window, and growing with it), and whether that plan was chosen
-- depended on the statistics at hand, so the same database ran fast or
-- slow from one connection to the next.  Now the parties with the numbers
-- come first, from their own index (OFFSET 0 keeps that subquery planned
-- on its own), and only their reports are read, by primary key: the cost
-- follows the petitioner's own history, not the county's.  Same
-- signature, rights and results as 0012.
CREATE OR REPLACE FUNCTION gr_find_repeat(p_link text, p_grid text,
	p_category text, p_phones text[], p_ids text[])
RETURNS TABLE (case_id bigint, case_no text, open boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	since	timestamptz;
	ids	text[] := '{}';
	ats	timestamptz[] := '{}';
	hit	text;
	hit_at	timestamptz;
	k	integer;
	best	integer;
BEGIN
	IF p_link IS NOT NULL THEN
		RETURN QUERY SELECT c.id, c.case_no,
			c.state NOT IN ('closed', 'refused')
		FROM "case" c WHERE c.report_id = p_link;
		IF FOUND THEN
			RETURN;
		END IF;
	END IF;
	SELECT now() - make_interval(days => s.value::int) INTO since
	FROM setting s WHERE s.name = 'repeat_window_days';

	SELECT r.id, r.received_at INTO hit, hit_at FROM report r
	WHERE r.grid_code = p_grid AND r.category = p_category
	  AND r.received_at > since
	ORDER BY r.received_at DESC LIMIT 1;
	IF hit IS NOT NULL THEN
		ids := ids || hit; ats := ats || hit_at;
	END IF;
	IF cardinality(p_phones) > 0 THEN
		hit := NULL;
		SELECT r.id, r.received_at INTO hit, hit_at
		FROM (SELECT p.report_id FROM party p
		      WHERE p.phone = ANY (p_phones) AND p.role = 'petitioner'
		      OFFSET 0) m
		JOIN report r ON r.id = m.report_id
		WHERE r.received_at > since
		ORDER BY r.received_at DESC LIMIT 1;
		IF hit IS NOT NULL THEN
			ids := ids || hit; ats := ats || hit_at;
		END IF;
	END IF;
	IF cardinality(p_ids) > 0 THEN
		hit := NULL;
		SELECT r.id, r.received_at INTO hit, hit_at
		FROM (SELECT p.report_id FROM party p
		      WHERE p.id_number = ANY (p_ids) AND p.role = 'petitioner'
		      OFFSET 0) m
		JOIN report r ON r.id = m.report_id
		WHERE r.received_at > since
		ORDER BY r.received_at DESC LIMIT 1;
		IF hit IS NOT NULL THEN
			ids := ids || hit; ats := ats || hit_at;
		END IF;
	END IF;

	-- The newest hit that has a case (at most three, so no sort).
	LOOP
		best := NULL;
		FOR k IN 1 .. coalesce(cardinality(ids), 0) LOOP
			IF ids[k] IS NOT NULL AND
			    (best IS NULL OR ats[k] > ats[best]) THEN
				best := k;
			END IF;
		END LOOP;
		EXIT WHEN best IS NULL;
		RETURN QUERY SELECT c.id, c.case_no,
			c.state NOT IN ('closed', 'refused')
		FROM "case" c WHERE c.report_id = ids[best];
		IF FOUND THEN
			RETURN;
		END IF;
		ids[best] := NULL;
	END LOOP;
END;
$$;
