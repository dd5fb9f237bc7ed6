/* deliver.h -- send what the outbox holds and take in the collector's
 * answers: connect (persistent session), publish every undelivered report
 * in order, wait for their Acks, record them. */
#ifndef GR_DELIVER_H
#define GR_DELIVER_H

#include "config.h"
#include "outbox.h"

struct deliver_result {
	int	connected;	/* reached the broker */
	int	sent;		/* reports published this run */
	int	refused;	/* refused by the broker (e.g. not authorised) */
	int	acked;		/* Acks recorded this run */
	int	updates;	/* case updates recorded this run */
	int	pending;	/* still waiting for an Ack at the end */
};

/* Deliver, waiting at most wait_ms for the Acks; with linger, also take in
 * the case updates kept for us until they stop coming.  0 when it ran (see
 * the result for what happened), -1 when the outbox failed. */
int	deliver_sync(struct outbox *, const struct agent_conf *, int wait_ms,
	    int linger, struct deliver_result *);

#endif
