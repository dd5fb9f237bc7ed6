/* metrics.c -- Prometheus text exposition of the collector's counters and
 * histograms on a loopback port, served by libmicrohttpd's own thread. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "util.h"

#define MAX_REASONS	32
#define MAX_BUCKETS	16

struct histogram {
	const char	*name;
	const char	*help;
	const double	*le;		/* upper bounds, ascending */
	size_t		 n;
	double		 scale;		/* observed value to the unit of le */
	_Atomic uint64_t bucket[MAX_BUCKETS];	/* not cumulative */
	_Atomic uint64_t count;
	_Atomic uint64_t sum;		/* in observed units */
};

struct metrics {
	struct MHD_Daemon *httpd;
	_Atomic uint64_t counter[M_NCOUNTERS];
	_Atomic uint64_t held[METRICS_HOLDERS];
	struct queue	*queue;		/* under lock */
	atomic_int	 reload_ok;	/* the last reload's outcome */
	_Atomic int64_t	 reload_at;	/* the last successful one, Unix s */
	pthread_mutex_t	 lock;		/* the reasons table, queue */
	const char	*reason[MAX_REASONS];
	uint64_t	 rejected[MAX_REASONS];
	size_t		 nreasons;
	struct histogram batch, commit, ack;
};

static const double batch_le[] = { 1, 2, 4, 8, 16, 32, 64, 100 };
static const double secs_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

static const struct {
	const char *name, *help;
} counters[M_NCOUNTERS] = {
	{ "gr_collector_received_total",
	  "Messages (reports and actions) taken from the broker." },
	{ "gr_collector_stored_total",
	  "Reports stored for the first time and acknowledged." },
	{ "gr_collector_duplicates_total",
	  "Reports stored before, acknowledged again as duplicates." },
	{ "gr_collector_failed_total",
	  "Reports the database failed to store (dead-lettered, no Ack)." },
	{ "gr_collector_alerts_total",
	  "Alerts published to the county's dispatch feed (the broker has them)." },
	{ "gr_collector_deferred_total",
	  "Reports a store worker set aside until another worker stored an "
	  "earlier one they depend on." },
};

static void
hist_init(struct histogram *h, const char *name, const char *help,
    const double *le, size_t n, double scale)
{
	h->name = name;
	h->help = help;
	h->le = le;
	h->n = n;
	h->scale = scale;
}

static void
observe(struct histogram *h, uint64_t v)
{
	double x = (double)v / h->scale;
	size_t i;

	for (i = 0; i < h->n && x > h->le[i]; i++)
		;
	if (i < h->n)
		atomic_fetch_add(&h->bucket[i], 1);
	atomic_fetch_add(&h->count, 1);
	atomic_fetch_add(&h->sum, v);
}

/* A growing text buffer. */
struct text {
	char	*s;
	size_t	 len, cap;
};

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 0);
		t->s = xrealloc(t->s, t->cap);
	}
}

static void
put_hist(struct text *t, struct histogram *h)
{
	uint64_t cum = 0;

	put(t, "# HELP %s %s\n# TYPE %s histogram\n", h->name, h->help,
	    h->name);
	for (size_t i = 0; i < h->n; i++) {
		cum += atomic_load(&h->bucket[i]);
		put(t, "%s_bucket{le=\"%g\"} %llu\n", h->name, h->le[i],
		    (unsigned long long)cum);
	}
	put(t, "%s_bucket{le=\"+Inf\"} %llu\n", h->name,
	    (unsigned long long)atomic_load(&h->count));
	if (h->scale == 1)
		put(t, "%s_sum %llu\n", h->name,
		    (unsigned long long)atomic_load(&h->sum));
	else
		put(t, "%s_sum %.6f\n", h->name,
		    (double)atomic_load(&h->sum) / h->scale);
	put(t, "%s_count %llu\n", h->name,
	    (unsigned long long)atomic_load(&h->count));
}

