/* util.h -- memory wrappers that exit on failure, clocks, small helpers. */
#ifndef GR_UTIL_H
#define GR_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* Milliseconds since the Unix epoch, from the real-time clock. */
int64_t	 now_ms(void);
/* Milliseconds from a monotonic clock, for timeouts. */
int64_t	 mono_ms(void);
/* Microseconds from the same clock, for latencies. */
int64_t	 mono_us(void);

/* The CLOCK_MONOTONIC time ms milliseconds from now, for
 * pthread_cond_timedwait() on a condition variable of cond_init(): a wall
 * clock set back (NTP, the network's time) does not stretch the wait. */
struct timespec;
void	 deadline_after(struct timespec *, int ms);
/* Initialise a condition variable whose timed waits run on
 * CLOCK_MONOTONIC, as deadline_after()'s deadlines do. */
void	 cond_init(pthread_cond_t *);
/* The wait in ms before reconnect attempt n (0, 1, ...): 1, 2, 4 ...
 * seconds up to max_s, each drawn between half and all of that by the
 * random number r ("equal jitter"). */
int64_t	 backoff_ms(int n, long max_s, uint32_t r);
/* The same with r drawn from the system's random source. */
int64_t	 backoff_random_ms(int n, long max_s);

/*
 * Reconnecting: each failed attempt waits longer (backoff_random_ms()),
 * and so does each connection that ended within BACKOFF_STABLE_MS of being
 * made, as when the broker hands the session to another client with the
 * same id (two devices, or two programs, with one client id): else the two
 * would take it from each other in a tight loop.  After a connection that
 * lasted, the next attempt is at once.
 */
#define BACKOFF_STABLE_MS	10000
struct backoff {
	int	attempt;
	int64_t	up;		/* mono_ms() when connected; 0 when not */
};
/* Connected now. */
void	 backoff_up(struct backoff *);
/* The connection is lost, or an attempt failed: the wait in ms before the
 * next attempt (0: at once), with a cap of max_s seconds. */
int64_t	 backoff_next(struct backoff *, long max_s);
/* Sleep ms, or less when a signal comes. */
void	 pause_ms(long ms);

/* 1 when s has min to max characters, each a letter, a digit or one of
 * extra; else 0. */
int	 token_valid(const char *s, const char *extra, size_t min, size_t max);

/* Copy at most size-1 bytes and terminate; returns strlen(src). */
size_t	 strlcpy_gr(char *dst, const char *src, size_t size);

/* Read a whole file into a NUL-terminated buffer of at most max bytes.
 * Returns NULL and sets errno on failure (EFBIG when too large). */
char	*read_file(const char *path, size_t max, size_t *lenp);

/* The first line of a file holding a secret (a password), without its
 * line end; NULL with errno set when it cannot be read. */
char	*read_secret(const char *path);

/* $HOME/name (./name without HOME), malloc'd: a per-user default path. */
char	*home_path(const char *name);

/*
 * Times as people in the county read them, China Standard Time (UTC+8):
 * cst_time() "YYYY-MM-DD HH:MM"; cst_deadline() the last day on which a
 * deadline is met, "YYYY-MM-DD" (deadlines fall at the midnight after
 * it).  "-" for a time not set (ms <= 0).  Both return buf.
 */
#define CST_LEN	20
const char	*cst_time(char *buf, size_t size, int64_t ms);
const char	*cst_deadline(char *buf, size_t size, int64_t ms);

/*
 * The CPUs a cgroup v2 quota gives the cgroup at path (as /proc/self/cgroup
 * names it, "/system.slice/x.service") under root (/sys/fs/cgroup): the
 * least "QUOTA PERIOD" of its cpu.max and its ancestors', rounded up to
 * whole CPUs.  0 when none sets a quota ("max", or no cpu.max to read).
 */
int	 cgroup_cpu_limit(const char *root, const char *path);

/* Parse a decimal integer in [min, max]; 0 on success, -1 otherwise. */
int	 parse_long(const char *s, long min, long max, long *out);

#endif
