/* test_utf8.c -- unit tests of utf8_chars(): well-formedness and counting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static long	chars(const char *);
static void	test_ascii(void **);
static void	test_chinese_counts_characters(void **);
static void	test_tab_newline_cr_ok(void **);
static void	test_control_rejected(void **);
static void	test_nul_inside_len(void **);
static void	test_overlong(void **);
static void	test_surrogate(void **);
static void	test_beyond_max(void **);
static void	test_truncated(void **);
static void	test_bad_continuation(void **);
static void	test_four_byte_ok(void **);

static long
chars(const char *s)
{
	return utf8_chars(s, strlen(s));
}

static void
test_ascii(void **state)
{
	(void)state;
	assert_int_equal(chars(""), 0);
	assert_int_equal(chars("hello, world"), 12);
	/* Only len bytes are looked at. */
	assert_int_equal(utf8_chars("abcdef", 3), 3);
}

static void
test_chinese_counts_characters(void **state)
{
	(void)state;
	/* 6 characters, 18 bytes. */
	assert_int_equal(strlen("劳动合同纠纷"), 18);
	assert_int_equal(chars("劳动合同纠纷"), 6);
	assert_int_equal(chars("张三 owes ¥350"), 12);
}

static void
test_tab_newline_cr_ok(void **state)
{
	(void)state;
	assert_int_equal(chars("a\tb\nc\r\n"), 7);
}

static void
test_control_rejected(void **state)
{
	(void)state;
	assert_int_equal(chars("a\x01" "b"), -1);
	assert_int_equal(chars("\x1b[31m"), -1);
	assert_int_equal(chars("\x7f"), -1);
}

static void
test_nul_inside_len(void **state)
{
	static const char s[] = { 'a', '\0', 'b' };

	(void)state;
	assert_int_equal(utf8_chars(s, sizeof(s)), -1);
	assert_int_equal(utf8_chars(s, 1), 1);
}

static void
test_overlong(void **state)
{
	(void)state;
	assert_int_equal(chars("\xc0\x80"), -1);	/* NUL, 2 bytes */
	assert_int_equal(chars("\xc1\xbf"), -1);
	assert_int_equal(chars("\xe0\x80\xaf"), -1);	/* '/', 3 bytes */
	assert_int_equal(chars("\xf0\x82\x82\xac"), -1); /* U+20AC, 4 bytes */
}

static void
test_surrogate(void **state)
{
	(void)state;
	assert_int_equal(chars("\xed\xa0\x80"), -1);	/* U+D800 */
	assert_int_equal(chars("\xed\xbf\xbf"), -1);	/* U+DFFF */
	assert_int_equal(chars("\xed\x9f\xbf"), 1);	/* U+D7FF */
}

static void
test_beyond_max(void **state)
{
	(void)state;
	assert_int_equal(chars("\xf4\x90\x80\x80"), -1);	/* U+110000 */
	assert_int_equal(chars("\xf5\x80\x80\x80"), -1);
	assert_int_equal(chars("\xf4\x8f\xbf\xbf"), 1);	/* U+10FFFF */
}

static void
test_truncated(void **state)
{
	(void)state;
	assert_int_equal(utf8_chars("\xe4\xb8\xad", 2), -1);
	assert_int_equal(utf8_chars("\xe4\xb8\xad", 1), -1);
	assert_int_equal(utf8_chars("ab\xf0\x9f\x98", 5), -1);
	assert_int_equal(utf8_chars("\xe4\xb8\xad", 3), 1);
}

static void
test_bad_continuation(void **state)
{
	(void)state;
	assert_int_equal(chars("\x80"), -1);		/* lone continuation */
	assert_int_equal(chars("\xe4" "a" "\xad"), -1);
	assert_int_equal(chars("\xff"), -1);
}

static void
test_four_byte_ok(void **state)
{
	(void)state;
	assert_int_equal(chars("\xf0\x9f\x98\x80!"), 2);	/* U+1F600 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_chinese_counts_characters),
		cmocka_unit_test(test_tab_newline_cr_ok),
		cmocka_unit_test(test_control_rejected),
		cmocka_unit_test(test_nul_inside_len),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogate),
		cmocka_unit_test(test_beyond_max),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_continuation),
		cmocka_unit_test(test_four_byte_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
