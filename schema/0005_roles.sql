-- 0005_roles.sql -- least-privilege database roles (DESIGN.md section 8):
--
--   gr_collector   what collector/store.c runs, nothing more: it reads the
--                  lookup tables, stores reports, parties, cases, events and
--                  dead letters, counts case numbers.  No UPDATE or DELETE
--                  of a report, no SELECT of party or dead_letter.
--   gr_dispatcher  reads the cases, reports, parties and events of its own
--                  unit's area (row-level security): a township dispatcher
--                  its township, a county dispatcher its whole county.
--                  Writes nothing (case actions go through the collector).
--   gr_analyst     reads only the analyst_* views below: phone and ID-card
--                  numbers masked (139****0001, 5303**********123X), names
--                  cut to the family name (张*), free text left out or with
--                  its digit runs masked, no raw dead-letter payloads.
--                  Never the party, report, case or dead_letter tables.
--
-- All three are NOLOGIN group roles.  Roles belong to the cluster, not to a
-- database: they are created here only when missing, so this migration runs
-- in every database of a cluster (one per county, say).  Whoever runs the
-- migrations needs CREATEROLE (or is a superuser) and owns the tables and
-- the views below.
--
-- A deployment makes one login role per person or program, each in exactly
-- ONE of the group roles (policies add up: a role in two groups gets the
-- rows of both):
--
--   CREATE ROLE collector LOGIN PASSWORD '...' IN ROLE gr_collector;
--   CREATE ROLE disp_530322001 LOGIN PASSWORD '...' IN ROLE gr_dispatcher;
--   INSERT INTO dispatcher_unit (role_name, unit_code)
--       VALUES ('disp_530322001', '530322001');       -- 中枢街道
--   CREATE ROLE disp_530322 LOGIN PASSWORD '...' IN ROLE gr_dispatcher;
--   INSERT INTO dispatcher_unit VALUES ('disp_530322', '530322');  -- 陆良县
--   CREATE ROLE analyst_wang LOGIN PASSWORD '...' IN ROLE gr_analyst;
--
-- (PASSWORD with password_encryption = scram-sha-256 and a 'scram-sha-256'
-- line in pg_hba.conf; the collector takes it from PGPASSWORD or PGPASSFILE,
-- never from its command line.)  To take a dispatcher off: DELETE its
-- dispatcher_unit row (it then sees nothing at once), then DROP ROLE.
--
-- Row-level security and the table owner.  RLS is ENABLEd, not FORCEd, on
-- "case", report, party, case_event and dispatcher_unit: the owner (the
-- migration role) still sees every row, which the migrations and the
-- analyst views need (a view reads its tables with its owner's rights).  So
-- no program or person may log in as the owner; superusers bypass RLS in
-- any case.  The collector is not the owner: it gets policies of its own
-- (insert anything, read everything it reads), no BYPASSRLS.
--
-- A dispatcher's area is looked up by current_user in dispatcher_unit, never
-- from a session variable, which the client could SET itself.  The policies
-- are stored parsed, with every table bound at creation, so a temporary
-- table named dispatcher_unit cannot stand in for the real one.  SET ROLE
-- to gr_dispatcher itself shows nothing (it has no dispatcher_unit row).
--
-- Tables added by later migrations are granted to nobody until a migration
-- says so: the default is no access.

-- The roles, once per cluster.  A concurrent migration of another database
-- may create a role between our check and our CREATE: that is fine too.
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['gr_collector', 'gr_dispatcher', 'gr_analyst'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
			BEGIN
				EXECUTE format('CREATE ROLE %I NOLOGIN', r);
			EXCEPTION WHEN duplicate_object OR unique_violation THEN
				NULL;
			END;
		END IF;
		-- A group role that bypasses RLS or is a superuser would
		-- hand that to every member: refuse to go on.
		IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r
		    AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb
		    OR rolreplication)) THEN
			RAISE EXCEPTION 'role % exists with SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION; remove them first', r;
		END IF;
	END LOOP;
