-- 0036_alert_deleted_unsent.sql -- an alert deleted by hand takes its id
-- out of alert_unsent.
--
-- alert_unsent (0033) has no foreign key to alert; TRUNCATE alert empties
-- it, and an id whose alert was deleted was left in it, skipped by
-- gr_alerts_pending()'s join at every sweep and never removed.  Were the
-- id given to a new alert later (a sequence reset with the table emptied
-- by DELETE), that alert's own id could not go in, and the statement that
-- raised it would fail.  A trigger on DELETE now removes the ids of the
-- deleted alerts, as the TRUNCATE trigger does for all; the collector
-- never deletes an alert, so it costs its batches nothing.  Ids left
-- behind before this migration are removed here.

CREATE FUNCTION gr_alerts_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	DELETE FROM alert_unsent u USING old_rows o WHERE u.alert_id = o.id;
	RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION gr_alerts_deleted() FROM PUBLIC;
CREATE TRIGGER alert_unsent_delete AFTER DELETE ON alert
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION gr_alerts_deleted();

DELETE FROM alert_unsent u
WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.id = u.alert_id);
