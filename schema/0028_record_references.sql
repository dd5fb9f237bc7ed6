-- 0028_record_references.sql -- references to reports and cases are
-- checked once per statement, and reports and cases are permanent.
--
-- A party, a case, an event, an alert and a flagged case each name a
-- report or a case.  As foreign keys, each such reference was checked by a
-- query of its own after its row: about seven per report the collector
-- stores (two parties, two events, the case's report and earlier case, the
-- repeat alert), half of the foreign-key checks, which took a quarter of
-- the database's time per report (make bench, perf).  Here each table's
-- references are checked by one statement per INSERT statement, over all
-- of its rows (the transition table): a batch of 36 reports is five
-- checks, not 250.  An UPDATE that changes a reference is checked row by
-- row.
--
-- What a foreign key also does, keeping the rows referred to from going
-- away, becomes a rule of its own: a report or a case, once stored, is a
-- record of the petition (信访工作条例: records are kept) and is never
-- deleted, emptied or renumbered.  No role but the owner could delete them
-- before (0005); now no one can while the triggers are on.  So a
-- reference found once stays good, and the checks need no row locks.
--
-- Same refusals as before: SQLSTATE 23503 (foreign_key_violation) for a
-- row naming a report or case that is not there, the whole statement
-- undone.

ALTER TABLE party DROP CONSTRAINT party_report_id_fkey;
ALTER TABLE "case"
	DROP CONSTRAINT case_report_id_fkey,
	DROP CONSTRAINT case_repeat_of_fkey;
ALTER TABLE case_event DROP CONSTRAINT case_event_case_id_fkey;
ALTER TABLE alert DROP CONSTRAINT alert_case_id_fkey;
ALTER TABLE case_flagged DROP CONSTRAINT case_flagged_case_id_fkey;

-- gr_missing_reference(TABLE, COLUMN, VALUE): the error of a row whose
-- COLUMN names a report or case that is not there
CREATE FUNCTION gr_missing_reference(tab text, col text, val text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'insert or update on table "%" violates reference "%_%_ref"',
		tab, tab, col
		USING ERRCODE = 'foreign_key_violation',
		DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
			col, val, CASE WHEN col = 'report_id' THEN 'report'
			ELSE 'case' END),
		TABLE = tab, COLUMN = col,
		CONSTRAINT = format('%s_%s_ref', tab, col);
END;
$$;
-- the checks run as the writer: the collector, or the owner's functions
REVOKE EXECUTE ON FUNCTION gr_missing_reference(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_missing_reference(text, text, text)
	TO gr_collector;

CREATE FUNCTION gr_party_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	bad	text;
BEGIN
	SELECT n.report_id INTO bad FROM new_rows n
	WHERE NOT EXISTS (SELECT 1 FROM public.report r WHERE r.id = n.report_id OFFSET 0)
	LIMIT 1;
	IF FOUND THEN
		PERFORM public.gr_missing_reference('party', 'report_id', bad);
	END IF;
	RETURN NULL;
END;
$$;

CREATE FUNCTION gr_case_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	bad	record;
BEGIN
	-- a repeat's earlier case may be one of the same statement
	SELECT n.report_id,
		NOT EXISTS (SELECT 1 FROM public.report r WHERE r.id = n.report_id OFFSET 0)
		AS no_report, n.repeat_of INTO bad
	FROM new_rows n
	WHERE NOT EXISTS (SELECT 1 FROM public.report r WHERE r.id = n.report_id OFFSET 0)
	   OR (n.repeat_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public."case" x
		WHERE x.id = n.repeat_of OFFSET 0))
	LIMIT 1;
	IF FOUND THEN
		IF bad.no_report THEN
			PERFORM public.gr_missing_reference('case', 'report_id',
				bad.report_id);
		END IF;
		PERFORM public.gr_missing_reference('case', 'repeat_of',
			bad.repeat_of::text);
	END IF;
	RETURN NULL;
END;
$$;

