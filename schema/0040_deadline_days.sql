-- 0040_deadline_days.sql -- deadlines count calendar days or working
-- days, as the county sets; a reopened case's new deadlines are of its
-- routing's lengths, however often it is reopened.
--
-- Whether deadlines count calendar or working days is local practice
-- (DESIGN.md section 3).  Setting 'deadline_days' says which: 'calendar'
-- (the default, as before) or 'working'.  Working days are Monday to
-- Friday, except the public holidays of table holiday, plus the weekend
-- days that table says are worked (调休); the county fills it from the
-- State Council's yearly notice.  gr_deadline(since, days), the end of the
-- days-th day after since's day, counts in the days set; so do the
-- response and resolution deadlines of new cases, an extension (延期)
-- and a reopen.  Lateness (the supervision levels) counts calendar days.
--
-- A reopen measured the lengths of the routing from the case's opening to
-- its current deadlines.  After a first reopen the current deadlines count
-- from that reopening, so a second reopen added the time between the
-- opening and the first reopen to both lengths: a green case (60 days)
-- opened in January, reopened in February and again in March was given
-- about 90 days.  Now the lengths are measured from the start of the
-- current round (the latest 'reopened' event, or the opening), in the days
-- set (gr_deadline_days()), for the cases routed before this migration;
-- the cases routed since keep the lengths they were given
-- (case.response_days, resolve_days), which a reopen gives again whatever
-- the setting or the holidays have become meanwhile.  Deadlines already
-- given by such a reopen are left as they are.
--
-- gr_case_act() differs from 0029 in its 'reopen' and 'extend' branches
-- only.  On a large database the migration holds the case table for a
-- moment only: its new columns are NULL (no rewrite).

INSERT INTO setting VALUES ('deadline_days', 'calendar',
	'how deadlines count days: calendar, or working (Monday to Friday, and table holiday)');
ALTER TABLE setting ADD CONSTRAINT setting_deadline_days
	CHECK (name <> 'deadline_days' OR value IN ('calendar', 'working'));

CREATE TABLE holiday (
	day		date PRIMARY KEY,
	working		boolean NOT NULL,	-- true: a weekend day worked (调休)
	name		text NOT NULL		-- 春节, 国庆节, 春节调休 ...
);
COMMENT ON TABLE holiday IS
	'days off on weekdays (public holidays, working false) and weekend days worked (调休, working true), for deadlines in working days';
GRANT SELECT ON setting, holiday TO gr_collector, gr_dispatcher;

-- The lengths the routing gave (days, as counted when routed): a reopen
-- gives them again.  NULL for the cases routed before.
ALTER TABLE "case" ADD COLUMN response_days smallint,
	ADD COLUMN resolve_days smallint;

-- Whether deadlines count working days (else calendar days).
CREATE FUNCTION gr_working_days() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT value = 'working' FROM setting WHERE name = 'deadline_days'
$$;

-- The days-th working day after day d: the working days of a span long
-- enough for any run of holidays, numbered.  Days are dates, counted as
-- integers (a series of timestamps would follow the session's time zone).
CREATE FUNCTION gr_workday_after(d date, days integer) RETURNS date
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN days <= 0 THEN d ELSE (SELECT w.day FROM (
		SELECT d + i AS day, row_number() OVER (ORDER BY i) AS n
		FROM generate_series(1, 2 * days + 40) i
		LEFT JOIN holiday h ON h.day = d + i
		WHERE coalesce(h.working, extract(isodow FROM d + i) < 6)) w
		WHERE w.n = days) END
$$;

-- The end (midnight, China Standard Time) of the days-th day after since's
-- day, in working days or calendar days (the expression of 0001).  Inlined
-- where it is called: a statement that computes many passes working as an
-- uncorrelated subquery, (SELECT gr_working_days()), read once (in a FROM
-- clause, with OFFSET 0, or it is pulled up and called for each row).
CREATE FUNCTION gr_deadline_in(since timestamptz, days integer,
	working boolean)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN working
		THEN (gr_workday_after((since AT TIME ZONE 'Asia/Shanghai')::date,
			days) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
		ELSE (date_trunc('day', since AT TIME ZONE 'Asia/Shanghai')
			+ make_interval(days => days + 1)) AT TIME ZONE 'Asia/Shanghai'
		END
$$;

-- The same in the days set.
CREATE OR REPLACE FUNCTION gr_deadline(since timestamptz, days integer)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT gr_deadline_in(since, days, gr_working_days())
$$;

-- The inverse: how many days (in the days set) from since's day to the
-- last day before due (a deadline, a midnight), so that
-- gr_deadline(since, gr_deadline_days(since, due)) = due.
CREATE FUNCTION gr_deadline_days(since timestamptz, due timestamptz)
RETURNS integer LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN gr_working_days()
		THEN (SELECT count(*)::integer FROM (SELECT
			(since AT TIME ZONE 'Asia/Shanghai')::date + i AS day
			FROM generate_series(1, (due AT TIME ZONE 'Asia/Shanghai')::date
				- 1 - (since AT TIME ZONE 'Asia/Shanghai')::date) i) g
			LEFT JOIN holiday h ON h.day = g.day
			WHERE coalesce(h.working, extract(isodow FROM g.day) < 6))
		ELSE (due AT TIME ZONE 'Asia/Shanghai')::date - 1
			- (since AT TIME ZONE 'Asia/Shanghai')::date
		END
$$;
-- The collector's statements call these (EXECUTE is PUBLIC's by default,
-- as 0005 says).
GRANT EXECUTE ON FUNCTION gr_deadline_in(timestamptz, integer, boolean),
	gr_working_days(), gr_workday_after(date, integer) TO gr_collector;

CREATE OR REPLACE FUNCTION gr_case_act(p_action_id text, p_unit text,
	p_actor text, p_case_no text, p_action case_action, p_note text,
	p_department text, p_satisfaction integer, p_extension_days integer)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
	c	"case"%ROWTYPE;
	t	case_transition%ROWTYPE;
	county	text;
	began	timestamptz;
	resp	integer;
	resol	integer;
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
		-- The lengths given at routing, from today.  A case routed
		-- before this migration has no record of them: they are the
		-- days from the start of its current round (its latest
		-- reopening) to its deadlines, less its extension; or from its
		-- opening, when the round kept the deadlines of the one before
		-- (a reopen before 0029).
		resp := c.response_days;
		resol := c.resolve_days;
		IF resp IS NULL OR resol IS NULL THEN
			began := coalesce((SELECT max(e.at) FROM case_event e
				WHERE e.case_id = c.id AND e.to_state = 'reopened'),
				c.opened_at);
			IF began >= c.response_due THEN
				began := c.opened_at;
			END IF;
			resp := gr_deadline_days(began, c.response_due);
			resol := gr_deadline_days(began, c.resolve_due)
				- c.extended_days;
		END IF;
		UPDATE "case" SET resolved_at = NULL, closed_at = NULL,
			satisfaction = NULL, accepted_at = NULL, supervision = 0,
			supervised_at = NULL, extended_days = 0,
			response_due = gr_deadline(now(), greatest(1, resp)),
			resolve_due = gr_deadline(now(), greatest(1, resol))
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
			resolve_due = gr_deadline(resolve_due - interval '1 second',
				p_extension_days)
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

