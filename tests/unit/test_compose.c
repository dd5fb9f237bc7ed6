/* test_compose.c -- unit tests of building a Report from the worker's flags. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../field-agent/compose.h"
#include "validate.h"

/* 2026-01-02T00:00:00Z */
#define T0	1767312000000LL

static int	set(struct draft *, const char *, const char *);
static void	expect_err(struct draft *, const char *, const char *,
		    const char *);
static void	test_strings(void **);
static void	test_colour(void **);
static void	test_colour_bad(void **);
static void	test_channel(void **);
static void	test_people(void **);
static void	test_amount(void **);
static void	test_amount_bad(void **);
static void	test_location(void **);
static void	test_occurred(void **);
static void	test_party(void **);
static void	test_party_minimal(void **);
static void	test_party_org_with_colon(void **);
static void	test_party_bad_role(void **);
static void	test_party_id_lowercase_x(void **);
static int	draft_setup(void **);
static int	draft_teardown(void **);
static void	test_party_max(void **);
static void	test_unknown_field(void **);
static void	test_parse_cst(void **);
static void	test_parse_cst_bad(void **);
static void	test_parse_cst_no_such_day(void **);
static void	test_read_records(void **);
static void	test_read_errors(void **);
static void	test_read_error_keeps_party_out(void **);
static void	test_read_long_line(void **);
static FILE	*text(const char *);

static int
set(struct draft *d, const char *field, const char *value)
{
	char err[256];

	err[0] = '\0';
	if (compose_set(d, field, value, err, sizeof(err)) < 0) {
		print_error("compose_set %s=%s: %s\n", field, value, err);
		return -1;
	}
	return 0;
}

/* compose_set must fail with a message containing want. */
static void
expect_err(struct draft *d, const char *field, const char *value,
    const char *want)
{
	char err[256];

	err[0] = '\0';
	assert_int_equal(compose_set(d, field, value, err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));
}

static void
test_strings(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_ptr_equal(d.r.parties, d.partyp);
	assert_null(d.r.location);
	assert_int_equal(set(&d, "category", "02"), 0);
	assert_int_equal(set(&d, "item", "0203"), 0);
	assert_int_equal(set(&d, "grid", "530322100001001"), 0);
	assert_int_equal(set(&d, "summary", "拖欠工资"), 0);
	assert_int_equal(set(&d, "description", "三个月"), 0);
	assert_int_equal(set(&d, "link", "01KDX0000000000000000000AB"), 0);
	assert_int_equal(set(&d, "on-spot", ""), 0);
	assert_string_equal(d.r.category, "02");
	assert_string_equal(d.r.item, "0203");
	assert_string_equal(d.r.grid_code, "530322100001001");
	assert_string_equal(d.r.summary, "拖欠工资");
	assert_string_equal(d.r.description, "三个月");
	assert_string_equal(d.r.link_report_id, "01KDX0000000000000000000AB");
	assert_true(d.r.has_resolved_on_spot && d.r.resolved_on_spot);
	assert_null(d.r.location);
	assert_int_equal(set(&d, "address", "南涧镇"), 0);
	assert_ptr_equal(d.r.location, &d.loc);
	assert_string_equal(d.loc.address, "南涧镇");
	assert_false(d.loc.has_lat);
	compose_free(&d);
}

static void
test_colour(void **state)
{
	static const struct { const char *s; Gr__Colour c; } ok[] = {
		{ "green", GR__COLOUR__GREEN }, { "绿", GR__COLOUR__GREEN },
		{ "yellow", GR__COLOUR__YELLOW }, { "黄", GR__COLOUR__YELLOW },
		{ "red", GR__COLOUR__RED }, { "红", GR__COLOUR__RED },
	};
	struct draft d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		compose_init(&d);
		assert_int_equal(set(&d, "colour", ok[i].s), 0);
		assert_true(d.r.has_colour);
		assert_int_equal(d.r.colour, ok[i].c);
		compose_free(&d);
	}
}

static void
test_colour_bad(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	expect_err(&d, "colour", "blue", "--colour");
	expect_err(&d, "colour", "", "--colour");
	expect_err(&d, "colour", "Red", "--colour");
	expect_err(&d, "colour", "红色", "--colour");
	assert_false(d.r.has_colour);
	compose_free(&d);
}

static void
test_channel(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "channel", "hotline"), 0);
	assert_true(d.r.has_channel);
	assert_int_equal(d.r.channel, GR__CHANNEL__HOTLINE);
	assert_int_equal(set(&d, "channel", "grid"), 0);
	assert_int_equal(d.r.channel, GR__CHANNEL__GRID_VISIT);
	expect_err(&d, "channel", "fax", "--channel");
	assert_int_equal(d.r.channel, GR__CHANNEL__GRID_VISIT);
	compose_free(&d);
}

