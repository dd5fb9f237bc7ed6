-- 0024_repeat_search_per_batch.sql -- the repeat search of a whole batch
-- in one call and one statement.
--
-- The collector's batch called gr_find_repeat() (0016) once per report:
-- a PL/pgSQL call with three to five statements of its own, each started
-- and ended by the executor for one lookup, about 80 us per report of
-- which the lookups themselves took a quarter (make bench,
-- pg_stat_statements).  gr_find_repeats() takes the batch's reports as
-- arrays, in batch order, and answers a row per report (k, from 1) with
-- one statement whose lookups are the same index reads as before: the
-- explicit link's case; the newest report of the grid and category in the
-- window; the newest report with a petitioner of one of the phones, and
-- of one of the ID numbers, read from the petitioners' own parties first.
-- The hit is the link's case if it has one, else the newest hit that has
-- a case (the grid's before the phone's before the ID number's when two
-- are as new), as before.  The phones and ID numbers of each report come
-- as one array literal ('{...}') per report.
--
-- Its plan is kept, as 0016's were (planning it takes about 1 ms, more
-- than a small batch's search), and made again with the collector's.
-- Every lookup in it is a LATERAL subquery of the batch's row, kept apart
-- by OFFSET 0 or LIMIT, so none can become a join that reads a table
-- whole (0011's trouble); and each has its index, which it is to use
-- whatever the statistics say (enable_seqscan off): a plan made while
-- party was small, or before it was first analysed, read party whole for
-- every petitioner's phone, 1.5 ms a report once it held 20,000 rows.
--
-- gr_find_repeat(), for one report (the collector's one-at-a-time path),
-- is now this search for a batch of one: one rule, written once.
CREATE FUNCTION gr_find_repeats(p_links text[], p_grids text[],
	p_categories text[], p_phones text[], p_ids text[])
RETURNS TABLE (k bigint, case_id bigint, case_no text, open boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off AS $$
DECLARE
	since	timestamptz;
BEGIN
	SELECT now() - make_interval(days => s.value::int) INTO since
	FROM setting s WHERE s.name = 'repeat_window_days';

	RETURN QUERY
	SELECT b.k, hit.id, hit.case_no, hit.open
	FROM unnest(p_links, p_grids, p_categories, p_phones, p_ids)
		WITH ORDINALITY AS b(link, grid, cat, phones, ids, k)
	CROSS JOIN LATERAL (
		SELECT c.id, c.case_no, c.state NOT IN ('closed', 'refused') AS open
		FROM (
			SELECT 0 AS o, NULL::timestamptz AS at, b.link AS rid
			WHERE b.link IS NOT NULL
			UNION ALL
			(SELECT 1, r.received_at, r.id FROM report r
			 WHERE r.grid_code = b.grid AND r.category = b.cat
			   AND r.received_at > since
			 ORDER BY r.received_at DESC LIMIT 1)
			UNION ALL
			(SELECT 2, r.received_at, r.id
			 FROM (SELECT p.report_id FROM party p
			       WHERE p.phone = ANY (b.phones::text[])
			         AND p.role = 'petitioner' OFFSET 0) m
			 JOIN report r ON r.id = m.report_id
			 WHERE r.received_at > since
			 ORDER BY r.received_at DESC LIMIT 1)
			UNION ALL
			(SELECT 3, r.received_at, r.id
			 FROM (SELECT p.report_id FROM party p
			       WHERE p.id_number = ANY (b.ids::text[])
			         AND p.role = 'petitioner' OFFSET 0) m
			 JOIN report r ON r.id = m.report_id
			 WHERE r.received_at > since
			 ORDER BY r.received_at DESC LIMIT 1)
		) h
		-- each hit's case by its unique report_id
		CROSS JOIN LATERAL (SELECT x.id, x.case_no, x.state FROM "case" x
			WHERE x.report_id = h.rid OFFSET 0) c
		ORDER BY h.o > 0, h.at DESC, h.o
		LIMIT 1
	) hit;
END;
$$;

-- (PL/pgSQL, not SQL: a SQL function that is not inlined plans its query
-- at every call.)
CREATE OR REPLACE FUNCTION gr_find_repeat(p_link text, p_grid text,
	p_category text, p_phones text[], p_ids text[])
RETURNS TABLE (case_id bigint, case_no text, open boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY SELECT r.case_id, r.case_no, r.open
	FROM gr_find_repeats(ARRAY[p_link], ARRAY[p_grid], ARRAY[p_category],
		ARRAY[p_phones::text], ARRAY[p_ids::text]) r;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_find_repeats(text[], text[], text[], text[],
	text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_find_repeats(text[], text[], text[], text[],
	text[]) TO gr_collector;
