-- 0003_routing.sql -- routing rules as data.
--
-- The collector evaluates the enabled rules in priority order (lowest
-- first); the first rule whose every set condition holds decides the level
-- (township of the grid, or its county) and may shorten the deadlines of
-- deadline_policy.  A NULL condition matches anything.  Any change to the
-- table notifies the collectors ('gr_route_rules'), which reload the rules
-- without a restart; SIGHUP reloads them too.

CREATE TABLE route_rule (
	id		serial PRIMARY KEY,
	name		text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9-]{1,31}$'),
	priority	integer NOT NULL,
	enabled		boolean NOT NULL DEFAULT true,
	-- conditions
	colour		colour,
	min_people	integer CHECK (min_people >= 1),
	min_amount_fen	bigint CHECK (min_amount_fen >= 0),
	category	text REFERENCES category (code)
			CHECK (category IS NULL OR length(category) = 2),
	county_level_category boolean,	-- the category is marked county_level
	repeat_open	boolean,	-- the report links to a case still open
	-- decision
	level		route_level NOT NULL,
	response_days	integer CHECK (response_days BETWEEN 1 AND 15),
	resolve_days	integer CHECK (resolve_days BETWEEN 1 AND 60),
	reason		text NOT NULL CHECK (length(reason) BETWEEN 1 AND 120)
);

-- The defaults of DESIGN.md section 6 (seeds: 小事不出村, 大事不出镇,
-- 矛盾不上交; the county takes red, group and county-level matters).
INSERT INTO route_rule (name, priority, colour, min_people, county_level_category,
	repeat_open, level, reason) VALUES
	('red', 10, 'red', NULL, NULL, NULL, 'county', '红色风险, 县级办理'),
	('group', 20, NULL, 5, NULL, NULL, 'county', '群体性纠纷 (5人及以上), 县级办理'),
	('county-category', 30, NULL, NULL, true, NULL, 'county', '县级办理类别'),
	('repeat-open', 40, NULL, NULL, NULL, true, 'county', '重复反映, 原案件尚未办结'),
	('territorial', 1000, NULL, NULL, NULL, NULL, 'township', '属地管理, 乡镇(街道)办理');

CREATE FUNCTION route_rule_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('gr_route_rules', TG_OP);
	RETURN NULL;
END;
$$;
CREATE TRIGGER route_rule_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON route_rule FOR EACH STATEMENT EXECUTE FUNCTION route_rule_changed();
