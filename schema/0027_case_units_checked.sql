-- 0027_case_units_checked.sql -- a case's county and unit follow from its
-- township, checked in the row.
--
-- A case's county is the first six digits of its township's code, and its
-- unit is its township while it is a township's case, its county once it
-- is the county's (routing, 'escalate', the sweep's red card).  Each was
-- checked by a foreign key of its own: three look-ups of division per case,
-- and two per alert, each a query of its own run after the row
-- (about a third of the database's time per report went to foreign-key
-- checks).  The township keeps its foreign key; the rest become checks on
-- the row, which are stricter than before: a township code of nine digits
-- is a township (division's CHECK), whose parent is the county of its
-- first six digits (division's CHECK and foreign key), and a case's unit
-- must be the one its level names, not any division.

ALTER TABLE "case"
	DROP CONSTRAINT case_county_code_fkey,
	DROP CONSTRAINT case_unit_code_fkey,
	ADD CONSTRAINT case_township_county CHECK (
		length(township_code) = 9 AND
		county_code = substr(township_code, 1, 6)),
	ADD CONSTRAINT case_unit_of_level CHECK (
		(level = 'township' AND unit_code = township_code) OR
		(level = 'county' AND unit_code = county_code));

ALTER TABLE alert
	DROP CONSTRAINT alert_county_code_fkey,
	ADD CONSTRAINT alert_township_county CHECK (
		length(township_code) = 9 AND
		county_code = substr(township_code, 1, 6));
