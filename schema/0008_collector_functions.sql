-- 0008_collector_functions.sql -- the workflow, supervision and repeat
-- functions the collector calls run with their owner's rights, so that the
-- collector role (0005_roles.sql) needs no UPDATE on cases nor any read of
-- parties: it may change a case only through gr_case_act() and gr_sweep(),
-- which enforce the rules.  search_path is pinned, as for every SECURITY
-- DEFINER function, so that no schema of the caller's can stand in.
ALTER FUNCTION gr_find_repeat(text, text, text, text[], text[])
	SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION gr_case_act(text, text, text, text, case_action, text, text,
	integer, integer) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION gr_sweep(timestamptz, integer)
	SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION gr_find_repeat(text, text, text, text[], text[]),
	gr_case_act(text, text, text, text, case_action, text, text, integer,
	integer), gr_sweep(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_find_repeat(text, text, text, text[], text[]),
	gr_case_act(text, text, text, text, case_action, text, text, integer,
	integer), gr_sweep(timestamptz, integer) TO gr_collector;