static void
test_people(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "people", "1"), 0);
	assert_true(d.r.has_people);
	assert_int_equal(d.r.people, 1);
	assert_int_equal(set(&d, "people", "100000"), 0);
	assert_int_equal(d.r.people, 100000);
	expect_err(&d, "people", "0", "--people");
	expect_err(&d, "people", "100001", "--people");
	expect_err(&d, "people", "-3", "--people");
	expect_err(&d, "people", "12 people", "--people");
	expect_err(&d, "people", "", "--people");
	assert_int_equal(d.r.people, 100000);
	compose_free(&d);
}

static void
test_amount(void **state)
{
	static const struct { const char *s; long long fen; } ok[] = {
		{ "350.5", 35050 }, { "12", 1200 }, { "350.50", 35050 },
		{ "0.05", 5 }, { "0", 0 }, { "12000", 1200000 },
		{ "1000000000000", 100000000000000LL },
	};
	struct draft d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		compose_init(&d);
		assert_int_equal(set(&d, "amount", ok[i].s), 0);
		assert_true(d.r.has_amount_fen);
		assert_int_equal(d.r.amount_fen, ok[i].fen);
		compose_free(&d);
	}
}

static void
test_amount_bad(void **state)
{
	static const char *const bad[] = { "", "abc", "-5", "12,000", "1e3",
	    ".5", "350.505", "12.3.4", "12 ", " 12", "¥12",
	    "99999999999999999999999999" };
	struct draft d;

	(void)state;
	compose_init(&d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(&d, "amount", bad[i], "--amount");
	assert_false(d.r.has_amount_fen);
	compose_free(&d);
}

static void
test_location(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "lat", "25.04"), 0);
	assert_ptr_equal(d.r.location, &d.loc);
	assert_true(d.loc.has_lat);
	assert_false(d.loc.has_lon);
	assert_true(d.loc.lat == 25.04);
	assert_int_equal(set(&d, "lon", "-100.5"), 0);
	assert_true(d.loc.has_lon);
	assert_true(d.loc.lon == -100.5);
	expect_err(&d, "lat", "north", "--lat");
	expect_err(&d, "lon", "", "--lon");
	expect_err(&d, "lon", "100.5E", "--lon");
	assert_true(d.loc.lon == -100.5);
	compose_free(&d);
}

static void
test_occurred(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "occurred", "2026-01-02 08:00"), 0);
	assert_true(d.r.has_occurred_at);
	assert_int_equal(d.r.occurred_at, T0);
	expect_err(&d, "occurred", "yesterday", "--occurred");
	assert_int_equal(d.r.occurred_at, T0);
	compose_free(&d);
}

static void
test_party(void **state)
{
	struct draft d;
	const Gr__Party *p;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "party",
	    "petitioner:张三:13900001111::某公司"), 0);
	assert_int_equal(d.r.n_parties, 1);
	p = d.r.parties[0];
	assert_ptr_equal(p, &d.party[0]);
	assert_true(p->has_role);
	assert_int_equal(p->role, GR__PARTY_ROLE__PETITIONER);
	assert_string_equal(p->name, "张三");
	assert_string_equal(p->phone, "13900001111");
	assert_null(p->id_number);		/* empty part stays absent */
	assert_string_equal(p->organisation, "某公司");

	assert_int_equal(set(&d, "party",
	    "respondent:李四::11010519491231002X"), 0);
	assert_int_equal(set(&d, "party", "other:王五"), 0);
	assert_int_equal(d.r.n_parties, 3);
	p = d.r.parties[1];
	assert_int_equal(p->role, GR__PARTY_ROLE__RESPONDENT);
	assert_string_equal(p->name, "李四");
	assert_null(p->phone);
	assert_string_equal(p->id_number, "11010519491231002X");
	assert_null(p->organisation);
	p = d.r.parties[2];
	assert_int_equal(p->role, GR__PARTY_ROLE__OTHER_PARTY);
	assert_string_equal(p->name, "王五");
	assert_null(p->phone);
	/* The first party is untouched by the later ones. */
	assert_string_equal(d.r.parties[0]->name, "张三");
	compose_free(&d);
	assert_int_equal(d.ncopies, 0);
}

static void
test_party_minimal(void **state)
{
	struct draft d;
	const Gr__Party *p;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "party", "respondent::::某建筑公司"), 0);
	p = d.r.parties[0];
	assert_int_equal(p->role, GR__PARTY_ROLE__RESPONDENT);
	assert_null(p->name);
	assert_null(p->phone);
	assert_null(p->id_number);
	assert_string_equal(p->organisation, "某建筑公司");
	compose_free(&d);
}

