-- 0029_supervised_rounds.sql -- what a supervised case may do depends on
-- whether it was accepted (受理); a reopened case starts a new round; the
-- sweeper counts lateness from the deadline that was missed first.
--
-- Before: 'supervised' (督办, set by the sweeper) allowed the same actions
-- whatever the case had been through, so a case never accepted could be
-- assigned or resolved straight from it, and could not be refused (不予受
-- 理) any more.  A reopened case kept its old deadlines, its supervision
-- level and its acceptance, so the next sweep found it long overdue and
-- sent it to the county at once, and it was never due for acceptance
-- again.  A case never accepted and past both deadlines was counted late
-- from the later one (resolution), so its cards came late.
--
-- Now case.accepted_at is the acceptance of the current round (reopen
-- clears it), and case_transition.accepted says which transitions need
-- it (true), forbid it (false) or do not care (NULL).  A reopen gives the
-- case new deadlines of the lengths it was given at routing (from today,
-- 2022 信访工作条例: a new handling), no extension and no supervision; the
-- events keep the earlier round.  The refusal of an action on a case of
-- another unit no longer names the unit that handles it.

ALTER TABLE case_transition ADD COLUMN accepted boolean;
COMMENT ON COLUMN case_transition.accepted IS
	'true: only for a case accepted in its current round; false: only for one not accepted; NULL: either';
UPDATE case_transition SET accepted = false
	WHERE from_state = 'supervised' AND action = 'accept';
UPDATE case_transition SET accepted = true
	WHERE from_state = 'supervised' AND action IN ('assign', 'resolve', 'extend');
INSERT INTO case_transition (action, from_state, to_state, accepted)
	VALUES ('refuse', 'supervised', 'refused', false);
-- Cases reopened before now: their acceptance was of the earlier round.
UPDATE "case" SET accepted_at = NULL WHERE state = 'reopened';

CREATE OR REPLACE FUNCTION gr_case_act(p_action_id text, p_unit text,
	p_actor text, p_case_no text, p_action case_action, p_note text,
	p_department text, p_satisfaction integer, p_extension_days integer)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
	c	"case"%ROWTYPE;
	t	case_transition%ROWTYPE;
	county	text;
	opened	date;
