/* workers.c -- the store workers: each takes reports from the queue, stores
 * a batch in one transaction on its own connection and answers it after
 * the commit (ingest_batch()).  While one waits on PostgreSQL, another
 * decodes, routes and answers; reports that depend on each other never
 * share a moment in flight (ingest.c, claim()). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "util.h"
#include "workers.h"

struct worker {
	pthread_t		 thread;
	struct workers		*pool;
	int			 slot;
	int			 running;	/* the thread was started */
	struct ingest_stats	 stats;		/* when it ended */
};

struct workers {
	struct workers_conf	 c;
	long			 drain_ms;
	atomic_int		 stop;
	pthread_mutex_t		 lock;		/* for the waits below */
	pthread_cond_t		 stopping;
	struct worker		 w[INGEST_WORKERS_MAX];
};

/*
 * One store worker on two cores or fewer, two on more.  A second worker
 * lets one batch wait on PostgreSQL while another is decoded and answered,
 * which pays when cores would otherwise idle.  On two cores the broker,
 * the collector and the backends keep both busy at full speed, and one
 * worker takes batches twice the size (everything that came while it
 * stored), paying the batch's fixed cost, about 1.7 ms of backend CPU,
 * half as often: 6 % more reports/s, same latency at 1,000/s (README, "One
 * store worker on two cores").  The cores are those this process may run
 * on (a cpuset or taskset counts), and no more than its cgroup's CPU quota
 * allows (systemd's CPUQuota=, a container's --cpus).
 */
int
workers_for_machine(void)
{
	cpu_set_t set;
	long n = -1;
	int quota = 0;
	char *cg, *line, *save;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	/* cgroup v2: the line "0::/PATH" */
	if ((cg = read_file("/proc/self/cgroup", 65536, NULL)) != NULL) {
		for (line = strtok_r(cg, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			if (strncmp(line, "0::", 3) == 0)
				quota = cgroup_cpu_limit("/sys/fs/cgroup",
				    line + 3);
		free(cg);
	}
	if (quota > 0 && (n <= 0 || quota < n))
		n = quota;
	return n > 0 && n <= 2 ? 1 : 2;
}

/* Wait ms, or less once the workers are told to stop.  1: stop. */
static int
rest(struct workers *p, long ms)
{
	struct timespec until;

	deadline_after(&until, (int)ms);
	pthread_mutex_lock(&p->lock);
	while (!atomic_load(&p->stop) &&
	    pthread_cond_timedwait(&p->stopping, &p->lock, &until) == 0)
		;
	pthread_mutex_unlock(&p->lock);
	return atomic_load(&p->stop);
}

static long
next_backoff(long ms)
{
	return ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
}

/* A lost connection back: rules changed meanwhile sent no notice. */
static void
reconnect(struct workers *p, struct store *s)
{
	if (!store_ok(s) && store_reconnect(s) == 0)
		atomic_store(&p->c.shared->reload_wanted, 1);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct workers *p = w->pool;
	struct qmsg *b[INGEST_BATCH_MAX];
	struct store *s;
	struct ingest *in;
	long backoff = BACKOFF_MIN_MS;
	size_t n = 0;

	while ((s = store_open(p->c.db)) == NULL) {
		if (rest(p, backoff))
			return NULL;
		backoff = next_backoff(backoff);
	}
	in = xmalloc(sizeof(*in));	/* large: not on a thread's stack */
	ingest_init(in, s, p->c.mqtt, p->c.metrics, p->c.shared, w->slot);
	backoff = BACKOFF_MIN_MS;
	while (!atomic_load(&p->stop)) {
		/* not a wait while a batch waits for its answers */
		if (n == 0 && !queue_wait(p->c.q, ingest_pending(in) ? 0 :
		    200)) {
			ingest_idle(in);
			continue;
		}
		if (ingest_round(in, p->c.q, b, &n) == 0) {
			backoff = BACKOFF_MIN_MS;
			continue;
		}
		/*
		 * The database is away or busy (deadlock, no space): hold the
		 * reports and try again, reconnecting only a lost connection.
		 */
		log_warn("event=db-unavailable worker=%d connected=%d "
		    "queued=%zu retry_ms=%ld", w->slot, store_ok(s),
		    queue_len(p->c.q) + n, backoff);
		(void)rest(p, backoff);
		backoff = next_backoff(backoff);
		reconnect(p, s);
	}
	ingest_drain(in, p->c.q, b, n, mono_ms() + p->drain_ms);
	if (ingest_idle(in) < 0)
		log_warn("event=alert-marks-lost note=\"published again at a "
		    "sweep\"");
	w->stats = in->stats;
	ingest_cleanup(in);
	free(in);
	store_close(s);
	return NULL;
}

struct workers *
workers_start(const struct workers_conf *c)
{
	struct workers *p = xcalloc(1, sizeof(*p));
	sigset_t all, old;
	int n = c->n < 1 ? 1 : c->n > INGEST_WORKERS_MAX ?
	    INGEST_WORKERS_MAX : c->n;

	p->c = *c;
	p->c.n = n;
	atomic_init(&p->stop, 0);
	pthread_mutex_init(&p->lock, NULL);
	cond_init(&p->stopping);
	/* signals go to the main loop, whose waits they cut short */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < n; i++) {
		p->w[i].pool = p;
		p->w[i].slot = i;
		if (pthread_create(&p->w[i].thread, NULL, worker_main,
		    &p->w[i]) != 0)
			fatalx("event=startup error=\"cannot start store "
			    "worker %d\"", i);
		p->w[i].running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

void
workers_stop(struct workers *p, long drain_ms, struct ingest_stats *sum)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->drain_ms = drain_ms;
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->stopping);
	pthread_mutex_unlock(&p->lock);
	queue_wake(p->c.q);
	for (int i = 0; i < p->c.n; i++) {
		if (!p->w[i].running)
			continue;
		pthread_join(p->w[i].thread, NULL);
		ingest_stats_add(sum, &p->w[i].stats);
	}
	pthread_cond_destroy(&p->stopping);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
