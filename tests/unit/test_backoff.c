/* test_backoff.c -- the reconnect backoff of the field agent and the
 * console (common/util.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "util.h"

static void	test_backoff_grows(void **);
static void	test_backoff_capped(void **);
static void	test_backoff_jitter(void **);
static void	test_backoff_next(void **);

/* Without jitter's low draw, each wait doubles from half a second. */
static void
test_backoff_grows(void **state)
{
	(void)state;
	assert_int_equal(backoff_ms(0, 60, 0), 500);
	assert_int_equal(backoff_ms(1, 60, 0), 1000);
	assert_int_equal(backoff_ms(2, 60, 0), 2000);
	assert_int_equal(backoff_ms(5, 60, 0), 16000);
}

static void
test_backoff_capped(void **state)
{
	(void)state;
	for (int n = 0; n < 100; n++) {
		assert_true(backoff_ms(n, 60, UINT32_MAX) <= 60000);
		assert_true(backoff_ms(n, 60, 12345) >= 500);
	}
	assert_int_equal(backoff_ms(1000, 60, 0), 30000);
	assert_int_equal(backoff_ms(3, 5, 0), 2500);
}

/* The draw spreads waits over [d/2, d]. */
static void
test_backoff_jitter(void **state)
{
	int64_t lo = INT64_MAX, hi = 0;

	(void)state;
	for (uint32_t r = 0; r < 9000; r++) {
		int64_t w = backoff_ms(3, 60, r);

		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	assert_int_equal(lo, 4000);
	assert_int_equal(hi, 8000);
}

/* Failed attempts and connections that end at once wait longer each
 * time; after a connection that lasted, the next attempt is at once. */
static void
test_backoff_next(void **state)
{
	struct backoff b = { 0, 0 };
	int64_t w;

	(void)state;
	w = backoff_next(&b, 60);
	assert_true(w >= 500 && w <= 1000);
	w = backoff_next(&b, 60);
	assert_true(w >= 1000 && w <= 2000);
	/* taken over at once */
	backoff_up(&b);
	w = backoff_next(&b, 60);
	assert_true(w >= 2000 && w <= 4000);
	/* a connection that lasted */
	backoff_up(&b);
	b.up -= BACKOFF_STABLE_MS;
	assert_int_equal(backoff_next(&b, 60), 0);
	w = backoff_next(&b, 60);
	assert_true(w >= 500 && w <= 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_grows),
		cmocka_unit_test(test_backoff_capped),
		cmocka_unit_test(test_backoff_jitter),
		cmocka_unit_test(test_backoff_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
