/* test_ulid.c -- unit tests of ULID minting, checking and time decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ulid.h"

/* 2026-01-02T00:00:00Z */
#define T0	1767312000000LL

static void	test_make_shape(void **);
static void	test_time_round_trip(void **);
static void	test_ids_differ(void **);
static void	test_order_by_time(void **);
static void	test_known_time_prefix(void **);
static void	test_valid_rejects(void **);

static void
test_make_shape(void **state)
{
	char id[ULID_LEN + 1];

	(void)state;
	memset(id, 'z', sizeof(id));
	assert_int_equal(ulid_make(id, T0), 0);
	assert_int_equal(strlen(id), ULID_LEN);
	assert_int_equal(ULID_LEN, 26);
	assert_true(ulid_valid(id));
	assert_null(strpbrk(id, "ILOUilou"));
}

static void
test_time_round_trip(void **state)
{
	static const int64_t times[] = { 0, 1, T0, T0 + 999,
	    0xFFFFFFFFFFFFLL };
	char id[ULID_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		assert_int_equal(ulid_make(id, times[i]), 0);
		assert_true(ulid_valid(id));
		assert_int_equal(ulid_time(id), times[i]);
	}
}

static void
test_ids_differ(void **state)
{
	char a[ULID_LEN + 1], b[ULID_LEN + 1];

	(void)state;
	assert_int_equal(ulid_make(a, T0), 0);
	assert_int_equal(ulid_make(b, T0), 0);
	/* Same time prefix, different random part. */
	assert_memory_equal(a, b, 10);
	assert_string_not_equal(a, b);
}

static void
test_order_by_time(void **state)
{
	char a[ULID_LEN + 1], b[ULID_LEN + 1], c[ULID_LEN + 1];

	(void)state;
	assert_int_equal(ulid_make(a, T0), 0);
	assert_int_equal(ulid_make(b, T0 + 1), 0);
	assert_int_equal(ulid_make(c, T0 + 86400000), 0);
	assert_true(strcmp(a, b) < 0);
	assert_true(strcmp(b, c) < 0);
	assert_true(ulid_time(a) < ulid_time(b));
}

static void
test_known_time_prefix(void **state)
{
	char id[ULID_LEN + 1];

	(void)state;
	/* The ULID spec's example time 1469918176385 is "01ARYZ6S41". */
	assert_int_equal(ulid_make(id, 1469918176385LL), 0);
	assert_memory_equal(id, "01ARYZ6S41", 10);
	assert_int_equal(ulid_time("01ARZ3NDEKTSV4RRFFQ69G5FAV"),
	    1469922850259LL);
}

static void
test_valid_rejects(void **state)
{
	(void)state;
	assert_true(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
	assert_true(ulid_valid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
	assert_false(ulid_valid(NULL));
	assert_false(ulid_valid(""));
	assert_false(ulid_valid("01arz3ndektsv4rrffq69g5fav"));	/* lower */
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAv"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAI"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAL"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAO"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FA"));	/* 25 */
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFFQ69G5FAVX"));	/* 27 */
	assert_false(ulid_valid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));	/* > 2^48 */
	assert_false(ulid_valid("ZZZZZZZZZZZZZZZZZZZZZZZZZZ"));
	assert_false(ulid_valid("01ARZ3NDEKTSV4RRFF-69G5FAV"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_shape),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_ids_differ),
		cmocka_unit_test(test_order_by_time),
		cmocka_unit_test(test_known_time_prefix),
		cmocka_unit_test(test_valid_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
