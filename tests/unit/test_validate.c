/* test_validate.c -- unit tests of the report validation rules and the
 * shape checks of codes, phones, ID numbers and device ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "validate.h"

/* The receiver's clock: 2026-01-02T00:00:00Z. */
#define NOW		1767312000000LL
#define MINUTE		60000LL
#define HOUR		(60 * MINUTE)
#define GOOD_ID_NUMBER	"11010519491231002X"

/* A report and everything it points at. */
struct fix {
	Gr__Report	 r;
	Gr__Location	 loc;
	Gr__Party	 party[LIMIT_PARTIES + 1];
	Gr__Party	*partyp[LIMIT_PARTIES + 1];
	Gr__Attachment	 att;
	Gr__Attachment	*attp[1];
	char		 text[1024];
};

static void	good(struct fix *);
static void	repeat(char *, const char *, int);
static void	expect_ok(const Gr__Report *, int);
static void	expect_reason(const Gr__Report *, int, const char *);
static void	test_good_report(void **);
static void	test_minimal_report(void **);
static void	test_summary_missing(void **);
static void	test_summary_blank(void **);
static void	test_required_fields(void **);
static void	test_schema_version(void **);
static void	test_colour(void **);
static void	test_channel(void **);
static void	test_party_role(void **);
static void	test_bad_utf8(void **);
static void	test_summary_length(void **);
static void	test_description_length(void **);
static void	test_codes(void **);
static void	test_item_category(void **);
static void	test_taxonomy(void **);
static void	test_created_at(void **);
static void	test_occurred_at(void **);
static void	test_location(void **);
static void	test_people(void **);
static void	test_amount(void **);
static void	test_attachment(void **);
static void	test_party_count(void **);
static void	test_party_phone(void **);
static void	test_party_id_number(void **);
static void	test_identity(void **);
static void	test_id_number(void **);
static void	test_phone(void **);
static void	test_grid_code(void **);
static void	test_device_id(void **);

/* A report every rule accepts. */
static void
good(struct fix *f)
{
	Gr__Report r = GR__REPORT__INIT;
	Gr__Location l = GR__LOCATION__INIT;
	Gr__Party p = GR__PARTY__INIT;
	Gr__Attachment a = GR__ATTACHMENT__INIT;

	memset(f, 0, sizeof(*f));
	f->r = r;
	f->loc = l;
	f->att = a;
	for (size_t i = 0; i <= LIMIT_PARTIES; i++) {
		f->party[i] = p;
		f->party[i].has_role = 1;
		f->party[i].role = GR__PARTY_ROLE__RESPONDENT;
		f->party[i].name = "某建筑公司";
		f->partyp[i] = &f->party[i];
	}
	f->party[0].role = GR__PARTY_ROLE__PETITIONER;
	f->party[0].name = "张三";
	f->party[0].phone = "13900001111";
	f->party[0].id_number = GOOD_ID_NUMBER;
	f->party[0].organisation = "某公司";
	f->attp[0] = &f->att;

	f->r.has_schema_version = 1;
	f->r.schema_version = REPORT_SCHEMA_VERSION;
	f->r.id = "01KDX0000000000000000000AB";
	f->r.worker_id = "w01";
	f->r.device_id = "phone-01:a.b_c";
	f->r.grid_code = "530322100001001";
	f->r.has_created_at = 1;
	f->r.created_at = NOW - MINUTE;
	f->r.has_occurred_at = 1;
	f->r.occurred_at = NOW - 24 * HOUR;
	f->r.category = "02";
	f->r.item = "0203";
	f->r.has_colour = 1;
	f->r.colour = GR__COLOUR__YELLOW;
	f->r.has_people = 1;
	f->r.people = 12;
	f->r.has_amount_fen = 1;
	f->r.amount_fen = 35050;
	f->r.summary = "拖欠农民工工资";
	f->r.description = "工地拖欠十二名工人\n三个月工资。\t";
	f->r.n_parties = 2;
	f->r.parties = f->partyp;
	f->loc.has_lat = 1;
	f->loc.lat = 25.04;
	f->loc.has_lon = 1;
	f->loc.lon = 100.51;
	f->loc.address = "南涧镇某村";
	f->r.location = &f->loc;
	f->r.has_channel = 1;
	f->r.channel = GR__CHANNEL__GRID_VISIT;
	f->r.link_report_id = "01KDW0000000000000000000AB";
	f->r.n_attachments = 0;
	f->r.attachments = f->attp;
}

