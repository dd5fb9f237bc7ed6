/* test_pgarr.c -- unit tests of PostgreSQL array literals (common/pgarr.c):
 * what the collector's batch statements receive as parameters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pgarr.h"

static void	test_empty(void **);
static void	test_elements(void **);
static void	test_escapes(void **);
static void	test_growth(void **);

static void
test_empty(void **state)
{
	struct pgarr a = { NULL, 0, 0 };

	(void)state;
	assert_string_equal(pgarr_end(&a), "{}");
	pgarr_free(&a);
	assert_null(a.buf);
}

static void
test_elements(void **state)
{
	struct pgarr a = { NULL, 0, 0 };

	(void)state;
	pgarr_put(&a, "530322");
	pgarr_put(&a, NULL);
	pgarr_put(&a, "");
	pgarr_put(&a, "张三");
	assert_string_equal(pgarr_end(&a), "{\"530322\",NULL,\"\",\"张三\"}");
	/* the literal can be ended again after more elements */
	pgarr_put(&a, "x");
	assert_string_equal(pgarr_end(&a),
	    "{\"530322\",NULL,\"\",\"张三\",\"x\"}");
	pgarr_free(&a);
	assert_int_equal(a.len, 0);
}

static void
test_escapes(void **state)
{
	struct pgarr a = { NULL, 0, 0 };

	(void)state;
	/* quotes and backslashes escaped; commas, braces and the word NULL
	 * quoted, so they stay text */
	pgarr_put(&a, "引号 \"a\", 反斜杠 \\ {b}");
	pgarr_put(&a, "NULL");
	assert_string_equal(pgarr_end(&a),
	    "{\"引号 \\\"a\\\", 反斜杠 \\\\ {b}\",\"NULL\"}");
	pgarr_free(&a);
}

static void
test_growth(void **state)
{
	struct pgarr a = { NULL, 0, 0 };
	char big[5001];
	const char *lit;

	(void)state;
	memset(big, '"', sizeof(big) - 1);	/* each doubles when escaped */
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 20; i++)
		pgarr_put(&a, big);
	lit = pgarr_end(&a);
	/* 20 elements of 2 quotes + 10,000 bytes, 19 commas, 2 braces */
	assert_int_equal(strlen(lit), 20 * 10002 + 19 + 2);
	assert_int_equal(lit[0], '{');
	assert_int_equal(lit[strlen(lit) - 1], '}');
	pgarr_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
