/* test_util.c -- common/util.c: times in China Standard Time, secrets,
 * per-user paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* 2026-01-01 16:00 UTC is 2026-01-02 00:00 CST: a deadline at that
 * midnight is met on 2026-01-01. */
#define MIDNIGHT_CST	1767283200000LL

static void
test_cst(void **state)
{
	char buf[CST_LEN];

	(void)state;
	assert_string_equal(cst_time(buf, sizeof(buf), MIDNIGHT_CST),
	    "2026-01-02 00:00");
	assert_string_equal(cst_deadline(buf, sizeof(buf), MIDNIGHT_CST),
	    "2026-01-01");
	assert_string_equal(cst_deadline(buf, sizeof(buf), MIDNIGHT_CST + 1000),
	    "2026-01-02");
	assert_string_equal(cst_time(buf, sizeof(buf), 0), "-");
	assert_string_equal(cst_deadline(buf, sizeof(buf), -5), "-");
	/* too small a buffer gives an empty string, never a cut date */
	assert_string_equal(cst_time(buf, 8, MIDNIGHT_CST), "");
}

static void
test_secret(void **state)
{
	char path[] = "/tmp/test_util.XXXXXX";
	int fd = mkstemp(path);
	char *s;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\r\nsecond line\n", 20), 20);
	close(fd);
	s = read_secret(path);
	assert_non_null(s);
	assert_string_equal(s, "s3cret");
	free(s);
	unlink(path);
	assert_null(read_secret(path));
}

static void
test_home_path(void **state)
{
	char *p;

	(void)state;
	setenv("HOME", "/home/gw001", 1);
	p = home_path(".field-agent-outbox.db");
	assert_string_equal(p, "/home/gw001/.field-agent-outbox.db");
	free(p);
	unsetenv("HOME");
	p = home_path(".dispatch-console.db");
	assert_string_equal(p, "./.dispatch-console.db");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cst),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_home_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
