-- 0012_repeat_lookups.sql -- gr_find_repeat() as separate indexed lookups.
-- The generic plan of 0011 is made once per connection, from the
-- statistics of that moment: a collector that connects to a new (or just
-- emptied) database keeps a plan made for empty tables, which joins the
-- hits to "case" by hashing a sequential scan of "case", so every report
-- read every case (0.56 ms per report after 10,000 reports, growing).
-- Here each search is a statement of its own whose only sensible plan is
-- an index scan (equality on a unique key, or the newest row of an index
-- range), whatever the statistics: the case of each hit is fetched by its
-- unique report_id, and the petitioner searches run only when the report
-- has petitioners' numbers.  Same signature, rights and results as 0007
-- and 0011: the explicit link first, then the most recent hit of the
-- window that has a case.
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
		SELECT r.id, r.received_at INTO hit, hit_at FROM party p
		JOIN report r ON r.id = p.report_id
		WHERE p.phone = ANY (p_phones) AND p.role = 'petitioner'
		  AND r.received_at > since
		ORDER BY r.received_at DESC LIMIT 1;
		IF hit IS NOT NULL THEN
			ids := ids || hit; ats := ats || hit_at;
		END IF;
	END IF;
	IF cardinality(p_ids) > 0 THEN
		hit := NULL;
		SELECT r.id, r.received_at INTO hit, hit_at FROM party p
		JOIN report r ON r.id = p.report_id
		WHERE p.id_number = ANY (p_ids) AND p.role = 'petitioner'
		  AND r.received_at > since
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
