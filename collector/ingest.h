/* ingest.h -- one received report from payload to committed case and Ack:
 * decode, validate, store (or dead-letter), then answer. */
#ifndef GR_INGEST_H
#define GR_INGEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "mqtt.h"
#include "queue.h"
#include "store.h"

struct ingest_stats {
	unsigned long	received;
	unsigned long	stored;
	unsigned long	duplicates;
	unsigned long	rejected;
	unsigned long	failed;		/* database failures, not acknowledged */
	unsigned long	actions;	/* dispatcher actions applied */
	unsigned long	actions_refused;
	unsigned long	supervised;	/* cases the sweeper supervised */
	unsigned long	alerts;		/* alerts published */
};

/* Waits between two tries while the database is away. */
#define BACKOFF_MIN_MS	250
#define BACKOFF_MAX_MS	16000

/* Reports stored in one transaction at most (setting batch_max). */
#define INGEST_BATCH_MAX	100

struct metrics;

/* Store workers one collector runs at most (setting store_workers). */
#define INGEST_WORKERS_MAX	8

/* A set of routing rules, kept while a batch routes by it. */
struct rules_ref {
	struct ruleset	 rs;
	int		 refs;
};

/* A report a store worker holds, in its batch or waiting for a later one,
 * or committed and not yet answered (pending: answer_pending() in
 * collector/ingest.c lets it go). */
struct ingest_owned {
	const Gr__Report	*r;	/* in the worker's arena */
	uint64_t		 seq;	/* struct qmsg's */
	size_t			 msg;	/* index in the worker's messages */
	int			 pending;
};

/*
 * What the collector's threads share: the routing rules in force, and the
 * reports each store worker holds.  A worker chooses its batch under the
 * lock take, from the queue's head: a report that depends on an earlier
 * one another worker holds (store_conflicts()) waits until that one is
 * answered, so that reports are stored in the order they came, as by one
 * worker.
 */
struct ingest_shared {
	pthread_mutex_t		 take;
	pthread_mutex_t		 lock;		/* what follows */
	pthread_cond_t		 landed;	/* a batch was answered */
	unsigned long		 landings;
	struct rules_ref	*rules;
	/* a batch committed and unanswered, and those held for the next */
	struct ingest_owned	 owned[INGEST_WORKERS_MAX][2 * INGEST_BATCH_MAX];
	size_t			 nowned[INGEST_WORKERS_MAX];
	atomic_int		 reload_wanted;	/* a worker reconnected */
	atomic_size_t		 batch_max;	/* setting batch_max, as reloaded */
};

/* batch_max: reports taken for one transaction at most, 1 to
 * INGEST_BATCH_MAX; ingest_set_batch_max() changes it for every thread,
 * from its next take on (ingest_take()). */
void	ingest_shared_init(struct ingest_shared *, size_t batch_max);
void	ingest_set_batch_max(struct ingest_shared *, size_t batch_max);
void	ingest_shared_free(struct ingest_shared *);

/* Where a report of the batch came from. */
struct ingest_slot {
	size_t			 msg;	/* index in the caller's array */
	char			 worker[64];
};

/* A batch's reports: their decoding, what storing them found, where they
 * came from, and (once committed, to be answered) their messages. */
struct ingest_buf {
	struct codec_arena	 arena;
	struct store_item	 items[INGEST_BATCH_MAX];
	struct ingest_slot	 slots[INGEST_BATCH_MAX];
	struct qmsg		*msgs[INGEST_BATCH_MAX];
};

/* A unit's last snapshot, for the rate limit (setting snapshot_interval). */
#define SNAPSHOT_UNITS	64
struct snapshot_seen {
	char			 unit[24];
	int64_t			 at_ms;	/* mono_ms() */
};

struct ingest {
	struct store		*store;
	struct mqtt		*mqtt;
	struct metrics		*metrics;	/* may be NULL */
	struct ingest_shared	*shared;
	int			 slot;	/* a store worker's; -1: none */
	struct ingest_stats	 stats;
	int64_t			 snapshot_interval_ms;	/* 0: no limit */
	struct snapshot_seen	 snapshots[SNAPSHOT_UNITS];
	struct dispatch_list	*dispatch;	/* new cases to send */
	struct case_view	 view;		/* a case read back */
	/* two batches' worth: the one being stored and the one committed
	 * before it, answered while PostgreSQL reads for this one */
	struct ingest_buf	 bt[2];
	int			 cur;		/* bt[cur] is being stored */
	struct codec_arena	*arena;		/* bt[cur]'s */
	struct store_item	*items;
	struct ingest_slot	*slots;
	size_t			 npend;		/* bt[!cur] committed, unanswered */
};

