-- 0020_sweep_overdue_index.sql -- the sweep reads the overdue cases from
-- an index instead of every open case.
--
-- gr_sweep() (0006, 0018) took a case as overdue for its response when
-- its response deadline had passed and no event showed it accepted: a
-- look-up in case_event for every open case past its response deadline,
-- which is nearly every open case, accepted ones too.  With 5,000,000
-- reports stored (make bench-big: 430,000 open cases) a sweep read 370,000
-- events and took 0.9 s, at startup and every sweep_interval after, with
-- the reports queued behind it.
--
-- Now the case remembers when it was first accepted (accepted_at, kept by
-- a trigger on every entry into 'accepted', filled here from the events),
-- and one partial index over the open cases holds the deadline that can
-- make each overdue: the earlier of the two until it is accepted, then the
-- resolution deadline.  The sweep asks that index for what has passed, so
-- its cost follows the overdue cases, not the history.  Same signature,
-- rights and results.  On a large database the index built here also
-- holds the rows the filling UPDATE replaced, which the sweep skips one
-- by one until autovacuum has passed (or run VACUUM "case" after
-- migrating).

ALTER TABLE "case" ADD COLUMN accepted_at timestamptz;

UPDATE "case" c SET accepted_at = e.at
FROM (SELECT case_id, min(at) AS at FROM case_event
	WHERE to_state = 'accepted' GROUP BY case_id) e
WHERE e.case_id = c.id;

-- First entry into 'accepted', by gr_case_act() or any other writer.
CREATE FUNCTION gr_case_accepted() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
	NEW.accepted_at := now();
	RETURN NEW;
END;
$$;
CREATE TRIGGER case_accepted BEFORE INSERT OR UPDATE OF state ON "case"
	FOR EACH ROW WHEN (NEW.state = 'accepted' AND NEW.accepted_at IS NULL)
	EXECUTE FUNCTION gr_case_accepted();

-- The deadline whose passing makes an open case overdue.  gr_sweep() must
-- spell the expression exactly so for the index to serve it.
CREATE INDEX case_overdue ON "case" ((CASE WHEN accepted_at IS NULL
	THEN least(response_due, resolve_due) ELSE resolve_due END))
	WHERE state IN ('routed', 'accepted', 'assigned', 'escalated',
		'supervised', 'reopened');

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
		  -- overdue: resolution deadline passed, or response deadline
		  -- passed and never accepted (index case_overdue)
		  AND (CASE WHEN k.accepted_at IS NULL
			THEN least(k.response_due, k.resolve_due)
			ELSE k.resolve_due END) < p_now
		  AND k.supervision < (SELECT max(s.level)
			FROM supervision_policy s)
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
