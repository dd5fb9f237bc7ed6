/* workers.h -- the collector's store workers: threads that take reports
 * from the report queue and store them in batches, each on its own
 * database connection, so that one batch is decoded, routed and answered
 * while another one commits. */
#ifndef GR_WORKERS_H
#define GR_WORKERS_H

#include <stddef.h>

#include "ingest.h"
#include "queue.h"

/* store_workers 0: how many this machine is given (1 or 2) */
int	workers_for_machine(void);

struct workers_conf {
	int			 n;		/* 1 .. INGEST_WORKERS_MAX */
	const char		*db;		/* libpq connection string */
	struct queue		*q;		/* reports only */
	struct mqtt		*mqtt;
	struct metrics		*metrics;	/* may be NULL */
	struct ingest_shared	*shared;	/* rules loaded already */
};

struct workers;

/* Start the workers; each connects (and reconnects) on its own. */
struct workers	*workers_start(const struct workers_conf *);

/*
 * Stop taking reports: each worker stores and answers what the queue
 * still holds, for at most drain_ms, then ends.  Adds up their counts in
 * sum and frees the workers.  Reports left are not acknowledged: the
 * agents send them again.
 */
void		 workers_stop(struct workers *, long drain_ms,
		    struct ingest_stats *sum);

#endif
