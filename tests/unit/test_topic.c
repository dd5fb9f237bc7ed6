/* test_topic.c -- unit tests of MQTT topic building and parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "topic.h"

static void	test_id_valid(void **);
static void	test_make(void **);
static void	test_make_too_small(void **);
static void	test_make_bad_id(void **);
static void	test_parse(void **);
static void	test_parse_rejects(void **);
static void	test_round_trip(void **);

static void
test_id_valid(void **state)
{
	char id[40];

	(void)state;
	assert_true(topic_id_valid("w01"));
	assert_true(topic_id_valid("grid_worker-530322"));
	assert_false(topic_id_valid(NULL));
	assert_false(topic_id_valid(""));
	assert_false(topic_id_valid("ab"));		/* too short */
	assert_false(topic_id_valid("a/b"));
	assert_false(topic_id_valid("+ab"));
	assert_false(topic_id_valid("#ab"));
	assert_false(topic_id_valid("a b"));
	assert_false(topic_id_valid("a.b"));
	assert_false(topic_id_valid("张三三"));
	memset(id, 'a', 32);
	id[32] = '\0';
	assert_true(topic_id_valid(id));		/* 32 */
	id[32] = 'a';
	id[33] = '\0';
	assert_false(topic_id_valid(id));		/* 33 */
}

static void
test_make(void **state)
{
	char buf[TOPIC_MAX];

	(void)state;
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_REPORT, "w01"), 0);
	assert_string_equal(buf, "gr/v1/report/w01");
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_DISPATCH,
	    "530322100"), 0);
	assert_string_equal(buf, "gr/v1/dispatch/530322100");
}

static void
test_make_too_small(void **state)
{
	char buf[64];

	(void)state;
	/* "gr/v1/ack/w01" is 13 bytes; 14 with the NUL. */
	assert_int_equal(topic_make(buf, 14, TOPIC_ACK, "w01"), 0);
	assert_string_equal(buf, "gr/v1/ack/w01");
	assert_int_equal(topic_make(buf, 13, TOPIC_ACK, "w01"), -1);
}

static void
test_make_bad_id(void **state)
{
	char buf[TOPIC_MAX];

	(void)state;
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_REPORT, "w/1"), -1);
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_REPORT, "+"), -1);
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_REPORT, NULL), -1);
}

static void
test_parse(void **state)
{
	char id[33];

	(void)state;
	assert_int_equal(topic_parse("gr/v1/report/w01", TOPIC_REPORT, id,
	    sizeof(id)), 0);
	assert_string_equal(id, "w01");
	assert_int_equal(topic_parse("gr/v1/action/530322", TOPIC_ACTION, id,
	    sizeof(id)), 0);
	assert_string_equal(id, "530322");
}

static void
test_parse_rejects(void **state)
{
	char id[33], small[4];

	(void)state;
	assert_int_equal(topic_parse("gr/v1/ack/w01", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v2/report/w01", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v1/reportx/w01", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v1/report", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v1/report/", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v1/report/w01/x", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	assert_int_equal(topic_parse("gr/v1/report/w0", TOPIC_REPORT, id,
	    sizeof(id)), -1);
	/* Does not fit: "w012" needs 5 bytes. */
	assert_int_equal(topic_parse("gr/v1/report/w012", TOPIC_REPORT, small,
	    sizeof(small)), -1);
	assert_int_equal(topic_parse("gr/v1/report/w01", TOPIC_REPORT, small,
	    sizeof(small)), 0);
	assert_string_equal(small, "w01");
}

static void
test_round_trip(void **state)
{
	char buf[TOPIC_MAX], id[33];

	(void)state;
	assert_int_equal(topic_make(buf, sizeof(buf), TOPIC_ACK,
	    "worker_42-x"), 0);
	assert_int_equal(topic_parse(buf, TOPIC_ACK, id, sizeof(id)), 0);
	assert_string_equal(id, "worker_42-x");
	assert_int_equal(strncmp(TOPIC_REPORT_SHARED, "$share/", 7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_make_too_small),
		cmocka_unit_test(test_make_bad_id),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
