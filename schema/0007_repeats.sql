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

-- The earlier case a new report repeats, most recent first, or nothing.
-- p_phones and p_ids are the new report's petitioners' numbers.
CREATE FUNCTION gr_find_repeat(p_link text, p_grid text, p_category text,
	p_phones text[], p_ids text[])
RETURNS TABLE (case_id bigint, case_no text, open boolean)
LANGUAGE sql STABLE AS $$
	SELECT c.id, c.case_no, c.state NOT IN ('closed', 'refused')
	FROM "case" c JOIN report r ON r.id = c.report_id
	WHERE r.id = p_link
	   OR (r.received_at > now() - make_interval(days => (SELECT value::int
		FROM setting WHERE name = 'repeat_window_days'))
	       AND ((r.grid_code = p_grid AND r.category = p_category)
		 OR EXISTS (SELECT 1 FROM party p WHERE p.report_id = r.id
			AND p.role = 'petitioner'
			AND (p.phone = ANY (p_phones) OR p.id_number = ANY (p_ids)))))
	ORDER BY (r.id = p_link) DESC, r.received_at DESC
	LIMIT 1
$$;