/* Write n copies of s into buf. */
static void
repeat(char *buf, const char *s, int n)
{
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(buf, s);
}

static void
expect_ok(const Gr__Report *r, int flags)
{
	struct verr e;
	int rc = validate_report(r, NOW, flags, &e);

	if (rc != 0)
		print_error("unexpected rejection: %s: %s\n", e.reason,
		    e.detail);
	assert_int_equal(rc, 0);
	assert_null(e.reason);
}

static void
expect_reason(const Gr__Report *r, int flags, const char *reason)
{
	struct verr e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(validate_report(r, NOW, flags, &e), -1);
	assert_non_null(e.reason);
	assert_string_equal(e.reason, reason);
	assert_true(e.detail[0] != '\0');
}

static void
test_good_report(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	expect_ok(&f.r, 0);
	expect_ok(&f.r, VALIDATE_TAXONOMY);
}

static void
test_minimal_report(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.has_occurred_at = 0;
	f.r.item = NULL;
	f.r.has_amount_fen = 0;
	f.r.description = NULL;
	f.r.n_parties = 0;
	f.r.location = NULL;
	f.r.has_channel = 0;
	f.r.link_report_id = NULL;
	expect_ok(&f.r, VALIDATE_TAXONOMY);
}

static void
test_summary_missing(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.summary = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	f.r.summary = "";
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
}

static void
test_summary_blank(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.summary = " \t\r\n ";
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	f.r.summary = " x ";
	expect_ok(&f.r, 0);
}

static void
test_required_fields(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.id = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.worker_id = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.device_id = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.grid_code = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.category = NULL;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.has_created_at = 0;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.has_colour = 0;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.has_people = 0;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
	good(&f);
	f.r.has_schema_version = 0;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
}

static void
test_schema_version(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.schema_version = 2;
	expect_reason(&f.r, 0, VR_SCHEMA_VERSION);
	f.r.schema_version = 0;
	expect_reason(&f.r, 0, VR_SCHEMA_VERSION);
}

static void
test_colour(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.colour = (Gr__Colour)0;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.r.colour = (Gr__Colour)4;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.r.colour = GR__COLOUR__GREEN;
	expect_ok(&f.r, 0);
	f.r.colour = GR__COLOUR__RED;
	expect_ok(&f.r, 0);
}

static void
test_channel(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.channel = (Gr__Channel)6;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.r.channel = (Gr__Channel)0;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.r.channel = GR__CHANNEL__HOTLINE;
	expect_ok(&f.r, 0);
	f.r.channel = (Gr__Channel)6;
	f.r.has_channel = 0;		/* absent: the value is not looked at */
	expect_ok(&f.r, 0);
}

static void
test_party_role(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.party[1].role = (Gr__PartyRole)9;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.party[1].role = (Gr__PartyRole)0;
	expect_reason(&f.r, 0, VR_BAD_ENUM);
	f.party[1].role = GR__PARTY_ROLE__OTHER_PARTY;
	expect_ok(&f.r, 0);
	f.party[1].has_role = 0;
	expect_reason(&f.r, 0, VR_MISSING_FIELD);
}

static void
test_bad_utf8(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.description = "工资\xff\xfe";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
	good(&f);
	f.r.summary = "overlong \xc0\xaf";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
	good(&f);
	f.r.summary = "escape \x1b[2J";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
	good(&f);
	f.loc.address = "\xed\xa0\x80";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
	good(&f);
	f.party[1].name = "\xe5\xbc";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
	good(&f);
	f.party[0].organisation = "a\x01";
	expect_reason(&f.r, 0, VR_BAD_UTF8);
}

static void
test_summary_length(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.summary = f.text;
	/* 100 characters are 300 bytes; characters are what count. */
	repeat(f.text, "纠", LIMIT_SUMMARY);
	assert_int_equal(strlen(f.text), 3 * LIMIT_SUMMARY);
	expect_ok(&f.r, 0);
	repeat(f.text, "纠", LIMIT_SUMMARY + 1);
	expect_reason(&f.r, 0, VR_TOO_LONG);
	repeat(f.text, "a", LIMIT_SUMMARY + 1);
	expect_reason(&f.r, 0, VR_TOO_LONG);
}

