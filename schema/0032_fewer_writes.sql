-- 0032_fewer_writes.sql -- less written and planned for each stored report.
--
-- Each report the collector stores wrote 26.3 index entries (pg_waldump
-- --stats over 20,000 reports of grload db); four of them went to indexes
-- nothing reads, or to NULLs.  After: 22.3, and 8.5 % less WAL (README,
-- "Fewer index entries per report").
--
--  * case_event.action_id is unique among the dispatchers' actions and NULL
--    on every other event, the two the collector writes for each new case
--    among them.  A unique index over the non-NULL values keeps the same
--    rule (NULLs were never equal to each other) without an entry for each
--    NULL.  gr_case_act()'s look-up by action_id (action_id = p_action_id)
--    implies the index's condition and reads it as before.
--  * report_grid_received (grid_code, received_at) is read by no query of
--    the system: the repeat search reads report_grid_category (grid_code,
--    category, received_at), which also serves a look-up by grid alone
--    (gr_data_kept(), schema/0031).  A report is written with four index
--    entries instead of five.
--  * case_township_opened (township_code, opened_at) was the 一案双查
--    window's index until case_flagged (schema/0013) took its place; since
--    then only gr_data_kept() read it, to refuse deleting a township that
--    cases name, a rare task of the county's administrator, which now reads
--    "case" whole (as deleting a category reads report).
--  * gr_alerts_published() was a SQL function with a SET clause, which is
--    never inlined and so is parsed and planned again at every call (once
--    per batch of the collector); in PL/pgSQL its UPDATE's plan is kept.
ALTER TABLE case_event DROP CONSTRAINT case_event_action_id_key;
CREATE UNIQUE INDEX case_event_action_id ON case_event (action_id)
	WHERE action_id IS NOT NULL;

DROP INDEX report_grid_received;
DROP INDEX case_township_opened;

CREATE OR REPLACE FUNCTION gr_alerts_published(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE alert SET published_at = now()
	WHERE id = ANY (p_ids) AND published_at IS NULL;
END;
$$;
