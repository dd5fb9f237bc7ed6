-- 0040_reopen_round_lengths.sql -- a reopened case's new deadlines are
-- of the lengths it was given at routing, however often it is reopened.
--
-- Before: a reopen measured those lengths from the case's opening to its
-- current deadlines.  After a first reopen the current deadlines count
-- from that reopening, so a second reopen added the time between the
-- opening and the first reopen to both lengths: a green case (60 days)
-- opened in January, reopened in February and again in March was given
-- about 90 days, and each further reopen more.  Now the lengths are
-- measured from the start of the current round: the latest 'reopened'
-- event, or the opening.  Deadlines already given by such a reopen are
-- left as they are: the next reopen of those cases gives the right ones.
-- Only the 'reopen' branch of gr_case_act() differs from 0029.

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
		-- from the day after), from today: the current deadlines less
		-- the day the current round began (its reopening, or the
		-- opening) and its extension.
		opened := (coalesce((SELECT max(e.at) FROM case_event e
			WHERE e.case_id = c.id AND e.to_state = 'reopened'),
			c.opened_at) AT TIME ZONE 'Asia/Shanghai')::date;
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