/* An ID number typed with a lowercase check x is kept with X, which
 * validation takes. */
static void
test_party_id_lowercase_x(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "party",
	    "petitioner:张三::11010519491231002x"), 0);
	assert_string_equal(d.r.parties[0]->id_number, "11010519491231002X");
	assert_int_equal(validate_id_number(d.r.parties[0]->id_number), 1);
	compose_free(&d);
}

static void
test_party_org_with_colon(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	assert_int_equal(set(&d, "party", "other:赵六:12345::公司:分部"), 0);
	assert_string_equal(d.r.parties[0]->organisation, "公司:分部");
	compose_free(&d);
}

static void
test_party_bad_role(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	expect_err(&d, "party", "witness:张三", "role");
	expect_err(&d, "party", ":张三", "role");
	expect_err(&d, "party", "", "role");
	expect_err(&d, "party", "Petitioner:张三", "role");
	expect_err(&d, "party", "petitioner张三", "role");
	assert_int_equal(d.r.n_parties, 0);
	compose_free(&d);
}

static int
draft_setup(void **state)
{
	struct draft *d = malloc(sizeof(*d));

	if (d == NULL)
		return -1;
	compose_init(d);
	*state = d;
	return 0;
}

/* Runs even when the test failed, so the draft's copies are freed. */
static int
draft_teardown(void **state)
{
	compose_free(*state);
	free(*state);
	return 0;
}

/* COMPOSE_MAX_PARTIES parties, each with every part, fit in a draft; one
 * more is refused. */
static void
test_party_max(void **state)
{
	struct draft *d = *state;
	char party[128], err[256];

	for (int i = 0; i < COMPOSE_MAX_PARTIES; i++) {
		snprintf(party, sizeof(party),
		    "respondent:李四%d:139000011%02d:11010519491231002X:某公司%d",
		    i, i, i);
		assert_int_equal(set(d, "party", party), 0);
	}
	assert_int_equal(d->r.n_parties, COMPOSE_MAX_PARTIES);
	assert_string_equal(d->r.parties[COMPOSE_MAX_PARTIES - 1]->name,
	    "李四19");
	assert_string_equal(d->r.parties[COMPOSE_MAX_PARTIES - 1]->organisation,
	    "某公司19");
	assert_int_equal(compose_set(d, "party", "other:王五", err,
	    sizeof(err)), -1);
	assert_int_equal(d->r.n_parties, COMPOSE_MAX_PARTIES);
}

static void
test_unknown_field(void **state)
{
	struct draft d;

	(void)state;
	compose_init(&d);
	expect_err(&d, "colours", "red", "unknown field 'colours'");
	expect_err(&d, "", "x", "unknown field");
	compose_free(&d);
}

static void
test_parse_cst(void **state)
{
	long long ms = 0;

	(void)state;
	/* 08:00 in China is midnight UTC. */
	assert_int_equal(compose_parse_cst("2026-01-02 08:00", &ms), 0);
	assert_int_equal(ms, T0);
	/* A bare date is the start of that day in China. */
	assert_int_equal(compose_parse_cst("2026-01-02", &ms), 0);
	assert_int_equal(ms, T0 - 8 * 3600 * 1000LL);
	assert_int_equal(compose_parse_cst("2026-01-02 00:00", &ms), 0);
	assert_int_equal(ms, T0 - 8 * 3600 * 1000LL);
	assert_int_equal(compose_parse_cst("2026-01-02 23:59", &ms), 0);
	assert_int_equal(ms, T0 + (15 * 60 + 59) * 60000LL);
	/* Across a leap day. */
	assert_int_equal(compose_parse_cst("2024-03-01 08:00", &ms), 0);
	assert_int_equal(ms, 1709251200000LL);
}

static void
test_parse_cst_bad(void **state)
{
	static const char *const bad[] = { "", "2026", "2026-01",
	    "2026-01-02x", "2026-01-02 08", "2026-01-02 08:00:00",
	    "2026-01-02 25:00", "2026-13-01", "2026-00-10", "2026-01-32",
	    "02/01/2026", "2026-01-02T08:00" };
	long long ms = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (compose_parse_cst(bad[i], &ms) != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(compose_parse_cst(bad[i], &ms), -1);
	}
	assert_int_equal(ms, 42);
}

/* A day the month does not have is refused, not moved into the next
 * month. */
