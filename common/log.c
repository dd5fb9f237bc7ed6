/* log.c -- one line per event, key=value fields, to stderr. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE	1024	/* most lines fit on the stack */

static const char *log_progname = "gr";
static _Atomic int log_max = LOG_LVL_INFO;	/* set on SIGHUP, read anywhere */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void	log_vwrite(enum log_level, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_max = level;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0)
			return (int)i;
	return -1;
}

/* A line being formatted: what fits of it in buf, and its whole length. */
struct line {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void	line_add(struct line *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	line_vadd(struct line *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static size_t	line_format(struct line *, const char *, long, enum log_level,
		    const char *, const char *, va_list)
		    __attribute__((format(printf, 6, 0)));

static void
line_vadd(struct line *l, const char *fmt, va_list ap)
{
	size_t room = l->len < l->size ? l->size - l->len : 0;
	int n = vsnprintf(room > 0 ? l->buf + l->len : NULL, room, fmt, ap);

	if (n > 0)
		l->len += (size_t)n;
}

static void
line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_vadd(l, fmt, ap);
	va_end(ap);
}

/* The whole line, newline included, into l; its length, which is l->size
 * or more when it did not fit. */
static size_t
line_format(struct line *l, const char *stamp, long ms,
    enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	l->len = 0;
	line_add(l, "%s.%03ldZ %s level=%s ", stamp, ms, log_progname,
	    log_names[level]);
	line_vadd(l, fmt, ap);
	if (suffix != NULL)
		line_add(l, " error=\"%s\"", suffix);
	line_add(l, "\n");
	return l->len;
}

/*
 * Format the line, then write it whole with one write(2), which the
 * kernel takes whole into a file opened for appending or, up to PIPE_BUF
 * bytes, into a pipe, so lines of several writers do not mix; what a
 * write leaves (a signal, a full disk) is written after it.  Lines longer
 * than LOG_LINE are formatted again into memory of their size, or cut
 * (newline kept) when there is none.
 */
static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt,
    va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32], buf[LOG_LINE];
	struct line l = { buf, sizeof(buf), 0 };
	va_list again;
	size_t len, off = 0;
	ssize_t n;
	int fd = fileno(stderr);

	if ((int)level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_copy(again, ap);
	len = line_format(&l, stamp, ts.tv_nsec / 1000000, level, suffix,
	    fmt, ap);
	if (len >= sizeof(buf)) {
		if ((l.buf = malloc(len + 1)) != NULL) {
			l.size = len + 1;
			len = line_format(&l, stamp, ts.tv_nsec / 1000000,
			    level, suffix, fmt, again);
		} else {
			l.buf = buf;
			l.size = sizeof(buf);
		}
		if (len >= l.size) {	/* no memory, or grown since */
			len = l.size - 1;
			l.buf[len - 1] = '\n';
		}
	}
	va_end(again);
	pthread_mutex_lock(&log_lock);
	while (off < len) {
		if ((n = write(fd, l.buf + off, len - off)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;		/* nowhere else to say so */
		}
		off += (size_t)n;
	}
	pthread_mutex_unlock(&log_lock);
	if (l.buf != buf)
		free(l.buf);
}

#define LOG_FN(name, level)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_vwrite(level, NULL, fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
