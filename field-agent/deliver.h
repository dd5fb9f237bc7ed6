/* deliver.h -- send what the outbox holds and take in the collector's
 * answers: connect (persistent session), publish every undelivered report
 * in order through a bounded window, record Acks, refusals and case
 * updates.  deliver_sync() does one round (report, sync); deliver_run()
 * stays connected (run). */
#ifndef GR_DELIVER_H
#define GR_DELIVER_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "gr.pb-c.h"
#include "outbox.h"

struct deliver_result {
	int	connected;	/* reached the broker */
	int	watched;	/* another process delivered; we watched */
	int	sent;		/* reports published this run */
	int	refused;	/* refused by the broker (e.g. not authorised) */
	int	acked;		/* Acks recorded this run */
	int	updates;	/* case updates recorded this run */
	int	pending;	/* still waiting for an Ack at the end */
};

enum deliver_event {
	DE_CONNECTED,	/* text: the broker */
	DE_OFFLINE,	/* text: why, and when the next attempt is */
	DE_ACK,		/* notice: an Ack for a report of this outbox */
	DE_UPDATE,	/* notice: a case update for a report of this outbox */
};

/* Told on the calling thread of each event; notice is NULL for the
 * connection events, text NULL for the others. */
typedef void	(*deliver_event_fn)(void *arg, enum deliver_event,
		    const Gr__Notice *notice, const char *text);

/*
 * Deliver, waiting at most wait_ms for the Acks of the reports up to
 * position upto (0: all); with linger, also take in the case updates kept
 * for us until they stop coming.  When another process holds the outbox's
 * delivery lock (a running `run`), watch the outbox instead.  0 when it
 * ran (see the result for what happened), -1 when the outbox failed.
 */
int	deliver_sync(struct outbox *, const struct agent_conf *, int wait_ms,
	    int linger, int64_t upto, struct deliver_result *);

/*
 * Stay connected until *stop is set: deliver what is queued (also what
 * other programs add to the outbox), send again what has no Ack after
 * c->resend seconds, reconnect after a loss with exponential backoff and
 * jitter (1 s doubling up to c->retry_max seconds, each wait drawn between
 * half and all of it), and tell ev of every event.  0 on a clean stop,
 * -1 when the outbox failed.
 */
int	deliver_run(struct outbox *, const struct agent_conf *,
	    volatile sig_atomic_t *stop, deliver_event_fn ev, void *arg,
	    struct deliver_result *);

#endif
