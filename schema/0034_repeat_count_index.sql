-- 0034_repeat_count_index.sql -- the n-th petition on a matter is counted
-- from the cases of the matter, whatever the size of "case".
--
-- The repeat alert's note counts the cases that repeat the same earlier
-- case, up to the new one (repeat_of = the earlier case, id <= the new
-- case's id; gr_cases_alerts(), 0023).  With case_repeat_of indexing
-- repeat_of alone, a plan made once report passed some 1,750 pages
-- (about 30,000 reports) counted by the AND of two bitmaps: the cases
-- repeating the earlier one, and every case with a lower id, read from
-- case_pkey for each new case.  A batch of 64 then took 47 ms in that
-- statement instead of 1, and the collector, offered 5,000 reports/s,
-- fell to 1,000/s with answers of 300 ms (make bench; auto_explain).
-- With the id in the index, the count is one range of it.  One entry per
-- repeat case, as before, each 8 bytes wider, and none shared by B-tree
-- deduplication (the ids differ).  The index is built in the migration's
-- transaction, which holds "case" against writes meanwhile: collectors
-- wait, and store nothing wrong.
DROP INDEX case_repeat_of;
CREATE INDEX case_repeat_of ON "case" (repeat_of, id)
	WHERE repeat_of IS NOT NULL;
