/* metrics.h -- the collector's Prometheus metrics: counters and histograms
 * kept by the ingest loop, served as text on a loopback HTTP port
 * (libmicrohttpd) at /metrics. */
#ifndef GR_METRICS_H
#define GR_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_counter {
	M_RECEIVED,	/* reports and actions taken from the broker */
	M_STORED,	/* reports stored (new) and acknowledged */
	M_DUPLICATES,	/* reports stored before, acknowledged again */
	M_FAILED,	/* reports the database failed to store (no Ack) */
	M_ALERTS,	/* alerts published to the county (the broker has them) */
	M_DEFERRED,	/* reports a store worker set aside for an earlier one
			   another worker held */
	M_NCOUNTERS
};

/* Store workers whose holdings the queue gauge counts. */
#define METRICS_HOLDERS	8

struct metrics;
struct queue;

/* Counters and histograms; with port > 0 also the HTTP listener on
 * 127.0.0.1:port.  NULL when the port cannot be listened on. */
struct metrics	*metrics_new(int port);
void		 metrics_free(struct metrics *);

/* Each of these does nothing when m is NULL.  Safe from any thread. */
void	metrics_count(struct metrics *, enum metric_counter);
void	metrics_add(struct metrics *, enum metric_counter, uint64_t n);
void	metrics_reject(struct metrics *, const char *reason);
/* A commit that stored n new reports, taking us microseconds from the
 * first statement of the transaction to the end of its commit. */
void	metrics_commit(struct metrics *, size_t n, int64_t us);
/* An Ack published for a report received at t_us (mono_us()). */
void	metrics_ack(struct metrics *, int64_t t_us);
/* The reports received and not yet handled: those waiting in queue q
 * (read when the metrics are), and those each store worker holds (slot,
 * below METRICS_HOLDERS: n, as of its last take or round).
 * metrics_watch(m, NULL) before q is freed. */
void	metrics_watch(struct metrics *, struct queue *q);
void	metrics_held(struct metrics *, int slot, size_t n);
/* The outcome of a reload of the config file (SIGHUP): ok 1 when it was
 * read, 0 when the settings in force stay.  The start counts as the first
 * successful one. */
void	metrics_reload(struct metrics *, int ok);

/* The exposition text, for the listener and the tests; free() it. */
char	*metrics_render(struct metrics *, size_t *len);

#endif
