-- 0006_supervision.sql -- overdue cases are supervised (督办) in rising
-- levels, as Chinese grid systems do: ordinary, yellow card, red card; at
-- the red card a township's case goes to the county.  The collector calls
-- gr_sweep() every sweep_interval seconds and tells the units and the
-- reporting worker of every change.

CREATE TABLE supervision_policy (
	level		integer PRIMARY KEY CHECK (level BETWEEN 1 AND 3),
	overdue_days	integer NOT NULL CHECK (overdue_days >= 0),
	name_zh		text NOT NULL,
	name_en		text NOT NULL,
	escalate	boolean NOT NULL DEFAULT false
);
INSERT INTO supervision_policy VALUES
	(1, 0, '督办', 'supervision', false),
	(2, 7, '黄牌督办', 'yellow card', false),
	(3, 15, '红牌督办', 'red card', true);

ALTER TABLE "case"
	ADD COLUMN supervision	integer NOT NULL DEFAULT 0
				CHECK (supervision BETWEEN 0 AND 3),
	ADD COLUMN supervised_at timestamptz;

-- A case is overdue when its resolution deadline has passed, or when it was
-- never accepted (受理) and its response deadline has passed.  Open states only.  At most
-- p_max cases change per call; the caller calls again for the rest.
CREATE FUNCTION gr_sweep(p_now timestamptz, p_max integer)
RETURNS TABLE (case_no text, level integer, old_unit text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	c	record;
	lvl	integer;
	pol	supervision_policy%ROWTYPE;
	late	integer;
	done	integer := 0;
BEGIN
	FOR c IN
		SELECT * FROM "case" k
		WHERE k.state IN ('routed', 'accepted', 'assigned', 'escalated',
			'supervised', 'reopened')
		  AND (k.resolve_due < p_now
		    OR (k.response_due < p_now AND NOT EXISTS (
			SELECT 1 FROM case_event e
			WHERE e.case_id = k.id AND e.to_state = 'accepted')))
		ORDER BY k.id
		FOR UPDATE SKIP LOCKED
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