static void
test_description_length(void **state)
{
	static char buf[3 * LIMIT_DESCRIPTION + 8];
	struct fix f;

	(void)state;
	good(&f);
	f.r.description = buf;
	repeat(buf, "纠", LIMIT_DESCRIPTION);
	expect_ok(&f.r, 0);
	strcat(buf, "x");
	expect_reason(&f.r, 0, VR_TOO_LONG);
	good(&f);
	f.party[1].name = f.text;
	repeat(f.text, "张", LIMIT_NAME);
	expect_ok(&f.r, 0);
	repeat(f.text, "张", LIMIT_NAME + 1);
	expect_reason(&f.r, 0, VR_TOO_LONG);
	good(&f);
	f.loc.address = f.text;
	repeat(f.text, "村", LIMIT_ADDRESS + 1);
	expect_reason(&f.r, 0, VR_TOO_LONG);
}

static void
test_codes(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.grid_code = "53032210000100";		/* 14 digits */
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.r.grid_code = "5303221000010011";		/* 16 digits */
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.r.grid_code = "53032210000100a";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	good(&f);
	f.r.id = "01kdx0000000000000000000ab";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	good(&f);
	f.r.worker_id = "w/1";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	good(&f);
	f.r.device_id = "phone 01";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	good(&f);
	f.r.category = "2";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	good(&f);
	f.r.link_report_id = "not-a-ulid";
	expect_reason(&f.r, 0, VR_BAD_CODE);
}

static void
test_item_category(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.item = "0303";			/* category is 02 */
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.r.item = "020";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.r.item = "02031";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.r.item = "0299";
	expect_ok(&f.r, 0);
}

static void
test_taxonomy(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.category = "98";
	f.r.item = NULL;
	expect_reason(&f.r, VALIDATE_TAXONOMY, VR_UNKNOWN_CATEGORY);
	expect_ok(&f.r, 0);
	f.r.item = "9801";
	expect_reason(&f.r, VALIDATE_TAXONOMY, VR_UNKNOWN_CATEGORY);
	expect_ok(&f.r, 0);
	good(&f);
	f.r.item = "0298";			/* known class, unknown item */
	expect_reason(&f.r, VALIDATE_TAXONOMY, VR_UNKNOWN_CATEGORY);
	expect_ok(&f.r, 0);
}

static void
test_created_at(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.created_at = NOW + 25 * HOUR;
	expect_reason(&f.r, 0, VR_BAD_TIME);
	f.r.created_at = NOW + 8 * HOUR;	/* a phone in the wrong zone */
	expect_ok(&f.r, 0);
	f.r.created_at = NOW + 5 * MINUTE;
	expect_ok(&f.r, 0);
	f.r.created_at = NOW + LIMIT_CLOCK_SKEW_MS;
	expect_ok(&f.r, 0);
	f.r.created_at = NOW + LIMIT_CLOCK_SKEW_MS + 1;
	expect_reason(&f.r, 0, VR_BAD_TIME);
	f.r.created_at = LIMIT_EARLIEST_MS - 1;
	f.r.has_occurred_at = 0;
	expect_reason(&f.r, 0, VR_BAD_TIME);
	f.r.created_at = LIMIT_EARLIEST_MS;
	expect_ok(&f.r, 0);
}

static void
test_occurred_at(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.occurred_at = f.r.created_at + HOUR;
	expect_reason(&f.r, 0, VR_BAD_TIME);
	f.r.occurred_at = f.r.created_at + 5 * MINUTE;	/* clock skew */
	expect_ok(&f.r, 0);
	f.r.occurred_at = 0;				/* 1970 */
	expect_reason(&f.r, 0, VR_BAD_TIME);
	f.r.has_occurred_at = 0;
	expect_ok(&f.r, 0);
}

static void
test_location(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.loc.lat = 91;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.lat = -90.5;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.lat = 90;
	expect_ok(&f.r, 0);
	good(&f);
	f.loc.lon = NAN;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.lon = INFINITY;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.lon = 180.01;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.lon = -180;
	expect_ok(&f.r, 0);
	good(&f);
	f.loc.lat = NAN;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	good(&f);
	f.loc.has_lon = 0;			/* lat without lon */
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	good(&f);
	f.loc.has_lat = 0;
	expect_reason(&f.r, 0, VR_BAD_LOCATION);
	f.loc.has_lon = 0;			/* an address alone */
	expect_ok(&f.r, 0);
}