char *
metrics_render(struct metrics *m, size_t *len)
{
	struct text t = { xmalloc(4096), 0, 4096 };
	uint64_t waiting;

	for (int i = 0; i < M_NCOUNTERS; i++)
		put(&t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    counters[i].name, counters[i].help, counters[i].name,
		    counters[i].name,
		    (unsigned long long)atomic_load(&m->counter[i]));
	put(&t, "# HELP gr_collector_rejected_total Messages rejected and "
	    "dead-lettered, by reason.\n"
	    "# TYPE gr_collector_rejected_total counter\n");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nreasons; i++)
		put(&t, "gr_collector_rejected_total{reason=\"%s\"} %llu\n",
		    m->reason[i], (unsigned long long)m->rejected[i]);
	waiting = m->queue != NULL ? queue_len(m->queue) : 0;
	pthread_mutex_unlock(&m->lock);
	for (int i = 0; i < METRICS_HOLDERS; i++)
		waiting += atomic_load(&m->held[i]);
	put(&t, "# HELP gr_collector_queue_length Reports received and not "
	    "yet handled: queued, or held by a store worker.\n"
	    "# TYPE gr_collector_queue_length gauge\n"
	    "gr_collector_queue_length %llu\n", (unsigned long long)waiting);
	put(&t, "# HELP gr_collector_config_last_reload_successful Whether "
	    "the last reload (SIGHUP) read the config file (1) or kept the "
	    "settings in force (0).\n"
	    "# TYPE gr_collector_config_last_reload_successful gauge\n"
	    "gr_collector_config_last_reload_successful %d\n"
	    "# HELP gr_collector_config_last_reload_success_timestamp_seconds "
	    "When the configuration was last read (the start, or a "
	    "reload).\n# TYPE "
	    "gr_collector_config_last_reload_success_timestamp_seconds gauge\n"
	    "gr_collector_config_last_reload_success_timestamp_seconds "
	    "%lld\n", atomic_load(&m->reload_ok),
	    (long long)atomic_load(&m->reload_at));
	put_hist(&t, &m->batch);
	put_hist(&t, &m->commit);
	put_hist(&t, &m->ack);
	*len = t.len;
	return t.s;
}

static enum MHD_Result
serve(void *arg, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct metrics *m = arg;
	struct MHD_Response *r;
	enum MHD_Result rc;
	unsigned status = MHD_HTTP_OK;
	char *body;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		body = xstrdup("only GET\n");
		len = strlen(body);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") != 0) {
		body = xstrdup("not found: the metrics are at /metrics\n");
		len = strlen(body);
		status = MHD_HTTP_NOT_FOUND;
	} else
		body = metrics_render(m, &len);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

struct metrics *
metrics_new(int port)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	struct sockaddr_in sin;

	pthread_mutex_init(&m->lock, NULL);
	metrics_reload(m, 1);
	hist_init(&m->batch, "gr_collector_batch_reports",
	    "New reports stored per committed transaction.", batch_le,
	    sizeof(batch_le) / sizeof(batch_le[0]), 1);
	hist_init(&m->commit, "gr_collector_commit_seconds",
	    "Time to store a batch: first statement to end of commit.",
	    secs_le, sizeof(secs_le) / sizeof(secs_le[0]), 1e6);
	hist_init(&m->ack, "gr_collector_ack_seconds",
	    "Time from a report's arrival to the publish of its Ack.",
	    secs_le, sizeof(secs_le) / sizeof(secs_le[0]), 1e6);
	if (port <= 0)
		return m;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, serve, m,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_LIMIT, 16U,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (m->httpd == NULL) {
		log_error("event=metrics-listen port=%d error=\"cannot listen "
		    "on 127.0.0.1:%d\"", port, port);
		metrics_free(m);
		return NULL;
	}
	log_info("event=metrics-listening address=127.0.0.1:%d path=/metrics",
	    port);
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->httpd != NULL)
		MHD_stop_daemon(m->httpd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
metrics_count(struct metrics *m, enum metric_counter c)
{
	metrics_add(m, c, 1);
}

void
metrics_add(struct metrics *m, enum metric_counter c, uint64_t n)
{
	if (m != NULL)
		atomic_fetch_add(&m->counter[c], n);
}

void
metrics_reject(struct metrics *m, const char *reason)
{
	size_t i;

	if (m == NULL)
		return;
	if (reason == NULL)
		reason = "unknown";
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nreasons; i++)
		if (strcmp(m->reason[i], reason) == 0)
			break;
	if (i == m->nreasons && i < MAX_REASONS)
		m->reason[m->nreasons++] = reason;	/* static strings */
	if (i < m->nreasons)
		m->rejected[i]++;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_commit(struct metrics *m, size_t n, int64_t us)
{
	if (m == NULL)
		return;
	observe(&m->batch, n);
	observe(&m->commit, us > 0 ? (uint64_t)us : 0);
}

void
metrics_ack(struct metrics *m, int64_t t_us)
{
	int64_t d;

	if (m == NULL)
		return;
	d = mono_us() - t_us;
	observe(&m->ack, d > 0 ? (uint64_t)d : 0);
}

void
metrics_watch(struct metrics *m, struct queue *q)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->queue = q;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_held(struct metrics *m, int slot, size_t n)
{
	if (m != NULL && slot >= 0 && slot < METRICS_HOLDERS)
		atomic_store(&m->held[slot], n);
}

void
metrics_reload(struct metrics *m, int ok)
{
	if (m == NULL)
		return;
	atomic_store(&m->reload_ok, ok ? 1 : 0);
	if (ok)
		atomic_store(&m->reload_at, (int64_t)time(NULL));
}
