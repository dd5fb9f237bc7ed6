/* config.h -- the collector's settings: config file, then flags. */
#ifndef GR_COLLECTOR_CONFIG_H
#define GR_COLLECTOR_CONFIG_H

#include <stddef.h>

#include "conf.h"
#include "mqtt.h"

struct collector_conf {
	struct mqtt_endpoint mq;	/* broker, credentials, TLS */
	char	*client_id;	/* default: collector-{host}-{pid} */
	char	*db;		/* libpq connection string; secrets via PG* env */
	char	*log_level;
	long	 queue_max;	/* received messages held before back-pressure */
	long	 max_inflight;	/* MQTT QoS 1 window */
	long	 sweep_interval;	/* seconds between overdue sweeps; 0: off */
	long	 batch_max;	/* reports stored in one transaction at most */
	long	 store_workers;	/* threads storing reports, a connection each;
				   0: workers_for_machine() */
	long	 metrics_port;	/* Prometheus metrics on 127.0.0.1; 0: off */
	long	 tcp_nodelay;	/* 1: no Nagle delay on the broker socket */
	long	 snapshot_interval;	/* seconds between two snapshots
				   of one unit's cases; 0: no limit */
	long	 clock_offset;	/* seconds the sweeper's clock runs ahead
				   (drills and tests) */
};

extern const struct conf_opt collector_opts[];
extern const size_t collector_nopts;

/* Check values that depend on each other; 0, or -1 with err filled. */
int	collector_conf_check(const struct collector_conf *, char *, size_t);

#endif
