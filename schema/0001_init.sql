-- 0001_init.sql -- divisions, grids, workers, taxonomy, reports, cases,
-- case events and dead letters.
--
-- Applied by schema/migrate.sh inside one transaction and recorded in
-- schema_migrations.  Times are timestamptz (UTC on the wire); days and
-- deadlines are counted in Asia/Shanghai by the routing code.

-- Administrative divisions (GB/T 2260 and the statistical codes):
-- county 6 digits, township 9, village or community 12.
CREATE TABLE division (
	code		text PRIMARY KEY,
	level		text NOT NULL CHECK (level IN ('county', 'township', 'village')),
	parent_code	text REFERENCES division (code),
	name_zh		text NOT NULL,
	name_en		text,
	CHECK ((level = 'county' AND code ~ '^[0-9]{6}$' AND parent_code IS NULL)
	    OR (level = 'township' AND code ~ '^[0-9]{9}$' AND parent_code = substr(code, 1, 6))
	    OR (level = 'village' AND code ~ '^[0-9]{12}$' AND parent_code = substr(code, 1, 9)))
);

-- A grid: the village code plus a 3-digit grid number (15 digits).
CREATE TABLE grid (
	code		text PRIMARY KEY CHECK (code ~ '^[0-9]{15}$'),
	village_code	text NOT NULL REFERENCES division (code)
			CHECK (village_code = substr(code, 1, 12)),
	name		text NOT NULL,
	households	integer CHECK (households >= 0)
);

