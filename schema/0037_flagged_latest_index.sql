-- 0037_flagged_latest_index.sql -- the latest 20 flagged cases of a
-- 一案双查 window are read from the index in order, not the whole window.
--
-- The 一案双查 alert lists the latest 20 earlier red or group cases of
-- the township's window, latest first by (opened_at, case_id)
-- (gr_cases_alerts(), 0035).  case_flagged_township_opened ordered its
-- entries by (township_code, opened_at) only, so the second sort key was
-- not in the index: each red case read every entry of its window and
-- sorted them to keep 20.  On an empty database at full speed (make
-- bench) that was 149 entries and 63 us per red case, a third of the
-- alert INSERT's time; the window's entries grow with the township's
-- flagged cases (4,272 in make bench-big).  With case_id in the key the
-- index hands them out in the order wanted and the read stops at the
-- 20th kept (the new case and its statement's later cases are skipped on
-- the way), from the index alone.  The first partial day's count (0035) reads the same
-- range as before.  Built in the migration's transaction, which holds
-- case_flagged against writes meanwhile: batches with red or group cases
-- wait, and store nothing wrong.  case_flagged holds only red and group
-- cases, so the build is short.
DROP INDEX case_flagged_township_opened;
CREATE INDEX case_flagged_township_opened
	ON case_flagged (township_code, opened_at, case_id) INCLUDE (case_no);
