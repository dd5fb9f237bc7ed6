/* config.c -- the collector's settings: one table of names, defaults and
 * bounds for both the config file and the flags. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"

#define OPT_STR(name, field, def, flags) \
	{ name, CONF_STR, offsetof(struct collector_conf, field), def, 0, 0, \
	  flags }
#define OPT_INT(name, field, def, min, max, flags) \
	{ name, CONF_INT, offsetof(struct collector_conf, field), def, min, \
	  max, flags }

/* CONF_LIVE: SIGHUP applies it at once (main.c, do_reload()); any other
 * setting takes effect at the next start. */
const struct conf_opt collector_opts[] = {
	CONF_MQTT_ENDPOINT(struct collector_conf, mq),
	OPT_STR("client_id", client_id, NULL, 0),
	OPT_STR("db", db, "dbname=gridreport", 0),
	OPT_STR("log_level", log_level, "info", CONF_LIVE),
	OPT_INT("queue_max", queue_max, "1000", 1, 1000000, 0),
	OPT_INT("max_inflight", max_inflight, "1000", 1, 65535, 0),
	OPT_INT("sweep_interval", sweep_interval, "60", 0, 86400, CONF_LIVE),
	OPT_INT("batch_max", batch_max, "64", 1, 100, CONF_LIVE),
	OPT_INT("store_workers", store_workers, "0", 0, 8, 0),
	OPT_INT("metrics_port", metrics_port, "0", 0, 65535, 0),
	OPT_INT("tcp_nodelay", tcp_nodelay, "1", 0, 1, 0),
	OPT_INT("snapshot_interval", snapshot_interval, "30", 0, 86400,
	    CONF_LIVE),
	OPT_INT("clock_offset", clock_offset, "0", 0, 366L * 86400, CONF_LIVE),
};
const size_t collector_nopts = sizeof(collector_opts) /
    sizeof(collector_opts[0]);

int
collector_conf_check(const struct collector_conf *c, char *err, size_t size)
{
	if (log_level_parse(c->log_level) < 0) {
		snprintf(err, size, "log_level must be error, warn, info or "
		    "debug");
		return -1;
	}
	return mqtt_endpoint_check(&c->mq, err, size);
}
