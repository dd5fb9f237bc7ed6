-- 0027_matter_locks.sql -- one matter at a time, across collectors.
--
-- A report is routed as a repeat (重访) when the repeat search finds an
-- earlier report of the same matter: the report it links to, the same
-- grid and category, or a petitioner with the same phone or ID number
-- (gr_find_repeats(), 0024).  The search sees committed reports only.  Two
-- collectors, or two store workers, storing reports of one matter at the
-- same moment each searched without the other's report, and both opened
-- a new case: the second was never linked to the first.
--
-- gr_lock_matters() takes one lock per key a report can be found by (its
-- own id, its grid and category, each petitioner's phone and ID number),
-- for every report of a batch, in the order of the keys' hashes.  A
-- report that links to another takes the other's id lock shared: it
-- waits for the report it links to, but two reports linking to one
-- report do not wait for each other (each finds it by the link, whatever
-- the other is).  The collector calls it first in the transaction, in a
-- statement before the repeat search: a transaction storing a report of
-- the same matter holds a lock it needs, and the search runs after that
-- one's commit, with a snapshot that shows its report.  The locks are
-- transaction advisory locks: they end with the transaction.
--
-- Every transaction takes its locks in the same order: these first, all
-- in one call, then the townships of 一案双查 and the cases repeated
-- (gr_lock_batch(), 0025).  A transaction waiting here holds no lock of
-- the later kinds, so no two can wait on each other.  Two keys that share
-- a hash share a lock: the only cost is a wait that was not needed.

CREATE FUNCTION gr_lock_matters(p_ids text[], p_links text[],
	p_grids text[], p_categories text[], p_phones text[],
	p_id_numbers text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- p_phones and p_id_numbers: one array literal per report, of its
	-- petitioners' (as gr_find_repeats() takes them).  One statement,
	-- the locks taken row by row in the order of the subquery.
	PERFORM CASE WHEN k.mine
		THEN pg_advisory_xact_lock(hashtext('gr_matter'), k.h)
		ELSE pg_advisory_xact_lock_shared(hashtext('gr_matter'), k.h) END
	FROM (SELECT hashtext(x.k) AS h, bool_or(x.mine) AS mine FROM (
		SELECT 'report ' || r, true FROM unnest(p_ids) r
		UNION ALL
		SELECT 'report ' || l, false FROM unnest(p_links) l
		UNION ALL
		SELECT 'grid ' || g || ' ' || c, true
		FROM unnest(p_grids, p_categories) u(g, c)
		UNION ALL
		SELECT 'phone ' || p, true FROM unnest(p_phones) a,
			unnest(a::text[]) p
		UNION ALL
		SELECT 'id ' || i, true FROM unnest(p_id_numbers) a,
			unnest(a::text[]) i
	) x(k, mine) WHERE x.k IS NOT NULL GROUP BY 1 ORDER BY 1) k;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_lock_matters(text[], text[], text[], text[],
	text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_lock_matters(text[], text[], text[], text[],
	text[], text[]) TO gr_collector;
