-- 0033_alerts_unsent.sql -- an alert not yet published is a row of
-- alert_unsent, deleted once the broker has it, instead of a NULL
-- published_at set by an UPDATE.
--
-- Marking an alert published rewrote the whole alert row: published_at
-- is named by the partial index alert_unpublished, so the UPDATE could
-- not be a heap-only one, and wrote a new entry into each of the alert's
-- other three indexes as well.  In the benchmark nearly every report
-- raises an alert (a repeat of a matter already reported), and this
-- UPDATE was an eighth of the database's time per report (make bench,
-- pg_stat_statements).  Now the alert is written once; its id goes into
-- alert_unsent in the same statement (a trigger on alert), and
-- gr_alerts_published() deletes it from there.  gr_alerts_pending() reads
-- alert_unsent, a table as small as the alerts awaiting the broker, where
-- it read the partial index.
--
-- The time an alert was published is no longer kept: it was the time the
-- broker took the alert, a few milliseconds after raised_at, or the sweep
-- after a collector or broker failure.  The collector logs each alert it
-- sends, with the time (event=alert-sent, event=alert-published).
--
-- No foreign key to alert (its check would cost a look-up per alert):
-- alert_unsent is written by the trigger below, from the rows just
-- inserted; TRUNCATE alert empties it too (a trigger), and an id whose
-- alert was deleted by hand is skipped by gr_alerts_pending()'s join.
CREATE TABLE alert_unsent (
	alert_id	bigint PRIMARY KEY
);
INSERT INTO alert_unsent SELECT id FROM alert WHERE published_at IS NULL;

DROP INDEX alert_unpublished;
ALTER TABLE alert DROP COLUMN published_at;

CREATE FUNCTION gr_alerts_unsent() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO alert_unsent SELECT n.id FROM new_rows n;
	RETURN NULL;
END;
$$;
CREATE FUNCTION gr_alerts_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	TRUNCATE alert_unsent;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_alerts_unsent(), gr_alerts_truncated()
	FROM PUBLIC;
CREATE TRIGGER alert_unsent_add AFTER INSERT ON alert
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_alerts_unsent();
CREATE TRIGGER alert_unsent_truncate AFTER TRUNCATE ON alert
	FOR EACH STATEMENT EXECUTE FUNCTION gr_alerts_truncated();

CREATE OR REPLACE FUNCTION gr_alerts_published(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	DELETE FROM alert_unsent WHERE alert_id = ANY (p_ids);
END;
$$;

-- Same columns and order as before (0019); the lock is taken on the
-- alert's row of alert_unsent, so that two collectors do not both publish
-- one, and the alert itself is not written.
CREATE OR REPLACE FUNCTION gr_alerts_pending(p_max integer,
	p_settled interval)
RETURNS TABLE (id bigint, kind alert_kind, case_no text, county_code text,
	township_code text, township_name text, related text[], note text,
	raised_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, a.kind, c.case_no, a.county_code, a.township_code,
		d.name_zh, a.related, a.note, a.raised_at
	FROM alert_unsent u
	JOIN alert a ON a.id = u.alert_id
	JOIN "case" c ON c.id = a.case_id
	JOIN division d ON d.code = a.township_code
	WHERE a.raised_at <= now() - p_settled
	ORDER BY u.alert_id
	LIMIT p_max
	FOR UPDATE OF u SKIP LOCKED
$$;

-- The county's analysts see which alerts are not yet marked published.
GRANT SELECT ON alert_unsent TO gr_analyst;
