/* test_csv.c -- RFC 4180 quoting of analyst/csv.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../analyst/csv.h"

/* The bytes csv_record() writes for the fields. */
static char *
record(const char *const *fields, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(csv_record(fp, fields, n), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_plain(void **state)
{
	const char *f[] = { "530322", "中枢街道", "12", "96.5" };
	char *s = record(f, 4);

	(void)state;
	assert_string_equal(s, "530322,中枢街道,12,96.5\r\n");
	free(s);
}

static void
test_quoted(void **state)
{
	const char *f[] = { "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "\"" };
	char *s = record(f, 5);

	(void)state;
	assert_string_equal(s,
	    "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\"\"\"\"\r\n");
	free(s);
}

static void
test_empty_null_spaces(void **state)
{
	const char *f[] = { NULL, "", " lead", "trail ", "in side" };
	char *s = record(f, 5);

	(void)state;
	assert_string_equal(s, ",,\" lead\",\"trail \",in side\r\n");
	free(s);
}

/* Text from the field that a spreadsheet would run as a formula stays
 * text; numbers, negative ones too, stay numbers. */
static void
test_formula(void **state)
{
	const char *f[] = { "=HYPERLINK(\"x\")", "+1+2", "@SUM(A1)", "-12.5",
	    "-x", "+86" };
	char *s = record(f, 6);

	(void)state;
	assert_string_equal(s, "\"'=HYPERLINK(\"\"x\"\")\",\"'+1+2\","
	    "\"'@SUM(A1)\",-12.5,\"'-x\",+86\r\n");
	free(s);
}

static void
test_write_error(void **state)
{
	const char *f[] = { "x" };
	FILE *fp = fopen("/dev/full", "w");

	(void)state;
	if (fp == NULL)
		skip();
	setvbuf(fp, NULL, _IONBF, 0);
	assert_int_equal(csv_record(fp, f, 1), -1);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_empty_null_spaces),
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