static void
test_parse_cst_no_such_day(void **state)
{
	static const char *const bad[] = { "2026-02-29", "2026-02-30",
	    "2026-04-31", "2026-06-31 08:00" };
	long long ms = 42;

	(void)state;
	assert_int_equal(compose_parse_cst("2024-02-29", &ms), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (compose_parse_cst(bad[i], &ms) != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(compose_parse_cst(bad[i], &ms), -1);
	}
}

static FILE *
text(const char *s)
{
	FILE *fp = fmemopen((void *)(uintptr_t)s, strlen(s), "r");

	assert_non_null(fp);
	return fp;
}

/* Two records, comments, blank lines, both colons, a repeated party. */
static void
test_read_records(void **state)
{
	FILE *fp = text("# first\n\n grid: 530322001001001 \r\n"
	    "category: 02\ncolour: 黄\npeople: 12\nsummary: 欠薪: 12人\n"
	    "party: petitioner:张某\nparty: respondent::::某公司\n"
	    "on-spot: no\n\n\n"
	    "category：10\npeople：2\non-spot: 是\n");
	struct draft d;
	char err[256];
	long line = 0;

	(void)state;
	compose_init(&d);
	assert_int_equal(compose_read(fp, &d, &line, err, sizeof(err)), 1);
	assert_string_equal(d.r.grid_code, "530322001001001");
	assert_string_equal(d.r.summary, "欠薪: 12人");
	assert_int_equal(d.r.colour, GR__COLOUR__YELLOW);
	assert_int_equal(d.r.people, 12);
	assert_int_equal(d.r.n_parties, 2);
	assert_string_equal(d.r.parties[1]->organisation, "某公司");
	assert_int_equal(d.r.has_resolved_on_spot, 0);
	assert_int_equal(line, 11);	/* with the blank line that ended it */
	compose_free(&d);
	compose_init(&d);
	assert_int_equal(compose_read(fp, &d, &line, err, sizeof(err)), 1);
	assert_string_equal(d.r.category, "10");
	assert_int_equal(d.r.people, 2);
	assert_int_equal(d.r.resolved_on_spot, 1);
	compose_free(&d);
	compose_init(&d);
	assert_int_equal(compose_read(fp, &d, &line, err, sizeof(err)), 0);
	compose_free(&d);
	fclose(fp);
}

static void
test_read_errors(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "grid 530322001001001\n", "line 1: expected 'key: value'" },
		{ "colour: red\nsize: 3\n", "line 2: unknown key (grid," },
		{ "people: 2\npeople: 3\n", "line 2: 'people' given twice" },
		{ "people: 0\n", "line 1: --people must be" },
		{ "on-spot: maybe\n", "line 1: on-spot must be yes or no" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *fp = text(cases[i].in);
		struct draft d;
		char err[256] = "";
		long line = 0;

		compose_init(&d);
		assert_int_equal(compose_read(fp, &d, &line, err, sizeof(err)),
		    -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("'%s': got '%s', want '%s'", cases[i].in, err,
			    cases[i].want);
		compose_free(&d);
		fclose(fp);
	}
}

/* A mistyped party line is refused without its name or phone. */
static void
test_read_error_keeps_party_out(void **state)
{
	static const char *const in[] = { "party 张某: 13900000001\n",
	    "13900000001：张某\n", "zhangsan: 13900000001\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		FILE *fp = text(in[i]);
		struct draft d;
		char err[256] = "";
		long line = 0;

		compose_init(&d);
		assert_int_equal(compose_read(fp, &d, &line, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "line 1: unknown key (grid,"));
		assert_null(strstr(err, "张某"));
		assert_null(strstr(err, "zhangsan"));
		assert_null(strstr(err, "139"));
		compose_free(&d);
		fclose(fp);
	}
}

static void
test_read_long_line(void **state)
{
	size_t n = COMPOSE_LINE_MAX + 100;
	char *buf = malloc(n + 32);
	struct draft d;
	char err[256];
	long line = 0;
	FILE *fp;

	(void)state;
	strcpy(buf, "summary: ");
	memset(buf + 9, 'x', n);
	strcpy(buf + 9 + n, "\n");
	fp = text(buf);
	compose_init(&d);
	assert_int_equal(compose_read(fp, &d, &line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: longer than"));
	compose_free(&d);
	fclose(fp);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_colour),
		cmocka_unit_test(test_colour_bad),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_amount),
		cmocka_unit_test(test_amount_bad),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_occurred),
		cmocka_unit_test(test_party),
		cmocka_unit_test(test_party_minimal),
		cmocka_unit_test(test_party_id_lowercase_x),
		cmocka_unit_test(test_party_org_with_colon),
		cmocka_unit_test(test_party_bad_role),
		cmocka_unit_test_setup_teardown(test_party_max, draft_setup,
		    draft_teardown),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_parse_cst),
		cmocka_unit_test(test_parse_cst_bad),
		cmocka_unit_test(test_parse_cst_no_such_day),
		cmocka_unit_test(test_read_records),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_read_error_keeps_party_out),
		cmocka_unit_test(test_read_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
