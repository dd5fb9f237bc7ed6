/* util.c -- memory wrappers that exit on failure, clocks, small helpers. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL)
		fatal("realloc");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatal("strndup");
	return p;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
backoff_ms(int n, long max_s, uint32_t r)
{
	int64_t cap = (int64_t)(max_s > 0 ? max_s : 1) * 1000, d = 1000;

	while (n-- > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	/* "Equal jitter": half fixed, half random, so that devices that
	 * lost the network together do not come back together. */
	return d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

int64_t
backoff_random_ms(int n, long max_s)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)mono_us();
	return backoff_ms(n, max_s, r);
}

void
backoff_up(struct backoff *b)
{
	b->up = mono_ms();
}

int64_t
backoff_next(struct backoff *b, long max_s)
{
	int lasted = b->up != 0 && mono_ms() - b->up >= BACKOFF_STABLE_MS;

	b->up = 0;
	if (lasted) {
		b->attempt = 0;
		return 0;
	}
	return backoff_random_ms(b->attempt++, max_s);
}

void
cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;

	if (pthread_condattr_init(&a) != 0 ||
	    pthread_condattr_setclock(&a, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(c, &a) != 0)
		fatalx("event=cond-init error=\"no monotonic condition variable\"");
	pthread_condattr_destroy(&a);
}

void
deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int
token_valid(const char *s, const char *extra, size_t min, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
			return 0;
	}
	return n >= min && n <= max;
}

size_t
strlcpy_gr(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *
read_file(const char *path, size_t max, size_t *lenp)
{
	FILE *fp;
	char *buf;
	size_t len = 0, cap = 4096;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		size_t n;

		if (len + 1 == cap) {
			if (cap > max) {
				free(buf);
				fclose(fp);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp) || len > max) {
		int saved = ferror(fp) ? EIO : EFBIG;

		free(buf);
		fclose(fp);
		errno = saved;
		return NULL;
	}
	fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *
read_secret(const char *path)
{
	char *s = read_file(path, 4096, NULL);

	if (s != NULL)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

char *
home_path(const char *name)
{
	const char *home = getenv("HOME");
	size_t n = strlen(home != NULL ? home : ".") + strlen(name) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", home != NULL ? home : ".", name);
	return p;
}

/* The broken-down CST time of ms, shifted by shift_s; 0, or -1 when not set. */
static int
cst_tm(int64_t ms, int shift_s, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000) + 8 * 3600 + shift_s;

	if (ms <= 0)
		return -1;
	gmtime_r(&t, tm);
	return 0;
}

const char *
cst_time(char *buf, size_t size, int64_t ms)
{
	struct tm tm;

	if (cst_tm(ms, 0, &tm) < 0)
		strlcpy_gr(buf, "-", size);
	else if (strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0 && size > 0)
		buf[0] = '\0';
	return buf;
}

const char *
cst_deadline(char *buf, size_t size, int64_t ms)
{
	struct tm tm;

	if (cst_tm(ms, -1, &tm) < 0)
		strlcpy_gr(buf, "-", size);
	else if (strftime(buf, size, "%Y-%m-%d", &tm) == 0 && size > 0)
		buf[0] = '\0';
	return buf;
}

/* One cpu.max: 0 for "max" or a file that cannot be read or parsed, else
 * the quota in whole CPUs, rounded up. */
static long
cpu_max_cpus(const char *file)
{
	char *text, *end;
	long long quota, period;
	long cpus = 0;

	if ((text = read_file(file, 256, NULL)) == NULL)
		return 0;
	errno = 0;
	quota = strtoll(text, &end, 10);
	if (end != text && *end == ' ' && errno == 0 && quota > 0) {
		const char *p = end + 1;

		period = strtoll(p, &end, 10);
		if (end != p && (*end == '\n' || *end == '\0') && errno == 0 &&
		    period > 0) {
			long long n = quota / period + (quota % period != 0);

			cpus = n > LONG_MAX ? LONG_MAX : (long)n;
		}
	}
	free(text);
	return cpus;
}

int
cgroup_cpu_limit(const char *root, const char *path)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	size_t rootlen = strlen(root);
	long least = 0, n;
	int len;

	if (path == NULL || path[0] != '/' || strstr(path, "/..") != NULL)
		return 0;
	len = snprintf(dir, sizeof(dir), "%s%s", root, path);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return 0;
	/* the cgroup itself, then each parent up to root: path begins with
	 * '/', so each cut at the last '/' stays within dir past root */
	for (;;) {
		while ((size_t)len > rootlen && dir[len - 1] == '/')
			dir[--len] = '\0';
		snprintf(file, sizeof(file), "%s/cpu.max", dir);
		if ((n = cpu_max_cpus(file)) > 0 && (least == 0 || n < least))
			least = n;
		if ((size_t)len <= rootlen)
			break;
		len = (int)(strrchr(dir, '/') - dir);
		dir[len] = '\0';
	}
	return least > INT_MAX ? INT_MAX : (int)least;
}
