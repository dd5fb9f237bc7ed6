-- 0018_sweep_due_only.sql -- the sweep locks only the cases it will
-- raise.  gr_sweep() of 0006 locked every open overdue case (FOR UPDATE,
-- a write to each row) and only then skipped those already at the level
-- their lateness calls for: a backlog of long-overdue cases at the red
-- card was read and locked again at every sweep (1.5 s a sweep with
-- 5,000,000 cases stored, make bench-big), holding up the reports queued
-- behind it.  The query now keeps only the cases for which a higher level
-- is due; the loop is unchanged.  Same signature, rights and results.

CREATE OR REPLACE FUNCTION gr_sweep(p_now timestamptz, p_max integer)
RETURNS TABLE (case_no text, level integer, old_unit text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
	c	record;
	lvl	integer;
	pol	supervision_policy%ROWTYPE;
	late	integer;
	done	integer := 0;
BEGIN
	FOR c IN
		SELECT k.* FROM "case" k
		WHERE k.state IN ('routed', 'accepted', 'assigned', 'escalated',
			'supervised', 'reopened')
		  AND k.supervision < (SELECT max(s.level)
			FROM supervision_policy s)
		  AND (k.resolve_due < p_now
		    OR (k.response_due < p_now AND NOT EXISTS (
			SELECT 1 FROM case_event e
			WHERE e.case_id = k.id AND e.to_state = 'accepted')))
		  -- a level above the case's is due: whole days late
		  AND EXISTS (SELECT 1 FROM supervision_policy s
			WHERE s.level > k.supervision
			  AND s.overdue_days <= floor(extract(epoch FROM p_now -
				CASE WHEN k.resolve_due < p_now THEN k.resolve_due
				ELSE k.response_due END) / 86400))
		ORDER BY k.id
		FOR UPDATE OF k SKIP LOCKED
	LOOP
		-- whole days past the deadline that was missed
		late := floor(extract(epoch FROM p_now - CASE
			WHEN c.resolve_due < p_now THEN c.resolve_due
			ELSE c.response_due END) / 86400)::integer;
		SELECT * INTO pol FROM supervision_policy
			WHERE overdue_days <= late ORDER BY supervision_policy.level DESC
			LIMIT 1;
		IF NOT FOUND OR pol.level <= c.supervision THEN
			CONTINUE;
		END IF;
		EXIT WHEN done >= p_max;
		done := done + 1;
		lvl := pol.level;
		UPDATE "case" SET supervision = lvl, supervised_at = p_now,
			state = 'supervised', updated_at = now(),
			level = CASE WHEN pol.escalate THEN 'county'::route_level ELSE "case".level END,
			unit_code = CASE WHEN pol.escalate THEN c.county_code ELSE "case".unit_code END
			WHERE id = c.id;
		INSERT INTO case_event (case_id, actor, from_state, to_state, note)
		VALUES (c.id, 'sweeper', c.state, 'supervised',
			format('%s (%s): 逾期 %s 天%s', pol.name_zh, pol.name_en, late,
				CASE WHEN pol.escalate AND c.level = 'township'
				THEN ', 转县级督办' ELSE '' END));
		case_no := c.case_no;
		level := lvl;
		old_unit := c.unit_code;
		RETURN NEXT;
	END LOOP;
END;
$$;