static void
test_people(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.people = 0;
	expect_reason(&f.r, 0, VR_BAD_NUMBER);
	f.r.people = LIMIT_PEOPLE + 1;
	expect_reason(&f.r, 0, VR_BAD_NUMBER);
	f.r.people = LIMIT_PEOPLE;
	expect_ok(&f.r, 0);
	f.r.people = 1;
	expect_ok(&f.r, 0);
}

static void
test_amount(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.amount_fen = -1;
	expect_reason(&f.r, 0, VR_BAD_NUMBER);
	f.r.amount_fen = LIMIT_AMOUNT_FEN + 1;
	expect_reason(&f.r, 0, VR_BAD_NUMBER);
	f.r.amount_fen = LIMIT_AMOUNT_FEN;
	expect_ok(&f.r, 0);
	f.r.amount_fen = 0;
	expect_ok(&f.r, 0);
	f.r.amount_fen = -1;
	f.r.has_amount_fen = 0;
	expect_ok(&f.r, 0);
}

static void
test_attachment(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.att.sha256 = "00";
	f.r.n_attachments = 1;
	expect_reason(&f.r, 0, VR_UNSUPPORTED);
}

static void
test_party_count(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.r.n_parties = LIMIT_PARTIES;
	expect_ok(&f.r, 0);
	f.r.n_parties = LIMIT_PARTIES + 1;
	expect_reason(&f.r, 0, VR_TOO_LONG);
}

static void
test_party_phone(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.party[0].phone = "call me";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.party[0].phone = "1234";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.party[0].phone = "+86-139-0000-1111";
	expect_ok(&f.r, 0);
}

static void
test_party_id_number(void **state)
{
	struct fix f;

	(void)state;
	good(&f);
	f.party[0].id_number = "110105194912310021";	/* wrong check */
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.party[0].id_number = "11010519491231002";
	expect_reason(&f.r, 0, VR_BAD_CODE);
	f.party[0].id_number = GOOD_ID_NUMBER;
	expect_ok(&f.r, 0);
}

