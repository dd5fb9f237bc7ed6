-- 0039_action_refusals.sql -- one outcome per action id.  An action sent
-- again (the console resends whatever has no answer yet) used to be judged
-- again: refused while the case was 'routed', the same assign was applied
-- once an accept had come between, and the dispatcher's console, which
-- keeps the first answer, showed a refusal for an action that took effect.
-- gr_case_act() knows an applied id by its case_event; a refused one is
-- now recorded here, in the transaction that refused it, and refused again
-- with the same reason when it comes back.

CREATE TABLE action_refused (
	action_id	text PRIMARY KEY,
	case_no		text NOT NULL,
	unit_code	text NOT NULL,
	sqlstate	text NOT NULL CHECK (sqlstate ~ '^GR00[1-4]$'),
	message		text NOT NULL,
	refused_at	timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON action_refused TO gr_analyst;

-- gr_case_act_once(...): gr_case_act() for an action id never refused; one
-- refused before raises its refusal again.  The caller records a new
-- refusal (SQLSTATE GR001 to GR004) with gr_action_refused(), in the same
-- transaction, after rolling back to a savepoint taken before this call;
-- it holds the action's advisory lock (hashtext('gr_action'), hashtext of
-- the id) from before that savepoint to the commit, so that two copies of
-- one action are judged in turn (the rollback lets go of the case's row
-- lock, and would let go of a lock taken here).
CREATE FUNCTION gr_case_act_once(p_action_id text, p_unit text,
	p_actor text, p_case_no text, p_action case_action, p_note text,
	p_department text, p_satisfaction integer, p_extension_days integer)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
	r	action_refused%ROWTYPE;
BEGIN
	SELECT * INTO r FROM action_refused WHERE action_id = p_action_id;
	IF FOUND THEN
		RAISE EXCEPTION '%', r.message USING ERRCODE = r.sqlstate;
	END IF;
	RETURN gr_case_act(p_action_id, p_unit, p_actor, p_case_no, p_action,
		p_note, p_department, p_satisfaction, p_extension_days);
END;
$$;

-- gr_action_refused(ID, CASE, UNIT, SQLSTATE, MESSAGE): record a refusal
-- of gr_case_act(); a second record of one id changes nothing.
CREATE FUNCTION gr_action_refused(p_action_id text, p_case_no text,
	p_unit text, p_sqlstate text, p_message text)
RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
	INSERT INTO action_refused (action_id, case_no, unit_code, sqlstate,
		message)
	VALUES (p_action_id, p_case_no, p_unit, p_sqlstate, p_message)
	ON CONFLICT (action_id) DO NOTHING;
$$;

REVOKE EXECUTE ON FUNCTION gr_case_act_once(text, text, text, text,
	case_action, text, text, integer, integer),
	gr_action_refused(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_case_act_once(text, text, text, text,
	case_action, text, text, integer, integer),
	gr_action_refused(text, text, text, text, text) TO gr_collector;
