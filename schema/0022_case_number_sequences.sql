-- 0022_case_number_sequences.sql -- collectors of one county store side by
-- side.  Two things made every batch wait for the one before it, whichever
-- collector (or connection) sent it:
--
-- - The case number came from the county's case_counter row (0001), which
--   each batch updated in its case statement and held locked to its
--   commit.  It now comes from a sequence per county and year,
--   case_no_{county}_{year}, made when its first number is asked for;
--   nextval() takes no lock that lasts.  Numbers stay unique per county and
--   year and rise in each batch's order, but a batch rolled back leaves a
--   gap, and two collectors' numbers interleave in the order they were
--   taken, not committed.
-- - The 一案双查 trigger (0014) takes a township's advisory lock for each red
--   or group case, in row order: two batches could each hold one township
--   and wait for the other's (a deadlock).  gr_lock_townships() takes a
--   batch's township locks first, in one order; the trigger's own lock is
--   then already held.
--
-- A sequence is made in the transaction that first needs it, and another
-- transaction wanting it waits for that one's commit: a wait that the
-- township lock order does not cover.  So that batches need not make
-- them, gr_case_numbers_ahead() makes this year's and next year's for
-- every county beforehand; the collector calls it when it connects and at
-- every sweep, in a transaction of its own, and this migration once.
--
-- case_counter's numbers carry over to the sequences, and the table goes.

-- The sequence of a county's case numbers for a year, made when missing.
CREATE FUNCTION gr_case_no_seq(p_county text, p_year integer)
RETURNS regclass
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	name	text;
	seq	regclass;
BEGIN
	IF p_county IS NULL OR p_county !~ '^[0-9]{6}$' OR p_year IS NULL OR
	    p_year NOT BETWEEN 2000 AND 9999 THEN
		RAISE EXCEPTION 'no case numbers for county % in year %',
			p_county, p_year USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- schema-qualified: a temporary sequence of the caller's must not
	-- stand in for it
	name := format('public.case_no_%s_%s', p_county, p_year);
	seq := to_regclass(name);
	IF seq IS NULL THEN
		BEGIN
			EXECUTE format('CREATE SEQUENCE %s', name);
		EXCEPTION WHEN duplicate_table OR unique_violation THEN
			NULL;	-- another transaction made it meanwhile
		END;
		seq := to_regclass(name);
		IF seq IS NULL THEN
			-- made meanwhile, but not yet visible here: try again
			RAISE EXCEPTION 'sequence % is being made', name
				USING ERRCODE = 'serialization_failure';
		END IF;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = seq
	    AND c.relkind = 'S' AND c.relowner = current_user::regrole) THEN
		RAISE EXCEPTION '% is not a sequence of the schema''s owner', name
			USING ERRCODE = 'wrong_object_type';
	END IF;
	RETURN seq;
END;
$$;

-- The year case numbers are counted in: the calendar year in China.
CREATE FUNCTION gr_case_year() RETURNS integer
LANGUAGE sql STABLE AS $$
	SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::integer
$$;

-- One new case number for each element of p_counties (counties of table
-- division), in their order: (k, no), k the element's position.  The year
-- is this year, or the one before or after (a transaction begun on one
-- side of midnight).
CREATE FUNCTION gr_case_numbers(p_counties text[], p_year integer)
RETURNS TABLE (k integer, no bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	cur	text;
	seq	regclass;
BEGIN
	IF p_year IS NULL OR abs(p_year - gr_case_year()) > 1 THEN
		RAISE EXCEPTION 'no case numbers for year %', p_year
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR i IN 1 .. coalesce(array_length(p_counties, 1), 0) LOOP
		IF cur IS DISTINCT FROM p_counties[i] THEN
			cur := p_counties[i];
			IF NOT EXISTS (SELECT 1 FROM division
			    WHERE code = cur AND level = 'county') THEN
				RAISE EXCEPTION 'no county %', cur
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			seq := gr_case_no_seq(cur, p_year);
		END IF;
		k := i;
		no := nextval(seq);
		RETURN NEXT;
	END LOOP;
END;
$$;

-- Make this year's and next year's sequence of every county now, in the
-- caller's transaction, so that no batch makes one (see above).  Returns
-- how many there are.
CREATE FUNCTION gr_case_numbers_ahead() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	y	integer := gr_case_year();
	n	integer := 0;
	c	text;
BEGIN
	FOR c IN SELECT code FROM division WHERE level = 'county' ORDER BY code
	LOOP
		PERFORM gr_case_no_seq(c, y);
		PERFORM gr_case_no_seq(c, y + 1);
		n := n + 2;
	END LOOP;
	RETURN n;
END;
$$;

-- Take the 一案双查 locks of the townships a transaction adds red or group
-- cases to (the new cases' townships, colours and numbers of people, as
-- gr_case_alerts() tells them), in one order for every transaction; they
-- are held to its end.
CREATE FUNCTION gr_lock_townships(p_townships text[], p_colours text[],
	p_people integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	h	integer;
BEGIN
	-- in the order of the lock keys themselves: two townships may share
	-- a hash
	FOR h IN SELECT DISTINCT hashtext(u.t) FROM unnest(p_townships,
	    p_colours, p_people) u(t, colour, people)
	    WHERE u.t IS NOT NULL AND (u.colour = 'red' OR u.people >= 5)
	    ORDER BY 1 LOOP
		PERFORM pg_advisory_xact_lock(hashtext('gr_double_check'), h);
	END LOOP;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_case_no_seq(text, integer),
	gr_case_numbers(text[], integer), gr_case_numbers_ahead(),
	gr_lock_townships(text[], text[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_case_numbers(text[], integer),
	gr_case_numbers_ahead(), gr_lock_townships(text[], text[], integer[])
	TO gr_collector;

DO $$
BEGIN
	PERFORM setval(gr_case_no_seq(county_code, year), last_no)
	FROM case_counter WHERE last_no > 0;
	PERFORM gr_case_numbers_ahead();
END;
$$;
DROP TABLE case_counter;
