-- 0025_repeat_locks.sql -- repeats of one case stored side by side.
--
-- A repeat's alert says which repeat of its case it is (第 N 次): the alert
-- trigger counts the cases with the same repeat_of up to its own id
-- (0023).  Two transactions storing repeats of one case at once, by two
-- store workers or two collectors, each counted without the other's
-- uncommitted case: both said 第 2 次.
--
-- gr_lock_batch() takes, before a batch opens its cases, the township
-- locks of 一案双查 (gr_lock_townships(), 0022) and then one lock per case
-- repeated, each set in the order of its keys.  The second transaction
-- waits for the first's commit; its cases are inserted after that, so
-- their ids come after the first's and the count includes them.  The
-- locks are transaction advisory locks: they end with the transaction.

CREATE FUNCTION gr_lock_batch(p_townships text[], p_colours text[],
	p_people integer[], p_repeats bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	h	integer;
BEGIN
	PERFORM gr_lock_townships(p_townships, p_colours, p_people);
	-- two cases may share a hash: one lock for both
	FOR h IN SELECT DISTINCT hashint8(c) FROM unnest(p_repeats) c
	    WHERE c IS NOT NULL ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(hashtext('gr_repeat'), h);
	END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_lock_batch(text[], text[], integer[], bigint[])
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_lock_batch(text[], text[], integer[], bigint[])
	TO gr_collector;