/* slot: the store worker's number, below INGEST_WORKERS_MAX, or -1 for a
 * thread that takes no reports in batches. */
void	ingest_init(struct ingest *, struct store *, struct mqtt *,
	    struct metrics *, struct ingest_shared *, int slot);
void	ingest_cleanup(struct ingest *);

/* Load the routing rules again, for every thread; why is "startup",
 * "sighup", "notify" or "reconnect".  A batch under way keeps the rules it
 * started with.  On failure the rules in force stay.  0 or -1. */
int	ingest_reload_rules(struct ingest *, const char *why);

/* 1 when the topic is a dispatcher's action, 0 when a report's. */
int	ingest_is_action(const char *topic);

void	ingest_stats_add(struct ingest_stats *sum, const struct ingest_stats *);

/* 1 when a store worker has a batch committed and not yet answered: it
 * must not wait for the queue (ingest_idle() answers it). */
int	ingest_pending(const struct ingest *);

/* Fill b (n held already) up to the batch size from q, waiting at most
 * wait_ms for the first message when it is empty.  The new count. */
size_t	ingest_take(struct ingest *, struct queue *q, struct qmsg **b,
	    size_t n, int wait_ms);

/* Handle one message by its topic: a report or a dispatcher's action.
 * Returns as ingest_report() does. */
int	ingest_message(struct ingest *, const char *topic, const uint8_t *,
	    size_t);

/*
 * Apply one dispatcher action from gr/v1/action/{unit}; answer the unit,
 * and on a change tell the case's unit(s) and the reporting worker.  0 when
 * done with, -1 when the database is unavailable (call again later).
 */
int	ingest_action(struct ingest *, const char *topic, const uint8_t *,
	    size_t);

/*
 * Supervise overdue cases, at most a batch, and tell their units and
 * workers.  Returns how many changed (a full batch: call again soon), or
 * -1 when the database failed (try at the next interval).
 */
#define SWEEP_BATCH	256
/* Cases one snapshot request publishes at most. */
#define SNAPSHOT_MAX	5000
int	ingest_sweep(struct ingest *, long clock_offset);

/*
 * Handle the received messages q[0 .. *np), at most batch_max of them, in
 * order but for reports that must wait for an earlier one: the reports in
 * batches, each batch one transaction, every Ack published after the
 * commit that stored its report; actions one at a time.  Frees the
 * messages done with and leaves those not done at the front, *np their
 * number.  0 when all are done, -1 when the database is unavailable (call
 * again later with what is left).
 */
int	ingest_batch(struct ingest *, struct qmsg **q, size_t *np);

/*
 * A store worker's turn: take from queue q what fits beside the n messages
 * b holds, and store and answer one batch (or, when every report waits for
 * another worker's, wait a little for one to be answered).  Returns as
 * ingest_batch(), *np the messages still held.
 */
int	ingest_round(struct ingest *, struct queue *q, struct qmsg **b,
	    size_t *np);

/*
 * After the stop: handle b[0 .. n) and what q still holds, until q is empty
 * or, with the database away, until the time until (mono_ms()) has passed.
 * Frees the messages; returns how many were left unanswered (logged: the
 * agents send them again).
 */
size_t	ingest_drain(struct ingest *, struct queue *q, struct qmsg **b,
	    size_t n, int64_t until);

/*
 * The alerts of the reports it stores are published by ingest_batch() and
 * ingest_report() after their commit, and marked published with the next
 * commit.  ingest_alerts() publishes the alerts left unpublished, raised
 * at least settled_s seconds ago (a collector died before it marked them,
 * or the broker refused them), a batch at a time, marking them once the
 * broker has them.  Returns how many, or -1 (they stay for the next call).
 */
#define ALERT_SETTLED_S	30
int	ingest_alerts(struct ingest *, int settled_s);
/* Nothing to store for now: mark the alerts the broker accepted since the
 * last commit.  0, or -1 when the database failed (they keep waiting). */
int	ingest_idle(struct ingest *);

/*
 * Handle one message from topic.  0 when it is done with: stored and
 * acknowledged, or dead-lettered.  -1 when the database is unavailable and
 * nothing was stored: keep the message and call again later.
 */
int	ingest_report(struct ingest *, const char *topic, const uint8_t *,
	    size_t);

#endif