-- An event's, an alert's or a flagged case's case_id: one function for
-- the three tables (PL/pgSQL keeps a plan per table it is a trigger of).
CREATE FUNCTION gr_case_id_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	bad	bigint;
BEGIN
	SELECT n.case_id INTO bad FROM new_rows n
	WHERE NOT EXISTS (SELECT 1 FROM public."case" c WHERE c.id = n.case_id OFFSET 0)
	LIMIT 1;
	IF FOUND THEN
		PERFORM public.gr_missing_reference(TG_TABLE_NAME, 'case_id',
			bad::text);
	END IF;
	RETURN NULL;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_party_refs(), gr_case_refs(),
	gr_case_id_refs() FROM PUBLIC;

CREATE TRIGGER party_refs AFTER INSERT ON party
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_party_refs();
CREATE TRIGGER case_refs AFTER INSERT ON "case"
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_case_refs();
CREATE TRIGGER case_event_refs AFTER INSERT ON case_event
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_case_id_refs();
CREATE TRIGGER alert_refs AFTER INSERT ON alert
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_case_id_refs();
CREATE TRIGGER case_flagged_refs AFTER INSERT ON case_flagged
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_case_id_refs();

-- An UPDATE that changes a reference, which nothing in the system does,
-- is checked row by row; any other UPDATE (a case's state) fires nothing.
-- (Marking an alert published was an UPDATE of alert; since 0033 it
-- deletes its row of alert_unsent.)  case_event is append-only (0001).
-- gr_reference_changed(COLUMN, PARENT): NEW's COLUMN names a row of PARENT
CREATE FUNCTION gr_reference_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	val	text;
	found	boolean;
BEGIN
	EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO val USING NEW;
	IF val IS NULL THEN
		RETURN NULL;
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I p WHERE p.id = ($1).%I)',
		TG_ARGV[1], TG_ARGV[0]) INTO found USING NEW;
	IF NOT found THEN
		PERFORM public.gr_missing_reference(TG_TABLE_NAME, TG_ARGV[0], val);
	END IF;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_reference_changed() FROM PUBLIC;

CREATE TRIGGER party_report_changed AFTER UPDATE OF report_id ON party
	FOR EACH ROW WHEN (OLD.report_id IS DISTINCT FROM NEW.report_id)
	EXECUTE FUNCTION gr_reference_changed('report_id', 'report');
CREATE TRIGGER case_report_changed AFTER UPDATE OF report_id ON "case"
	FOR EACH ROW WHEN (OLD.report_id IS DISTINCT FROM NEW.report_id)
	EXECUTE FUNCTION gr_reference_changed('report_id', 'report');
CREATE TRIGGER case_repeat_changed AFTER UPDATE OF repeat_of ON "case"
	FOR EACH ROW WHEN (OLD.repeat_of IS DISTINCT FROM NEW.repeat_of)
	EXECUTE FUNCTION gr_reference_changed('repeat_of', 'case');
CREATE TRIGGER alert_case_changed AFTER UPDATE OF case_id ON alert
	FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id)
	EXECUTE FUNCTION gr_reference_changed('case_id', 'case');
CREATE TRIGGER case_flagged_case_changed AFTER UPDATE OF case_id
	ON case_flagged
	FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id)
	EXECUTE FUNCTION gr_reference_changed('case_id', 'case');

-- Reports and cases are permanent: no DELETE, no TRUNCATE, no new id.
CREATE FUNCTION gr_record_permanent() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% of %: a stored % is permanent', lower(TG_OP),
		TG_TABLE_NAME, TG_TABLE_NAME
		USING ERRCODE = 'restrict_violation',
		HINT = 'reports and cases are records of petitions and are kept';
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_record_permanent() FROM PUBLIC;

CREATE TRIGGER report_permanent BEFORE DELETE OR TRUNCATE ON report
	FOR EACH STATEMENT EXECUTE FUNCTION gr_record_permanent();
CREATE TRIGGER report_id_permanent BEFORE UPDATE OF id ON report
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
	EXECUTE FUNCTION gr_record_permanent();
CREATE TRIGGER case_permanent BEFORE DELETE OR TRUNCATE ON "case"
	FOR EACH STATEMENT EXECUTE FUNCTION gr_record_permanent();
CREATE TRIGGER case_id_permanent BEFORE UPDATE OF id ON "case"
	FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
	EXECUTE FUNCTION gr_record_permanent();
