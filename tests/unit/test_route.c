/* test_route.c -- routing rules matched in order, conditions, the default. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../collector/route.h"

static struct route_rule
any_rule(const char *name, Gr__Level level)
{
	struct route_rule u;

	memset(&u, 0, sizeof(u));
	strcpy(u.name, name);
	u.colour = -1;
	u.min_people = -1;
	u.min_amount_fen = -1;
	u.county_level = -1;
	u.repeat_open = -1;
	u.level = level;
	strcpy(u.reason, name);
	return u;
}

static Gr__Report
report(Gr__Colour colour, uint32_t people)
{
	Gr__Report r = GR__REPORT__INIT;

	r.grid_code = "530322101201002";
	r.category = "10";
	r.has_colour = 1;
	r.colour = colour;
	r.has_people = 1;
	r.people = people;
	return r;
}

/* The shipped defaults: red, group, county-level, repeat-open, territorial. */
static struct route_rule defaults[5];
static struct ruleset rs = { defaults, 5 };

static int
setup(void **state)
{
	(void)state;
	defaults[0] = any_rule("red", GR__LEVEL__COUNTY);
	defaults[0].colour = GR__COLOUR__RED;
	defaults[0].resolve_days = 15;
	defaults[1] = any_rule("group", GR__LEVEL__COUNTY);
	defaults[1].min_people = 5;
	defaults[2] = any_rule("county-category", GR__LEVEL__COUNTY);
	defaults[2].county_level = 1;
	defaults[3] = any_rule("repeat-open", GR__LEVEL__COUNTY);
	defaults[3].repeat_open = 1;
	defaults[4] = any_rule("territorial", GR__LEVEL__TOWNSHIP);
	return 0;
}

static void
test_township_by_default(void **state)
{
	Gr__Report r = report(GR__COLOUR__GREEN, 2);
	struct route_facts f = { 0, 0 };
	struct route rt;

	(void)state;
	assert_int_equal(route_decide(&rs, &r, &f, &rt), 1);
	assert_string_equal(rt.rule, "territorial");
	assert_int_equal(rt.level, GR__LEVEL__TOWNSHIP);
	assert_string_equal(rt.unit, "530322101");
	assert_string_equal(rt.township, "530322101");
	assert_string_equal(rt.county, "530322");
}

static void
test_red_goes_to_county_with_its_deadline(void **state)
{
	Gr__Report r = report(GR__COLOUR__RED, 1);
	struct route_facts f = { 0, 0 };
	struct route rt;

	(void)state;
	assert_int_equal(route_decide(&rs, &r, &f, &rt), 1);
	assert_string_equal(rt.rule, "red");
	assert_int_equal(rt.level, GR__LEVEL__COUNTY);
	assert_string_equal(rt.unit, "530322");
	assert_int_equal(rt.resolve_days, 15);
	assert_int_equal(rt.response_days, 0);
}

static void
test_group_threshold(void **state)
{
	Gr__Report four = report(GR__COLOUR__YELLOW, 4);
	Gr__Report five = report(GR__COLOUR__YELLOW, 5);
	struct route_facts f = { 0, 0 };
	struct route rt;

	(void)state;
	route_decide(&rs, &four, &f, &rt);
	assert_string_equal(rt.rule, "territorial");
	route_decide(&rs, &five, &f, &rt);
	assert_string_equal(rt.rule, "group");
}

static void
test_first_match_wins(void **state)
{
	Gr__Report r = report(GR__COLOUR__RED, 30);
	struct route_facts f = { 1, 1 };
	struct route rt;

	(void)state;
	route_decide(&rs, &r, &f, &rt);
	assert_string_equal(rt.rule, "red");
}

static void
test_facts_from_the_database(void **state)
{
	Gr__Report r = report(GR__COLOUR__GREEN, 1);
	struct route_facts county = { 1, 0 }, repeat = { 0, 1 };
	struct route rt;

	(void)state;
	route_decide(&rs, &r, &county, &rt);
	assert_string_equal(rt.rule, "county-category");
	route_decide(&rs, &r, &repeat, &rt);
	assert_string_equal(rt.rule, "repeat-open");
}

static void
test_category_and_amount_conditions(void **state)
{
	struct route_rule rules[2];
	struct ruleset two = { rules, 2 };
	Gr__Report r = report(GR__COLOUR__GREEN, 1);
	struct route_facts f = { 0, 0 };
	struct route rt;

	(void)state;
	rules[0] = any_rule("big-wages", GR__LEVEL__COUNTY);
	strcpy(rules[0].category, "02");
	rules[0].min_amount_fen = 100000000;	/* one million yuan */
	rules[1] = any_rule("territorial", GR__LEVEL__TOWNSHIP);
	r.category = "02";
	route_decide(&two, &r, &f, &rt);
	assert_string_equal(rt.rule, "territorial");	/* no amount given */
	r.has_amount_fen = 1;
	r.amount_fen = 99999999;
	route_decide(&two, &r, &f, &rt);
	assert_string_equal(rt.rule, "territorial");
	r.amount_fen = 100000000;
	route_decide(&two, &r, &f, &rt);
	assert_string_equal(rt.rule, "big-wages");
	r.category = "03";
	route_decide(&two, &r, &f, &rt);
	assert_string_equal(rt.rule, "territorial");
}

static void
test_no_rule_is_the_township_default(void **state)
{
	struct ruleset empty = { NULL, 0 };
	Gr__Report r = report(GR__COLOUR__RED, 50);
	struct route_facts f = { 1, 1 };
	struct route rt;

	(void)state;
	assert_int_equal(route_decide(&empty, &r, &f, &rt), 0);
	assert_string_equal(rt.rule, "default");
	assert_int_equal(rt.level, GR__LEVEL__TOWNSHIP);
	assert_string_equal(rt.unit, "530322101");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_township_by_default),
		cmocka_unit_test(test_red_goes_to_county_with_its_deadline),
		cmocka_unit_test(test_group_threshold),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_facts_from_the_database),
		cmocka_unit_test(test_category_and_amount_conditions),
		cmocka_unit_test(test_no_rule_is_the_township_default),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
