-- 0044_workday_window.sql -- a deadline in working days is found however
-- many holidays the county lists.
--
-- gr_workday_after(d, n) (0040) numbers the working days of the 2n + 40
-- days after d.  Enough for any year's holidays, but a county that lists
-- a long closure (a run of weekdays off) could leave fewer than n working
-- days in that span: the function gave NULL, and every new case failed on
-- its NOT NULL deadline, the report unanswered until the list changed.
--
-- The span now grows by two days for each day off listed after d.  That
-- always holds n working days: in W = 2n + 40 + 2h days there are at
-- least 5(W - 6)/7 weekdays, and with at most h of them off, at least
-- (10n + 170 + 3h)/7 >= n working days are left.  The count reads the
-- holiday table's key from d on: a county lists a year or two ahead.

CREATE OR REPLACE FUNCTION gr_workday_after(d date, days integer) RETURNS date
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN days <= 0 THEN d ELSE (SELECT w.day FROM (
		SELECT d + i AS day, row_number() OVER (ORDER BY i) AS n
		FROM generate_series(1, 2 * days + 40 + 2 * (SELECT count(*)::integer
			FROM holiday o WHERE o.day > d AND NOT o.working)) i
		LEFT JOIN holiday h ON h.day = d + i
		WHERE coalesce(h.working, extract(isodow FROM d + i) < 6)) w
		WHERE w.n = days) END
$$;