END
$$;

-- Everything below is per database.
GRANT USAGE ON SCHEMA public TO gr_collector, gr_dispatcher, gr_analyst;

-- ---- Masking (for the analyst views) -------------------------------------
-- SQL-standard bodies: parsed now, so no search_path trick can change them.

-- Mobile and other long numbers keep the first 3 and the last 4 characters
-- (13912340001 -> 139****0001); short ones only the last 2.
CREATE FUNCTION gr_mask_phone(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN p IS NULL THEN NULL
	WHEN char_length(p) >= 11 THEN
		left(p, 3) || repeat('*', char_length(p) - 7) || right(p, 4)
	WHEN char_length(p) > 4 THEN
		repeat('*', char_length(p) - 2) || right(p, 2)
	ELSE repeat('*', char_length(p))
END;

-- ID-card numbers keep the first 4 (province and prefecture) and the last 4
-- (53032219850718123X -> 5303**********123X): no birth date, no county.
CREATE FUNCTION gr_mask_id(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN s IS NULL THEN NULL
	WHEN char_length(s) >= 15 THEN
		left(s, 4) || repeat('*', char_length(s) - 8) || right(s, 4)
	ELSE repeat('*', char_length(s))
END;

-- A name becomes its family name and one '*' (张三丰 -> 张*, 欧阳明华 ->
-- 欧阳*), whatever its length.
CREATE FUNCTION gr_mask_name(n text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
	WHEN n IS NULL THEN NULL
	WHEN btrim(n) = '' THEN ''
	WHEN char_length(btrim(n)) > 2 AND left(btrim(n), 2) = ANY (ARRAY[
		'欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙',
		'慕容', '长孙', '宇文', '司徒', '司空', '夏侯', '令狐', '端木',
		'独孤', '南宫', '西门', '轩辕', '呼延', '钟离', '闻人', '赫连',
		'澹台', '万俟', '申屠', '公羊', '百里', '东郭', '拓跋', '第五'])
		THEN left(btrim(n), 2) || '*'
	ELSE left(btrim(n), 1) || '*'
END;

-- Free text (a summary, an event note) may hold a phone or ID number the
-- worker typed in: any run of 7 or more digits (ASCII or full-width, with
-- spaces or hyphens between them, an ID's final X included) becomes ***.
CREATE FUNCTION gr_mask_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(t, '[0-9０-９][-0-9０-９ ]{5,}[0-9０-９XxＸｘ]', '***', 'g');

-- ---- Dispatchers' units --------------------------------------------------

-- Which unit each dispatcher login role works for: a township (9 digits)
-- or a county (6 digits).  Kept by the administrators (the owner).
CREATE TABLE dispatcher_unit (
	role_name	name PRIMARY KEY,
	unit_code	text NOT NULL REFERENCES division (code)
			CHECK (unit_code ~ '^[0-9]{6}([0-9]{3})?$')
);

-- Only members of gr_dispatcher get a unit (a row for any other role would
-- do nothing, so it is a mistake: say so at once).
CREATE FUNCTION dispatcher_unit_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = NEW.role_name) THEN
		RAISE EXCEPTION 'role % does not exist', NEW.role_name
			USING HINT = 'CREATE ROLE ... LOGIN IN ROLE gr_dispatcher first';
	END IF;
	IF NOT pg_catalog.pg_has_role(NEW.role_name, 'gr_dispatcher', 'MEMBER') THEN
		RAISE EXCEPTION 'role % is not a member of gr_dispatcher', NEW.role_name;
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER dispatcher_unit_role BEFORE INSERT OR UPDATE ON dispatcher_unit
	FOR EACH ROW EXECUTE FUNCTION dispatcher_unit_check();

-- A dispatcher reads its own row (the policies below read the table as the
-- dispatcher), and no other dispatcher's.
ALTER TABLE dispatcher_unit ENABLE ROW LEVEL SECURITY;
CREATE POLICY dispatcher_own_unit ON dispatcher_unit FOR SELECT TO gr_dispatcher
	USING (role_name = current_user);

-- ---- Row-level security on the case data ---------------------------------
--
-- A dispatcher sees what lies in its unit's area: the rows whose township
-- (the grid's, which never changes) is its unit, or whose county is its
-- unit.  A township thus also sees the county-level cases of its own
-- territory (属地: it helps the county with them), never another
-- township's.

ALTER TABLE "case" ENABLE ROW LEVEL SECURITY;
ALTER TABLE report ENABLE ROW LEVEL SECURITY;
ALTER TABLE party ENABLE ROW LEVEL SECURITY;
ALTER TABLE case_event ENABLE ROW LEVEL SECURITY;

CREATE POLICY dispatcher_area ON "case" FOR SELECT TO gr_dispatcher
	USING (EXISTS (SELECT 1 FROM dispatcher_unit du
		WHERE du.role_name = current_user
		  AND du.unit_code IN ("case".township_code, "case".county_code)));

CREATE POLICY dispatcher_area ON report FOR SELECT TO gr_dispatcher
	USING (EXISTS (SELECT 1 FROM dispatcher_unit du
		WHERE du.role_name = current_user
		  AND du.unit_code IN (substr(report.grid_code, 1, 9),
			substr(report.grid_code, 1, 6))));

CREATE POLICY dispatcher_area ON party FOR SELECT TO gr_dispatcher
	USING (EXISTS (SELECT 1 FROM report r JOIN dispatcher_unit du
		ON du.unit_code IN (substr(r.grid_code, 1, 9), substr(r.grid_code, 1, 6))
		WHERE r.id = party.report_id AND du.role_name = current_user));

CREATE POLICY dispatcher_area ON case_event FOR SELECT TO gr_dispatcher
	USING (EXISTS (SELECT 1 FROM "case" c JOIN dispatcher_unit du
		ON du.unit_code IN (c.township_code, c.county_code)
		WHERE c.id = case_event.case_id AND du.role_name = current_user));

-- The collector stores every report and reads back what it stored (the
-- duplicate check, INSERT ... RETURNING, the case view of an action).  It
-- never reads party.
CREATE POLICY collector_insert ON report FOR INSERT TO gr_collector WITH CHECK (true);
CREATE POLICY collector_select ON report FOR SELECT TO gr_collector USING (true);
CREATE POLICY collector_insert ON party FOR INSERT TO gr_collector WITH CHECK (true);
CREATE POLICY collector_insert ON "case" FOR INSERT TO gr_collector WITH CHECK (true);
CREATE POLICY collector_select ON "case" FOR SELECT TO gr_collector USING (true);
CREATE POLICY collector_insert ON case_event FOR INSERT TO gr_collector WITH CHECK (true);
CREATE POLICY collector_select ON case_event FOR SELECT TO gr_collector USING (true);

-- ---- gr_collector: the statements of collector/store.c -------------------
--   dup, check, rules, view: SELECT report, "case", case_event, division,
--       worker, grid, worker_grid, category, route_rule
--   report: INSERT report ... ON CONFLICT (id) DO NOTHING RETURNING id
--   party:  INSERT party (no RETURNING: no SELECT)
--   case:   upsert case_counter (INSERT, UPDATE last_no, SELECT for the
--       conflict and RETURNING), SELECT deadline_policy, INSERT "case"
--       RETURNING (sequence case_id_seq), INSERT case_event
--       (case_event_id_seq), gr_deadline()
--   dead:   INSERT dead_letter (dead_letter_id_seq), no SELECT: the raw
--       payloads stay unread
--   LISTEN gr_route_rules needs no grant.
GRANT SELECT ON division, grid, worker, worker_grid, category, deadline_policy,
	route_rule TO gr_collector;
GRANT SELECT, INSERT ON report, "case", case_event TO gr_collector;
GRANT INSERT ON party, dead_letter TO gr_collector;
GRANT SELECT, INSERT ON case_counter TO gr_collector;
GRANT UPDATE (last_no) ON case_counter TO gr_collector;
GRANT USAGE ON SEQUENCE case_id_seq, case_event_id_seq, dead_letter_id_seq
	TO gr_collector;
-- EXECUTE is PUBLIC's by default; said here so that the collector keeps it
-- if a deployment revokes PUBLIC's.
GRANT EXECUTE ON FUNCTION gr_deadline(timestamptz, integer) TO gr_collector;

-- ---- gr_dispatcher: read its area, write nothing -------------------------
GRANT SELECT ON "case", report, party, case_event TO gr_dispatcher;
GRANT SELECT ON dispatcher_unit TO gr_dispatcher;
GRANT SELECT ON division, grid, worker, worker_grid, category, deadline_policy,
	route_rule TO gr_dispatcher;

-- ---- gr_analyst: masked views, read only ---------------------------------
-- Owned by the migration owner and read with its rights (RLS does not
-- apply to the owner: analysts see the whole database, i.e. the county).
-- security_barrier: an analyst's own functions in a WHERE clause run only
-- on what the view returns.

CREATE VIEW analyst_party WITH (security_barrier) AS
SELECT	p.report_id, p.idx, p.role,
	gr_mask_name(p.name) AS name,
	gr_mask_phone(p.phone) AS phone,
	gr_mask_id(p.id_number) AS id_number,
	p.organisation
FROM party p;

-- No description, address or device; the summary with its digit runs
-- masked; the location rounded to 0.01 degree (about 1 km).
CREATE VIEW analyst_report WITH (security_barrier) AS
SELECT	r.id, r.schema_version, r.worker_id, r.grid_code,
	substr(r.grid_code, 1, 12) AS village_code,
	substr(r.grid_code, 1, 9) AS township_code,
	substr(r.grid_code, 1, 6) AS county_code,
	r.created_at, r.occurred_at, r.received_at, r.category, r.item,
	r.colour, r.people, r.amount_fen,
	gr_mask_text(r.summary) AS summary,
	round(r.lat::numeric, 2) AS lat, round(r.lon::numeric, 2) AS lon,
	r.resolved_on_spot, r.channel, r.link_report_id
FROM report r;

CREATE VIEW analyst_case WITH (security_barrier) AS
SELECT	c.id, c.case_no, c.report_id, c.county_code, c.township_code,
	c.level, c.unit_code, c.state, c.opened_at, c.response_due,
	c.resolve_due, c.extended_days, c.route_rule, c.route_reason,
	c.updated_at
FROM "case" c;

CREATE VIEW analyst_case_event WITH (security_barrier) AS
SELECT	e.id, e.case_id, e.at, e.actor, e.from_state, e.to_state,
	gr_mask_text(e.note) AS note
FROM case_event e;

-- The reason and the collector's own detail (it names no party), the size
-- of the payload but never its bytes.
CREATE VIEW analyst_dead_letter WITH (security_barrier) AS
SELECT	d.id, d.received_at, d.topic, d.reason, d.detail, d.report_id,
	d.worker_id, octet_length(d.payload) AS payload_bytes
FROM dead_letter d;

-- Grid workers are staff: name kept, phone masked.
CREATE VIEW analyst_worker WITH (security_barrier) AS
SELECT	w.id, w.name, gr_mask_phone(w.phone) AS phone, w.active, w.created_at
FROM worker w;

GRANT SELECT ON analyst_party, analyst_report, analyst_case,
	analyst_case_event, analyst_dead_letter, analyst_worker TO gr_analyst;
GRANT SELECT ON division, grid, worker_grid, category, deadline_policy,
	route_rule TO gr_analyst;