BEGIN
	SELECT * INTO c FROM "case" WHERE case_no = p_case_no FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'case % does not exist', p_case_no
			USING ERRCODE = 'GR001';
	END IF;
	IF EXISTS (SELECT 1 FROM case_event WHERE action_id = p_action_id) THEN
		RETURN 'duplicate';
	END IF;
	IF c.unit_code <> p_unit THEN
		RAISE EXCEPTION 'case % is not handled by unit %',
			p_case_no, p_unit USING ERRCODE = 'GR002';
	END IF;
	SELECT * INTO t FROM case_transition
		WHERE action = p_action AND from_state = c.state;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'cannot % a case that is %', p_action, c.state
			USING ERRCODE = 'GR003';
	END IF;
	IF t.accepted AND c.accepted_at IS NULL THEN
		RAISE EXCEPTION 'cannot % a case that is % and not accepted (受理) yet',
			p_action, c.state USING ERRCODE = 'GR003';
	END IF;
	IF NOT t.accepted AND c.accepted_at IS NOT NULL THEN
		RAISE EXCEPTION 'cannot % a case that is % and was accepted (受理) already',
			p_action, c.state USING ERRCODE = 'GR003';
	END IF;

	CASE p_action
	WHEN 'refuse' THEN
		IF coalesce(btrim(p_note), '') = '' THEN
			RAISE EXCEPTION 'a refusal (不予受理) needs its reason'
				USING ERRCODE = 'GR004';
		END IF;
		UPDATE "case" SET closed_at = now() WHERE id = c.id;
	WHEN 'assign' THEN
		IF coalesce(btrim(p_department), '') = '' THEN
			RAISE EXCEPTION 'assigning (交办) needs a department'
				USING ERRCODE = 'GR004';
		END IF;
		UPDATE "case" SET department = p_department WHERE id = c.id;
	WHEN 'escalate' THEN
		county := c.county_code;
		IF c.level = 'county' THEN
			RAISE EXCEPTION 'case % is already with the county',
				p_case_no USING ERRCODE = 'GR003';
		END IF;
		UPDATE "case" SET level = 'county', unit_code = county
			WHERE id = c.id;
	WHEN 'resolve' THEN
		UPDATE "case" SET resolved_at = now() WHERE id = c.id;
	WHEN 'follow_up' THEN
		IF p_satisfaction IS NULL OR p_satisfaction NOT BETWEEN 1 AND 5 THEN
			RAISE EXCEPTION 'a follow-up visit (回访) needs a satisfaction score from 1 to 5'
				USING ERRCODE = 'GR004';
		END IF;
		UPDATE "case" SET satisfaction = p_satisfaction WHERE id = c.id;
	WHEN 'close' THEN
		UPDATE "case" SET closed_at = now() WHERE id = c.id;
	WHEN 'reopen' THEN
		-- The lengths given at routing (gr_deadline() counts whole days
		-- from the day after), from today.
		opened := (c.opened_at AT TIME ZONE 'Asia/Shanghai')::date;
		UPDATE "case" SET resolved_at = NULL, closed_at = NULL,
			satisfaction = NULL, accepted_at = NULL, supervision = 0,
			supervised_at = NULL, extended_days = 0,
			response_due = gr_deadline(now(), greatest(1,
				(c.response_due AT TIME ZONE 'Asia/Shanghai')::date
				- opened - 1)),
			resolve_due = gr_deadline(now(), greatest(1,
				(c.resolve_due AT TIME ZONE 'Asia/Shanghai')::date
				- opened - 1 - c.extended_days))
			WHERE id = c.id;
	WHEN 'extend' THEN
		-- 2022 信访工作条例: one extension, at most 30 days, with a reason.
		IF c.extended_days > 0 THEN
			RAISE EXCEPTION 'case % was extended already', p_case_no
				USING ERRCODE = 'GR004';
		END IF;
		IF p_extension_days IS NULL OR p_extension_days NOT BETWEEN 1 AND 30 THEN
			RAISE EXCEPTION 'an extension is 1 to 30 days'
				USING ERRCODE = 'GR004';
		END IF;
		IF coalesce(btrim(p_note), '') = '' THEN
			RAISE EXCEPTION 'an extension needs its reason'
				USING ERRCODE = 'GR004';
		END IF;
		UPDATE "case" SET extended_days = p_extension_days,
			resolve_due = resolve_due + make_interval(days => p_extension_days)
			WHERE id = c.id;
	ELSE
		NULL;
	END CASE;

	UPDATE "case" SET state = t.to_state, updated_at = now() WHERE id = c.id;
	INSERT INTO case_event (case_id, actor, from_state, to_state, note, action_id)
	VALUES (c.id, p_actor, c.state, t.to_state,
		CASE p_action
		WHEN 'assign' THEN concat_ws(': ', p_department, nullif(p_note, ''))
		WHEN 'follow_up' THEN concat_ws(': ', 'satisfaction ' || p_satisfaction, nullif(p_note, ''))
		WHEN 'extend' THEN concat_ws(': ', 'extended ' || p_extension_days || ' days', p_note)
		ELSE p_note END,
		p_action_id);
	RETURN 'applied';
END;
$$;

-- Lateness counts from the deadline whose passing made the case overdue:
-- the expression of index case_overdue (0020).
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
		  -- passed and not accepted (index case_overdue)
		  AND (CASE WHEN k.accepted_at IS NULL
			THEN least(k.response_due, k.resolve_due)
			ELSE k.resolve_due END) < p_now
		  AND k.supervision < (SELECT max(s.level)
			FROM supervision_policy s)
		  -- a level above the case's is due: whole days late
		  AND EXISTS (SELECT 1 FROM supervision_policy s
			WHERE s.level > k.supervision
			  AND s.overdue_days <= floor(extract(epoch FROM p_now -
				(CASE WHEN k.accepted_at IS NULL
				THEN least(k.response_due, k.resolve_due)
				ELSE k.resolve_due END)) / 86400))
		ORDER BY k.id
		FOR UPDATE OF k SKIP LOCKED
	LOOP
		-- whole days past the deadline that was missed
		late := floor(extract(epoch FROM p_now - (CASE
			WHEN c.accepted_at IS NULL
			THEN least(c.response_due, c.resolve_due)
			ELSE c.resolve_due END)) / 86400)::integer;
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