static void
test_identity(void **state)
{
	struct fix f;
	struct verr e;

	(void)state;
	good(&f);
	assert_int_equal(validate_identity(&f.r, "w01", &e), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(validate_identity(&f.r, "w02", &e), -1);
	assert_string_equal(e.reason, VR_WORKER_MISMATCH);
	assert_int_equal(validate_identity(&f.r, "w0", &e), -1);
	assert_int_equal(validate_identity(&f.r, "W01", &e), -1);
	f.r.worker_id = NULL;
	memset(&e, 0, sizeof(e));
	assert_int_equal(validate_identity(&f.r, "w01", &e), -1);
	assert_string_equal(e.reason, VR_WORKER_MISMATCH);
}

static void
test_id_number(void **state)
{
	(void)state;
	/* 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8
	 * +0*4+2*2 = 167; 167 mod 11 = 2, which checks as 'X'. */
	assert_true(validate_id_number(GOOD_ID_NUMBER));
	assert_true(validate_id_number("110101199003070011"));
	assert_false(validate_id_number("110101199003070012"));
	assert_false(validate_id_number("110105194912310020"));
	assert_false(validate_id_number("11010519491231002x"));
	assert_false(validate_id_number("1101051949123100X2"));
	assert_false(validate_id_number("11010519491231002XX"));
	assert_false(validate_id_number(""));
	assert_false(validate_id_number(NULL));
}

static void
test_phone(void **state)
{
	(void)state;
	assert_true(validate_phone("13900001111"));
	assert_true(validate_phone("+8613900001111"));
	assert_true(validate_phone("0879-1234567"));
	assert_true(validate_phone("12345"));
	assert_false(validate_phone("1234"));
	assert_false(validate_phone("-13900001111"));
	assert_false(validate_phone("139 0000 1111"));
	assert_false(validate_phone("++8613900001111"));
	assert_false(validate_phone("123456789012345678901"));	/* 21 */
	assert_false(validate_phone(""));
	assert_false(validate_phone(NULL));
}

static void
test_grid_code(void **state)
{
	(void)state;
	assert_true(validate_grid_code("530322100001001"));
	assert_false(validate_grid_code("53032210000100"));
	assert_false(validate_grid_code("5303221000010010"));
	assert_false(validate_grid_code("53032210000100 "));
	assert_false(validate_grid_code(NULL));
}

static void
test_device_id(void **state)
{
	char id[70];

	(void)state;
	assert_true(validate_device_id("a"));
	assert_true(validate_device_id("Pixel_7.a:01-x"));
	assert_false(validate_device_id(""));
	assert_false(validate_device_id("dev/1"));
	assert_false(validate_device_id("dev 1"));
	assert_false(validate_device_id(NULL));
	memset(id, 'd', 64);
	id[64] = '\0';
	assert_true(validate_device_id(id));
	id[64] = 'd';
	id[65] = '\0';
	assert_false(validate_device_id(id));
}

static Gr__Action
good_action(void)
{
	Gr__Action a = GR__ACTION__INIT;

	a.has_schema_version = 1;
	a.schema_version = REPORT_SCHEMA_VERSION;
	a.id = "01J00000000000000000000001";
	a.unit = "530322001";
	a.actor = "disp-530322001";
	a.case_no = "530322-2026-000123";
	a.has_kind = 1;
	a.kind = GR__ACTION_KIND__ACCEPT;
	return a;
}

static void
expect_action(const Gr__Action *a, const char *reason)
{
	struct verr e;

	memset(&e, 0, sizeof(e));
	if (reason == NULL) {
		assert_int_equal(validate_action(a, "530322001", &e), 0);
		return;
	}
	assert_int_equal(validate_action(a, "530322001", &e), -1);
	assert_string_equal(e.reason, reason);
}

static void
test_action(void **state)
{
	Gr__Action a;

	(void)state;
	a = good_action();
	expect_action(&a, NULL);
	a.unit = "530322";		/* a county dispatcher, other topic */
	expect_action(&a, VR_WORKER_MISMATCH);
	a = good_action();
	a.unit = "53032200";
	expect_action(&a, VR_BAD_CODE);
	a = good_action();
	a.schema_version = 2;
	expect_action(&a, VR_SCHEMA_VERSION);
	a = good_action();
	a.case_no = NULL;
	expect_action(&a, VR_MISSING_FIELD);
	a = good_action();
	a.case_no = "530322-26-000123";
	expect_action(&a, VR_BAD_CODE);
	a = good_action();
	a.kind = (Gr__ActionKind)11;
	expect_action(&a, VR_BAD_ENUM);
	a = good_action();
	a.kind = GR__ACTION_KIND__SNAPSHOT;	/* the unit's cases again */
	expect_action(&a, VR_BAD_CODE);		/* ... names no case */
	a.case_no = NULL;
	expect_action(&a, NULL);
	a = good_action();
	a.has_satisfaction = 1;
	a.satisfaction = 6;
	expect_action(&a, VR_BAD_NUMBER);
	a.satisfaction = 5;
	expect_action(&a, NULL);
	a = good_action();
	a.has_extension_days = 1;
	a.extension_days = 31;
	expect_action(&a, VR_BAD_NUMBER);
	a.extension_days = 30;
	expect_action(&a, NULL);
	a = good_action();
	a.note = "bad \xff note";
	expect_action(&a, VR_BAD_UTF8);
	a = good_action();
	a.actor = "张三";			/* actors are ids, not names */
	expect_action(&a, VR_BAD_CODE);
}

static void
test_case_no(void **state)
{
	(void)state;
	assert_true(validate_case_no("530322-2026-000123"));
	assert_true(validate_case_no("530322-2026-1000000"));
	assert_false(validate_case_no("530322-2026-00012"));
	assert_false(validate_case_no("530322-2026+000123"));
	assert_false(validate_case_no("53032a-2026-000123"));
	assert_false(validate_case_no(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action),
		cmocka_unit_test(test_case_no),
		cmocka_unit_test(test_good_report),
		cmocka_unit_test(test_minimal_report),
		cmocka_unit_test(test_summary_missing),
		cmocka_unit_test(test_summary_blank),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_colour),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_party_role),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_summary_length),
		cmocka_unit_test(test_description_length),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_item_category),
		cmocka_unit_test(test_taxonomy),
		cmocka_unit_test(test_created_at),
		cmocka_unit_test(test_occurred_at),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_amount),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_party_count),
		cmocka_unit_test(test_party_phone),
		cmocka_unit_test(test_party_id_number),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_id_number),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_grid_code),
		cmocka_unit_test(test_device_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
