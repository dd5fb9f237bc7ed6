-- 0031_reference_data_checks.sql -- what a report, a case or an alert
-- names of the county's reference data (its worker, grid and category, a
-- township) is checked once per statement, as 0028 does for references to
-- reports and cases.
--
-- As foreign keys these were the rest of the per-row checks: six queries
-- for each report the collector stores (the report's worker, grid,
-- category and item, its case's township, the repeat alert's township),
-- and a category's, on a table of two pages, read category whole (make
-- bench: pg_stat_statements, pg_stat_user_tables).  Without them the
-- database alone stores a batch 12 % faster.  Here a trigger per table
-- locks and checks, in one statement, all the rows an INSERT wrote (the
-- transition table); an UPDATE that changes a reference is checked row by
-- row.  One statement, because PL/pgSQL pays each statement's executor
-- start-up: with a statement per referenced table and step, a report
-- stored alone paid 80 us for its checks where the foreign keys took 16
-- (one statement: 55 us, which a batch's reports share).
--
-- What the foreign keys also did is kept:
--  * The rows named are locked (FOR KEY SHARE), once per statement, until
--    commit, so a worker, grid, category or township cannot go away under
--    a report being stored.
--  * A worker, grid, category or township that a report, case or alert
--    names is not deleted and keeps its key: a worker who leaves is made
--    inactive, not deleted.  The check reads the rows committed when it
--    runs, after the rows locked above are released, so it is made in READ
--    COMMITTED (psql's default); in a stricter isolation a snapshot taken
--    earlier could miss a report committed since, and the delete is
--    refused.  TRUNCATE of these tables is refused while anything names
--    them.
--
-- Same refusals as before, with their own names: SQLSTATE 23503
-- (foreign_key_violation), the whole statement undone; "report_worker_id_ref"
-- where the foreign key was "report_worker_id_fkey".

ALTER TABLE report
	DROP CONSTRAINT report_worker_id_fkey,
	DROP CONSTRAINT report_grid_code_fkey,
	DROP CONSTRAINT report_category_fkey,
	DROP CONSTRAINT report_item_fkey;
ALTER TABLE "case" DROP CONSTRAINT case_township_code_fkey;
ALTER TABLE alert DROP CONSTRAINT alert_township_code_fkey;

-- gr_missing_data(TABLE, COLUMN, VALUE, PARENT): the error of a row whose
-- COLUMN names a row of PARENT that is not there
CREATE FUNCTION gr_missing_data(tab text, col text, val text, parent text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'insert or update on table "%" violates reference "%_%_ref"',
		tab, tab, col
		USING ERRCODE = 'foreign_key_violation',
		DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
			col, val, parent),
		TABLE = tab, COLUMN = col,
		CONSTRAINT = format('%s_%s_ref', tab, col);
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_missing_data(text, text, text, text) FROM PUBLIC;

-- A report's worker, grid, category and item.  SECURITY DEFINER: locking
-- a row needs more than the collector's SELECT, as a foreign key's check
-- ran as the owner.
CREATE FUNCTION gr_report_data_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	bad	record;
BEGIN
	WITH w AS (SELECT w.id FROM worker w
		WHERE w.id IN (SELECT n.worker_id FROM new_rows n) FOR KEY SHARE),
	g AS (SELECT g.code FROM grid g
		WHERE g.code IN (SELECT n.grid_code FROM new_rows n) FOR KEY SHARE),
	c AS (SELECT c.code FROM category c
		WHERE c.code IN (SELECT n.category FROM new_rows n
		UNION SELECT n.item FROM new_rows n) FOR KEY SHARE)
	SELECT CASE
		WHEN w.id IS NULL THEN 'worker_id'
		WHEN g.code IS NULL THEN 'grid_code'
		WHEN c.code IS NULL THEN 'category'
		ELSE 'item' END AS col,
		CASE
		WHEN w.id IS NULL THEN n.worker_id
		WHEN g.code IS NULL THEN n.grid_code
		WHEN c.code IS NULL THEN n.category
		ELSE n.item END AS val INTO bad
	FROM new_rows n
	LEFT JOIN w ON w.id = n.worker_id
	LEFT JOIN g ON g.code = n.grid_code
	LEFT JOIN c ON c.code = n.category
	LEFT JOIN c i ON i.code = n.item
	WHERE w.id IS NULL OR g.code IS NULL OR c.code IS NULL
	   OR (n.item IS NOT NULL AND i.code IS NULL)
	LIMIT 1;
	IF FOUND THEN
		PERFORM gr_missing_data('report', bad.col, bad.val,
			CASE bad.col WHEN 'worker_id' THEN 'worker'
			WHEN 'grid_code' THEN 'grid' ELSE 'category' END);
	END IF;
	RETURN NULL;
END;
$$;

-- A case's or an alert's township (PL/pgSQL keeps a plan per table).
CREATE FUNCTION gr_township_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	bad	text;
BEGIN
	WITH d AS (SELECT d.code FROM division d
		WHERE d.code IN (SELECT n.township_code FROM new_rows n) FOR KEY SHARE)
	SELECT n.township_code INTO bad FROM new_rows n
	LEFT JOIN d ON d.code = n.township_code
	WHERE d.code IS NULL
	LIMIT 1;
	IF FOUND THEN
		PERFORM gr_missing_data(TG_TABLE_NAME, 'township_code', bad,
			'division');
	END IF;
	RETURN NULL;
END;
$$;

REVOKE EXECUTE ON FUNCTION gr_report_data_refs(), gr_township_refs()
	FROM PUBLIC;

CREATE TRIGGER report_data_refs AFTER INSERT ON report
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_report_data_refs();
CREATE TRIGGER case_township_refs AFTER INSERT ON "case"
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_township_refs();
CREATE TRIGGER alert_township_refs AFTER INSERT ON alert
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_township_refs();

-- gr_data_changed(COLUMN, PARENT, KEY): NEW's COLUMN names a row of
-- PARENT by its KEY; the row is locked as on INSERT
CREATE FUNCTION gr_data_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	val	text;
	one	integer;
BEGIN
	EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO val USING NEW;
	IF val IS NULL THEN
		RETURN NULL;
	END IF;
	EXECUTE format('SELECT 1 FROM %I p WHERE p.%I = $1 FOR KEY SHARE',
		TG_ARGV[1], TG_ARGV[2]) INTO one USING val;
	IF NOT FOUND THEN
		PERFORM gr_missing_data(TG_TABLE_NAME, TG_ARGV[0], val,
			TG_ARGV[1]);
	END IF;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_data_changed() FROM PUBLIC;

CREATE TRIGGER report_worker_changed AFTER UPDATE OF worker_id ON report
	FOR EACH ROW WHEN (OLD.worker_id IS DISTINCT FROM NEW.worker_id)
	EXECUTE FUNCTION gr_data_changed('worker_id', 'worker', 'id');
CREATE TRIGGER report_grid_changed AFTER UPDATE OF grid_code ON report
	FOR EACH ROW WHEN (OLD.grid_code IS DISTINCT FROM NEW.grid_code)
	EXECUTE FUNCTION gr_data_changed('grid_code', 'grid', 'code');
CREATE TRIGGER report_category_changed AFTER UPDATE OF category ON report
	FOR EACH ROW WHEN (OLD.category IS DISTINCT FROM NEW.category)
	EXECUTE FUNCTION gr_data_changed('category', 'category', 'code');
CREATE TRIGGER report_item_changed AFTER UPDATE OF item ON report
	FOR EACH ROW WHEN (OLD.item IS DISTINCT FROM NEW.item)
	EXECUTE FUNCTION gr_data_changed('item', 'category', 'code');
CREATE TRIGGER case_township_changed AFTER UPDATE OF township_code ON "case"
	FOR EACH ROW WHEN (OLD.township_code IS DISTINCT FROM NEW.township_code)
	EXECUTE FUNCTION gr_data_changed('township_code', 'division', 'code');
CREATE TRIGGER alert_township_changed AFTER UPDATE OF township_code ON alert
	FOR EACH ROW WHEN (OLD.township_code IS DISTINCT FROM NEW.township_code)
	EXECUTE FUNCTION gr_data_changed('township_code', 'division', 'code');

-- The other side: a row of reference data that something names keeps its
-- key and is not deleted.  gr_data_kept(KEY): by the table it fires on;
-- an UPDATE that keeps the key (a name, a worker made inactive) is let by.
CREATE FUNCTION gr_data_kept() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	k	text;
	same	boolean;
	child	text;
	col	text;
BEGIN
	EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO k USING OLD;
	IF TG_OP = 'UPDATE' THEN
		EXECUTE format('SELECT ($1).%I::text = $2', TG_ARGV[0])
			INTO same USING NEW, k;
		IF same THEN
			RETURN NEW;
		END IF;
	END IF;
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION '% of % %: reference data is changed in READ COMMITTED',
			lower(TG_OP), TG_TABLE_NAME, k
			USING ERRCODE = 'object_not_in_prerequisite_state',
			HINT = 'a stricter snapshot could miss a report stored since it was taken';
	END IF;
	CASE TG_TABLE_NAME
	WHEN 'worker' THEN
		IF EXISTS (SELECT 1 FROM report r WHERE r.worker_id = k) THEN
			child := 'report'; col := 'worker_id';
		END IF;
	WHEN 'grid' THEN
		IF EXISTS (SELECT 1 FROM report r WHERE r.grid_code = k) THEN
			child := 'report'; col := 'grid_code';
		END IF;
	WHEN 'category' THEN
		IF EXISTS (SELECT 1 FROM report r WHERE r.category = k) THEN
			child := 'report'; col := 'category';
		ELSIF EXISTS (SELECT 1 FROM report r WHERE r.item = k) THEN
			child := 'report'; col := 'item';
		END IF;
	WHEN 'division' THEN
		IF EXISTS (SELECT 1 FROM "case" c WHERE c.township_code = k) THEN
			child := 'case'; col := 'township_code';
		ELSIF EXISTS (SELECT 1 FROM alert a WHERE a.township_code = k) THEN
			child := 'alert'; col := 'township_code';
		END IF;
	END CASE;
	IF child IS NOT NULL THEN
		RAISE EXCEPTION 'update or delete on table "%" violates reference "%_%_ref" on table "%"',
			TG_TABLE_NAME, child, col, child
			USING ERRCODE = 'foreign_key_violation',
			DETAIL = format('Key (%s)=(%s) is still referenced from table "%s".',
				TG_ARGV[0], k, child),
			TABLE = child, CONSTRAINT = format('%s_%s_ref', child, col);
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

-- TRUNCATE: refused while anything names the table's rows (and, as a
-- delete, outside READ COMMITTED).  With the triggers off
-- (session_replication_role = replica, as the benchmarks load data) none
-- of these checks is made, as no foreign key's was.
CREATE FUNCTION gr_data_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'truncate of %: reference data is changed in READ COMMITTED',
			TG_TABLE_NAME
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF (TG_TABLE_NAME IN ('worker', 'grid', 'category')
	    AND EXISTS (SELECT 1 FROM report))
	   OR (TG_TABLE_NAME = 'division'
	    AND (EXISTS (SELECT 1 FROM "case") OR EXISTS (SELECT 1 FROM alert))) THEN
		RAISE EXCEPTION 'truncate of %: reports, cases or alerts name its rows',
			TG_TABLE_NAME
			USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_data_kept(), gr_data_truncate() FROM PUBLIC;

CREATE TRIGGER worker_kept BEFORE DELETE OR UPDATE OF id ON worker
	FOR EACH ROW EXECUTE FUNCTION gr_data_kept('id');
CREATE TRIGGER grid_kept BEFORE DELETE OR UPDATE OF code ON grid
	FOR EACH ROW EXECUTE FUNCTION gr_data_kept('code');
CREATE TRIGGER category_kept BEFORE DELETE OR UPDATE OF code ON category
	FOR EACH ROW EXECUTE FUNCTION gr_data_kept('code');
CREATE TRIGGER division_kept BEFORE DELETE OR UPDATE OF code ON division
	FOR EACH ROW EXECUTE FUNCTION gr_data_kept('code');
CREATE TRIGGER worker_truncate BEFORE TRUNCATE ON worker
	FOR EACH STATEMENT EXECUTE FUNCTION gr_data_truncate();
CREATE TRIGGER grid_truncate BEFORE TRUNCATE ON grid
	FOR EACH STATEMENT EXECUTE FUNCTION gr_data_truncate();
CREATE TRIGGER category_truncate BEFORE TRUNCATE ON category
	FOR EACH STATEMENT EXECUTE FUNCTION gr_data_truncate();
CREATE TRIGGER division_truncate BEFORE TRUNCATE ON division
	FOR EACH STATEMENT EXECUTE FUNCTION gr_data_truncate();
