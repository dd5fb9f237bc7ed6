-- 0007_repeats.sql -- repeat petitions (重访): a report on the same matter
-- as an earlier one is linked to the earlier case.  The same matter is: an
-- explicit link (the agent's --link), or, within repeat_window_days, the
-- same petitioner's phone or ID-card number, or the same grid and category.
-- A repeat of a case still open is routed by the 'repeat-open' rule.

CREATE TABLE setting (
	name		text PRIMARY KEY,
	value		text NOT NULL,
	description	text NOT NULL
);
INSERT INTO setting VALUES ('repeat_window_days', '30',
	'days within which the same petitioner, or the same grid and category, make a repeat petition');

ALTER TABLE "case" ADD COLUMN repeat_of bigint REFERENCES "case" (id);
CREATE INDEX case_repeat_of ON "case" (repeat_of) WHERE repeat_of IS NOT NULL;
CREATE INDEX report_grid_category ON report (grid_code, category, received_at);

-- The earlier case a new report repeats, the explicit link first, then the
-- most recent, or nothing.  p_phones and p_ids are the new report's
-- petitioners' numbers.  Each criterion is its own indexed search (an OR
-- of them would read every report of the window).
CREATE FUNCTION gr_find_repeat(p_link text, p_grid text, p_category text,
	p_phones text[], p_ids text[])
RETURNS TABLE (case_id bigint, case_no text, open boolean)
LANGUAGE sql STABLE AS $$
	WITH w AS (
		SELECT now() - make_interval(days => value::int) AS since
		FROM setting WHERE name = 'repeat_window_days'
	), hits AS (
		(SELECT r.id, r.received_at, 1 AS pri FROM report r
		 WHERE r.id = p_link)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM report r, w
		 WHERE r.grid_code = p_grid AND r.category = p_category
		   AND r.received_at > w.since
		 ORDER BY r.received_at DESC LIMIT 1)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM party p
		 JOIN report r ON r.id = p.report_id, w
		 WHERE p.phone = ANY (p_phones) AND p.role = 'petitioner'
		   AND r.received_at > w.since
		 ORDER BY r.received_at DESC LIMIT 1)
		UNION ALL
		(SELECT r.id, r.received_at, 2 FROM party p
		 JOIN report r ON r.id = p.report_id, w
		 WHERE p.id_number = ANY (p_ids) AND p.role = 'petitioner'
		   AND r.received_at > w.since
		 ORDER BY r.received_at DESC LIMIT 1)
	)
	SELECT c.id, c.case_no, c.state NOT IN ('closed', 'refused')
	FROM hits h JOIN "case" c ON c.report_id = h.id
	ORDER BY h.pri, h.received_at DESC
	LIMIT 1
$$;
