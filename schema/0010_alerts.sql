-- 0010_alerts.sql -- alerts the county watches (DESIGN.md 6):
--   repeat        a repeat petition (重访) on the same matter as an earlier case;
--   group         a group incident (群体性事件): 5 or more people involved;
--   double_check  一案双查: a red or group report from a township that had
--                 another red or group report within the 30 days before.
-- A trigger raises them as each case is opened, in the transaction that
-- opens it, so an alert exists exactly when its case does.  The collector
-- publishes the alerts not yet published to the county's dispatch feed
-- (gr_alerts_pending, gr_alerts_published), woken by NOTIFY gr_alerts and
-- at every sweep, so an alert raised while no collector was connected is
-- published later, and none is lost.

CREATE TYPE alert_kind AS ENUM ('repeat', 'group', 'double_check');

INSERT INTO setting VALUES ('double_check_days', '30',
	'days within which a second red or group report from one township raises the 一案双查 alert');

CREATE TABLE alert (
	id		bigserial PRIMARY KEY,
	kind		alert_kind NOT NULL,
	case_id		bigint NOT NULL REFERENCES "case" (id),
	county_code	text NOT NULL REFERENCES division (code),
	township_code	text NOT NULL REFERENCES division (code),
	related		text[] NOT NULL DEFAULT '{}',	-- case numbers
	note		text NOT NULL,
	raised_at	timestamptz NOT NULL DEFAULT now(),
	published_at	timestamptz,
	UNIQUE (case_id, kind)
);
CREATE INDEX alert_unpublished ON alert (id) WHERE published_at IS NULL;
CREATE INDEX alert_township_raised ON alert (township_code, raised_at);
-- the 一案双查 window: red or group cases of a township, newest first
CREATE INDEX case_township_opened ON "case" (township_code, opened_at);

CREATE FUNCTION gr_case_alerts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r	report%ROWTYPE;
	prior	text;
	times	integer;
	others	text[];
	days	integer;
	raised	boolean := false;
BEGIN
	SELECT * INTO r FROM report WHERE id = NEW.report_id;
	IF NEW.repeat_of IS NOT NULL THEN
		SELECT case_no INTO prior FROM "case" WHERE id = NEW.repeat_of;
		SELECT count(*) + 1 INTO times FROM "case"
			WHERE repeat_of = NEW.repeat_of;
		INSERT INTO alert (kind, case_id, county_code, township_code,
			related, note, raised_at)
		VALUES ('repeat', NEW.id, NEW.county_code, NEW.township_code,
			ARRAY[prior], format('重访: 与案件 %s 为同一事项, 第 %s 次',
			prior, times), NEW.opened_at);
		raised := true;
	END IF;
	IF r.people >= 5 THEN
		INSERT INTO alert (kind, case_id, county_code, township_code,
			note, raised_at)
		VALUES ('group', NEW.id, NEW.county_code, NEW.township_code,
			format('群体性事件: %s 人', r.people), NEW.opened_at);
		raised := true;
	END IF;
	IF r.colour = 'red' OR r.people >= 5 THEN
		SELECT value::integer INTO days FROM setting
			WHERE name = 'double_check_days';
		SELECT array_agg(c.case_no ORDER BY c.opened_at) INTO others
		FROM "case" c JOIN report p ON p.id = c.report_id
		WHERE c.township_code = NEW.township_code
		  AND c.opened_at > NEW.opened_at - make_interval(days => days)
		  AND c.opened_at <= NEW.opened_at
		  AND c.id <> NEW.id
		  AND (p.colour = 'red' OR p.people >= 5);
		IF others IS NOT NULL THEN
			INSERT INTO alert (kind, case_id, county_code,
				township_code, related, note, raised_at)
			VALUES ('double_check', NEW.id, NEW.county_code,
				NEW.township_code, others,
				format('一案双查: 本乡镇 %s 天内第 %s 起红色或群体性事件',
				days, cardinality(others) + 1), NEW.opened_at);
			raised := true;
		END IF;
	END IF;
	IF raised THEN
		PERFORM pg_notify('gr_alerts', '');
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER case_alerts AFTER INSERT ON "case"
	FOR EACH ROW EXECUTE FUNCTION gr_case_alerts();

-- Alerts not yet published, oldest first, locked so that two collectors do
-- not both publish one; the caller publishes them, then marks them with
-- gr_alerts_published() in the same transaction.
CREATE FUNCTION gr_alerts_pending(p_max integer)
RETURNS TABLE (id bigint, kind alert_kind, case_no text, county_code text,
	township_code text, township_name text, related text[], note text,
	raised_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, a.kind, c.case_no, a.county_code, a.township_code,
		d.name_zh, a.related, a.note, a.raised_at
	FROM alert a
	JOIN "case" c ON c.id = a.case_id
	JOIN division d ON d.code = a.township_code
	WHERE a.published_at IS NULL
	ORDER BY a.id
	LIMIT p_max
	FOR UPDATE OF a SKIP LOCKED
$$;

CREATE FUNCTION gr_alerts_published(p_ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE alert SET published_at = now()
	WHERE id = ANY (p_ids) AND published_at IS NULL
$$;

REVOKE EXECUTE ON FUNCTION gr_case_alerts(), gr_alerts_pending(integer),
	gr_alerts_published(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gr_alerts_pending(integer),
	gr_alerts_published(bigint[]) TO gr_collector;
-- The county's analysts read the alerts; no party data is in them.
GRANT SELECT ON alert TO gr_analyst;
