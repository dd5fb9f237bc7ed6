/* ingest.h -- one received report from payload to committed case and Ack:
 * decode, validate, store (or dead-letter), then answer. */
#ifndef GR_INGEST_H
#define GR_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "mqtt.h"
#include "store.h"

struct ingest_stats {
	unsigned long	received;
	unsigned long	stored;
	unsigned long	duplicates;
	unsigned long	rejected;
	unsigned long	failed;		/* database failures, not acknowledged */
};

struct ingest {
	struct store		*store;
	struct mqtt		*mqtt;
	struct ruleset		 rules;	/* owned; see ingest_reload_rules() */
	struct codec_arena	 arena;
	struct ingest_stats	 stats;
};

void	ingest_init(struct ingest *, struct store *, struct mqtt *);
void	ingest_cleanup(struct ingest *);

/* Load the routing rules again; why is "startup", "sighup" or "notify".
 * On failure the rules in force stay.  0 or -1. */
int	ingest_reload_rules(struct ingest *, const char *why);

/*
 * Handle one message from topic.  0 when it is done with: stored and
 * acknowledged, or dead-lettered.  -1 when the database is unavailable and
 * nothing was stored: keep the message and call again later.
 */
int	ingest_report(struct ingest *, const char *topic, const uint8_t *,
	    size_t);

#endif
