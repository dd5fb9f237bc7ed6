/* test_log.c -- common/log.c: one whole line per event, whatever its
 * length and however many threads log at once; levels filter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define THREADS		4
#define PER_THREAD	500

static int saved_fd = -1;
static char path[] = "/tmp/test_log.XXXXXX";

/* stderr goes to a fresh file for each test */
static int
capture(void **state)
{
	int fd;

	(void)state;
	if ((fd = mkstemp(path)) < 0)
		return -1;
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_init("test", LOG_LVL_INFO);
	return 0;
}

static int
release(void **state)
{
	(void)state;
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	unlink(path);
	strcpy(path, "/tmp/test_log.XXXXXX");
	return 0;
}

/* What was logged, NUL-terminated; the caller frees it. */
static char *
logged(size_t *lenp)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	if (lenp != NULL)
		*lenp = (size_t)len;
	return buf;
}

static void
test_line(void **state)
{
	char *out, *p;

	(void)state;
	log_info("event=started count=%d", 3);
	log_debug("event=hidden");
	log_warn("event=retry stage=%s", "commit");
	out = logged(NULL);
	/* 2026-12-03T23:42:04.123Z test level=info event=started count=3 */
	assert_true(strlen(out) > 25);
	assert_int_equal(out[4], '-');
	assert_int_equal(out[10], 'T');
	assert_int_equal(out[23], 'Z');
	assert_memory_equal(out + 24, " test level=info event=started count=3\n",
	    39);
	p = strchr(out, '\n') + 1;
	assert_string_equal(p + 24, " test level=warn event=retry stage=commit\n");
	assert_null(strstr(out, "hidden"));
	free(out);
}

/* Longer than the stack buffer: written whole, once, newline last. */
static void
test_long_line(void **state)
{
	size_t n = 5000, len;
	char *big = malloc(n + 1), *out, *at;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	log_error("event=long detail=%s", big);
	out = logged(&len);
	assert_non_null(at = strstr(out, "event=long detail="));
	assert_memory_equal(at + 18, big, n);
	assert_string_equal(at + 18 + n, "\n");
	assert_int_equal(strchr(out, '\n') - out, (long)len - 1);
	free(big);
	free(out);
}

static void *
chatter(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++)
		log_info("event=chatter thread=%d seq=%d pad=%0*d", t, i,
		    200 + 300 * t, 0);
	return NULL;
}

/* Threads logging at once never split or mix each other's lines. */
static void
test_threads(void **state)
{
	pthread_t th[THREADS];
	int next[THREADS] = { 0 }, t, seq, lines = 0;
	char *out, *line, *save = NULL;

	(void)state;
	for (t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, chatter,
		    (void *)(intptr_t)t), 0);
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	out = logged(NULL);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *pad;

		assert_int_equal(sscanf(line + 24,
		    " test level=info event=chatter thread=%d seq=%d", &t,
		    &seq), 2);
		assert_in_range(t, 0, THREADS - 1);
		assert_int_equal(seq, next[t]++);	/* in order, none lost */
		assert_non_null(pad = strstr(line, " pad="));
		assert_int_equal(strlen(pad + 5), 200 + 300 * t);
		assert_int_equal(strspn(pad + 5, "0"), 200 + 300 * t);
		lines++;
	}
	assert_int_equal(lines, THREADS * PER_THREAD);
	free(out);
}

/*
 * Each line is one write(2), so that lines of several processes sharing a
 * file or a pipe never mix: on a packet socket, every write is a packet
 * of its own, and each must be exactly one line.
 */
static void
test_one_write(void **state)
{
	char packet[8192], big[3000];
	int sv[2], keep;
	ssize_t n;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	keep = dup(STDERR_FILENO);
	dup2(sv[0], STDERR_FILENO);
	log_info("event=one n=%d", 1);
	log_warn("event=two detail=%s", big);
	log_error("event=three");
	dup2(keep, STDERR_FILENO);
	close(keep);
	close(sv[0]);
	for (int i = 0; i < 3; i++) {
		/* written already: never wait for a packet that is not there */
		n = recv(sv[1], packet, sizeof(packet) - 1, MSG_DONTWAIT);
		assert_true(n > 24);
		packet[n] = '\0';
		assert_ptr_equal(strchr(packet, '\n'), packet + n - 1);
		assert_non_null(strstr(packet, i == 0 ? "event=one n=1\n" :
		    i == 1 ? "event=two detail=xxx" : "event=three\n"));
	}
	assert_int_equal(recv(sv[1], packet, sizeof(packet), MSG_DONTWAIT), 0);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_line, capture, release),
		cmocka_unit_test_setup_teardown(test_long_line, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_threads, capture,
		    release),
		cmocka_unit_test(test_one_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
