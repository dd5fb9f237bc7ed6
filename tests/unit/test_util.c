/* test_util.c -- common/util.c: times in China Standard Time, secrets,
 * per-user paths, cgroup CPU quotas, deadlines of timed waits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Write text to root/sub/cpu.max, making sub if its parent is there. */
static void
put_cpu_max(const char *root, const char *sub, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s%s", root, sub);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s%s/cpu.max", root, sub);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
test_cgroup_cpu_limit(void **state)
{
	/* cpu.max of /a and of /a/b (NULL: no file), and the limit of /a/b */
	static const struct {
		const char *parent, *child;
		int want;
	} cases[] = {
		{ NULL, NULL, 0 },				/* no quota */
		{ "max 100000\n", "max 100000\n", 0 },
		{ NULL, "150000 100000\n", 2 },		/* rounded up */
		{ NULL, "100000 100000\n", 1 },
		{ "50000 100000\n", "max 100000\n", 1 },	/* the parent's */
		{ "50000 100000\n", NULL, 1 },
		{ "800000 100000\n", "300000 100000\n", 3 },	/* the least */
		{ "300000 100000\n", "800000 100000\n", 3 },
		{ "lots 100000\n", "100000 0\n", 0 },	/* unreadable */
		{ NULL, "100000\n", 0 },
		{ NULL, "-100000 100000\n", 0 },
	};
	char root[] = "/tmp/test_cgroup.XXXXXX";
	char path[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(mkdtemp(strcpy(root, "/tmp/test_cgroup.XXXXXX")));
		snprintf(path, sizeof(path), "mkdir -p %s/a/b", root);
		assert_int_equal(system(path), 0);
		if (cases[i].parent != NULL)
			put_cpu_max(root, "/a", cases[i].parent);
		if (cases[i].child != NULL)
			put_cpu_max(root, "/a/b", cases[i].child);
		/* a sibling's quota is never ours */
		put_cpu_max(root, "/c", "100000 100000\n");
		if (cgroup_cpu_limit(root, "/a/b") != cases[i].want)
			fail_msg("case %zu: %d CPUs, want %d", i,
			    cgroup_cpu_limit(root, "/a/b"), cases[i].want);
		assert_int_equal(cgroup_cpu_limit(root, "/a/b/"),
		    cases[i].want);
		/* paths not as /proc/self/cgroup gives them */
		assert_int_equal(cgroup_cpu_limit(root, "a/b"), 0);
		assert_int_equal(cgroup_cpu_limit(root, "/a/../c"), 0);
		assert_int_equal(cgroup_cpu_limit(root, NULL), 0);
		snprintf(path, sizeof(path), "rm -rf %s", root);
		assert_int_equal(system(path), 0);
	}
}

/*
 * A timed wait's deadline is on the monotonic clock, as the condition
 * variables of cond_init() wait: a wall clock set back (NTP, the network's
 * time on a handheld) must not stretch a 100 ms wait by as much.
 */
static void
test_deadline_monotonic(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c;
	struct timespec before, until, after;
	int64_t b, u, a;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &before);
	deadline_after(&until, 1500);
	clock_gettime(CLOCK_MONOTONIC, &after);
	b = (int64_t)before.tv_sec * 1000000000 + before.tv_nsec;
	u = (int64_t)until.tv_sec * 1000000000 + until.tv_nsec;
	a = (int64_t)after.tv_sec * 1000000000 + after.tv_nsec;
	assert_true(until.tv_nsec >= 0 && until.tv_nsec < 1000000000);
	assert_true(u >= b + 1500000000LL && u <= a + 1500000000LL);

	/* and such a wait ends at it: nothing signals c */
	cond_init(&c);
	deadline_after(&until, 10);
	pthread_mutex_lock(&m);
	assert_int_equal(pthread_cond_timedwait(&c, &m, &until), ETIMEDOUT);
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cst),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_home_path),
		cmocka_unit_test(test_cgroup_cpu_limit),
		cmocka_unit_test(test_deadline_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