CREATE TABLE worker (
	id		text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{3,32}$'),
	name		text NOT NULL,
	phone		text,
	active		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- Which grids a worker may report for.
CREATE TABLE worker_grid (
	worker_id	text NOT NULL REFERENCES worker (id),
	grid_code	text NOT NULL REFERENCES grid (code),
	PRIMARY KEY (worker_id, grid_code)
);

-- Dispute taxonomy: classes (2 digits) and their items (4 digits).
-- county_level marks classes handled by the county by default.
CREATE TABLE category (
	code		text PRIMARY KEY CHECK (code ~ '^[0-9]{2}([0-9]{2})?$'),
	parent_code	text REFERENCES category (code),
	name_zh		text NOT NULL,
	name_en		text NOT NULL,
	county_level	boolean NOT NULL DEFAULT false,
	CHECK ((length(code) = 2 AND parent_code IS NULL)
	    OR (length(code) = 4 AND parent_code = substr(code, 1, 2)))
);

CREATE TYPE colour AS ENUM ('green', 'yellow', 'red');
CREATE TYPE channel AS ENUM ('grid_visit', 'letter', 'visit', 'internet', 'hotline');
CREATE TYPE party_role AS ENUM ('petitioner', 'respondent', 'other');
CREATE TYPE route_level AS ENUM ('township', 'county');
CREATE TYPE case_state AS ENUM ('received', 'routed', 'accepted', 'assigned',
	'resolved', 'visited', 'closed', 'escalated', 'supervised', 'refused',
	'reopened', 'review', 're_review');

-- A report exactly as the field sent it (after validation).  The id is
-- the ULID minted on the device: storing is idempotent on it.
CREATE TABLE report (
	id		text PRIMARY KEY CHECK (id ~ '^[0-9A-HJKMNP-TV-Z]{26}$'),
	schema_version	integer NOT NULL,
	worker_id	text NOT NULL REFERENCES worker (id),
	device_id	text NOT NULL,
	grid_code	text NOT NULL REFERENCES grid (code),
	created_at	timestamptz NOT NULL,
	occurred_at	timestamptz,
	received_at	timestamptz NOT NULL DEFAULT now(),
	category	text NOT NULL REFERENCES category (code),
	item		text REFERENCES category (code),
	colour		colour NOT NULL,
	people		integer NOT NULL CHECK (people >= 1),
	amount_fen	bigint CHECK (amount_fen >= 0),
	summary		text NOT NULL,
	description	text,
	lat		double precision CHECK (lat BETWEEN -90 AND 90),
	lon		double precision CHECK (lon BETWEEN -180 AND 180),
	address		text,
	resolved_on_spot boolean NOT NULL DEFAULT false,
	channel		channel NOT NULL DEFAULT 'grid_visit',
	link_report_id	text
);
CREATE INDEX report_grid_received ON report (grid_code, received_at);
CREATE INDEX report_worker ON report (worker_id);

-- Parties of a report (personal data: never logged, masked for analysts).
CREATE TABLE party (
	report_id	text NOT NULL REFERENCES report (id),
	idx		integer NOT NULL,
	role		party_role NOT NULL,
	name		text,
	phone		text,
	id_number	text,
	organisation	text,
	PRIMARY KEY (report_id, idx)
);
CREATE INDEX party_phone ON party (phone) WHERE phone IS NOT NULL;
CREATE INDEX party_id_number ON party (id_number) WHERE id_number IS NOT NULL;

-- Case numbers run per county and year: 530322-2026-000123.
CREATE TABLE case_counter (
	county_code	text NOT NULL,
	year		integer NOT NULL,
	last_no		integer NOT NULL,
	PRIMARY KEY (county_code, year)
);

-- Response and resolution deadlines per colour, in days (2022 信访工作条例:
-- handling within 60 days, extendable once by 30).
CREATE TABLE deadline_policy (
	colour		colour PRIMARY KEY,
	response_days	integer NOT NULL CHECK (response_days BETWEEN 1 AND 15),
	resolve_days	integer NOT NULL CHECK (resolve_days BETWEEN 1 AND 60)
);
INSERT INTO deadline_policy VALUES
	('red', 1, 15),
	('yellow', 3, 30),
	('green', 7, 60);

CREATE TABLE "case" (
	id		bigserial PRIMARY KEY,
	case_no		text NOT NULL UNIQUE,
	report_id	text NOT NULL UNIQUE REFERENCES report (id),
	county_code	text NOT NULL REFERENCES division (code),
	township_code	text NOT NULL REFERENCES division (code),
	level		route_level NOT NULL,
	unit_code	text NOT NULL REFERENCES division (code),
	state		case_state NOT NULL,
	opened_at	timestamptz NOT NULL DEFAULT now(),
	response_due	timestamptz NOT NULL,
	resolve_due	timestamptz NOT NULL,
	extended_days	integer NOT NULL DEFAULT 0 CHECK (extended_days BETWEEN 0 AND 30),
	route_rule	text NOT NULL,
	route_reason	text NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_unit_state ON "case" (unit_code, state);

-- Append-only history of every case transition.
CREATE TABLE case_event (
	id		bigserial PRIMARY KEY,
	case_id		bigint NOT NULL REFERENCES "case" (id),
	at		timestamptz NOT NULL DEFAULT now(),
	actor		text NOT NULL,
	from_state	case_state,
	to_state	case_state NOT NULL,
	note		text
);
CREATE INDEX case_event_case ON case_event (case_id, id);

CREATE FUNCTION case_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'case_event is append-only';
END;
$$;
CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON case_event
	FOR EACH ROW EXECUTE FUNCTION case_event_append_only();

-- Messages that failed validation, kept with the reason and raw bytes.
CREATE TABLE dead_letter (
	id		bigserial PRIMARY KEY,
	received_at	timestamptz NOT NULL DEFAULT now(),
	topic		text NOT NULL,
	reason		text NOT NULL,
	detail		text,
	report_id	text,
	worker_id	text,
	payload		bytea NOT NULL
);
CREATE INDEX dead_letter_reason ON dead_letter (reason, received_at);

-- The end of the day, in China Standard Time, that lies 'days' days after
-- 'since': a deadline of 1 day set on a Monday ends at Tuesday 24:00 CST.
CREATE FUNCTION gr_deadline(since timestamptz, days integer)
RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
	SELECT (date_trunc('day', since AT TIME ZONE 'Asia/Shanghai')
		+ make_interval(days => days + 1)) AT TIME ZONE 'Asia/Shanghai'
$$;
