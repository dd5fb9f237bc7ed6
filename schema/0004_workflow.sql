-- 0004_workflow.sql -- the case workflow of DESIGN.md section 7, enforced in
-- one place: the database.  Dispatchers' actions arrive over MQTT; the
-- collector applies each with gr_case_act(), which checks the acting unit,
-- the transition (table case_transition, data not code) and the action's
-- data, and appends the event.  Every change is a case_event row.

-- Who handles the case now, and what the workflow recorded.
ALTER TABLE "case"
	ADD COLUMN department	text,
	ADD COLUMN satisfaction	integer CHECK (satisfaction BETWEEN 1 AND 5),
	ADD COLUMN resolved_at	timestamptz,
	ADD COLUMN closed_at	timestamptz;

-- Events remember the action that caused them, so that an action sent twice
-- is applied once.
ALTER TABLE case_event ADD COLUMN action_id text UNIQUE
	CHECK (action_id ~ '^[0-9A-HJKMNP-TV-Z]{26}$');

CREATE TYPE case_action AS ENUM ('accept', 'refuse', 'assign', 'escalate',
	'resolve', 'follow_up', 'close', 'reopen', 'extend');

-- The legal transitions.  'extend' keeps the state; 'supervised' is set by
-- the overdue sweeper, not by an action.
CREATE TABLE case_transition (
	action		case_action NOT NULL,
	from_state	case_state NOT NULL,
	to_state	case_state NOT NULL,
	PRIMARY KEY (action, from_state)
);
INSERT INTO case_transition (action, from_state, to_state) VALUES
	('accept', 'routed', 'accepted'),
	('accept', 'escalated', 'accepted'),
	('accept', 'reopened', 'accepted'),
	('accept', 'supervised', 'accepted'),
	('refuse', 'routed', 'refused'),
	('refuse', 'escalated', 'refused'),
	('assign', 'accepted', 'assigned'),
	('assign', 'supervised', 'assigned'),
	('escalate', 'routed', 'escalated'),
	('escalate', 'accepted', 'escalated'),
	('escalate', 'assigned', 'escalated'),
	('escalate', 'supervised', 'escalated'),
	('resolve', 'accepted', 'resolved'),
	('resolve', 'assigned', 'resolved'),
	('resolve', 'supervised', 'resolved'),
	('follow_up', 'resolved', 'visited'),
	('close', 'visited', 'closed'),
	('reopen', 'resolved', 'reopened'),
	('reopen', 'visited', 'reopened'),
	('reopen', 'closed', 'reopened'),
	('reopen', 'refused', 'reopened'),
	('extend', 'accepted', 'accepted'),
	('extend', 'assigned', 'assigned'),
	('extend', 'supervised', 'supervised'),
	('extend', 'escalated', 'escalated');

-- Apply one dispatcher action.  Errors carry their own SQLSTATE and a
-- message for the dispatcher:
--   GR001 no such case          GR002 the case belongs to another unit
--   GR003 illegal transition    GR004 the action lacks what it needs
-- Returns the action's outcome: 'applied', or 'duplicate' when this action
-- id was applied before (nothing changes).
CREATE FUNCTION gr_case_act(p_action_id text, p_unit text, p_actor text,
	p_case_no text, p_action case_action, p_note text, p_department text,
	p_satisfaction integer, p_extension_days integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	c	"case"%ROWTYPE;
	next	case_state;
	county	text;
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
		RAISE EXCEPTION 'case % is handled by unit %, not %',
			p_case_no, c.unit_code, p_unit USING ERRCODE = 'GR002';
	END IF;
	SELECT to_state INTO next FROM case_transition
		WHERE action = p_action AND from_state = c.state;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'cannot % a case that is %', p_action, c.state
			USING ERRCODE = 'GR003';
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
		UPDATE "case" SET resolved_at = NULL, closed_at = NULL,
			satisfaction = NULL WHERE id = c.id;
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

	UPDATE "case" SET state = next, updated_at = now() WHERE id = c.id;
	INSERT INTO case_event (case_id, actor, from_state, to_state, note, action_id)
	VALUES (c.id, p_actor, c.state, next,
		CASE p_action
		WHEN 'assign' THEN concat_ws(': ', p_department, nullif(p_note, ''))
		WHEN 'follow_up' THEN concat_ws(': ', 'satisfaction ' || p_satisfaction, nullif(p_note, ''))
		WHEN 'extend' THEN concat_ws(': ', 'extended ' || p_extension_days || ' days', p_note)
		ELSE p_note END,
		p_action_id);
	RETURN 'applied';
END;
$$;
