/* config.c -- the field agent's settings through one table. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "topic.h"
#include "util.h"
#include "validate.h"

#define OPT_STR(name, field, def) \
	{ name, CONF_STR, offsetof(struct agent_conf, field), def, 0, 0, 0 }

const struct conf_opt agent_opts[] = {
	OPT_STR("worker", worker, NULL),
	OPT_STR("device", device, NULL),
	OPT_STR("grids", grids, NULL),
	CONF_MQTT_ENDPOINT(struct agent_conf, mq),
	OPT_STR("outbox", outbox, NULL),
	OPT_STR("log_level", log_level, "warn"),
	{ "wait", CONF_INT, offsetof(struct agent_conf, wait), "10", 0, 3600, 0 },
	{ "resend", CONF_INT, offsetof(struct agent_conf, resend), "60", 1,
	    86400, 0 },
	{ "retry_max", CONF_INT, offsetof(struct agent_conf, retry_max), "60",
	    1, 3600, 0 },
	OPT_STR("lang", lang, "zh"),
};
const size_t agent_nopts = sizeof(agent_opts) / sizeof(agent_opts[0]);

void
agent_conf_defaults(struct agent_conf *c)
{
	conf_defaults(agent_opts, agent_nopts, c);
	c->mq.password = NULL;
	c->outbox = home_path(".field-agent-outbox.db");
}

int
agent_conf_check(const struct agent_conf *c, char *err, size_t size)
{
	if (c->worker == NULL || !topic_id_valid(c->worker)) {
		snprintf(err, size, "worker is %s: give --worker or 'worker' in "
		    "the config (3 to 32 of A-Z a-z 0-9 _ -)",
		    c->worker == NULL ? "not set" : "malformed");
		return -1;
	}
	if (c->device == NULL || !validate_device_id(c->device)) {
		snprintf(err, size, "device is %s: give --device or 'device' "
		    "in the config (1 to 64 of A-Z a-z 0-9 _ . : -)",
		    c->device == NULL ? "not set" : "malformed");
		return -1;
	}
	if (log_level_parse(c->log_level) < 0) {
		snprintf(err, size, "log_level must be error, warn, info or "
		    "debug");
		return -1;
	}
	if (mqtt_endpoint_check(&c->mq, err, size) < 0)
		return -1;
	if (strcmp(c->lang, "zh") != 0 && strcmp(c->lang, "en") != 0) {
		snprintf(err, size, "lang must be zh or en");
		return -1;
	}
	if (c->grids != NULL) {
		const char *p = c->grids;

		while (*p != '\0') {
			size_t n = strcspn(p, ",");
			char g[32];

			if (n >= sizeof(g))
				n = sizeof(g) - 1;
			memcpy(g, p, n);
			g[n] = '\0';
			if (!validate_grid_code(g)) {
				snprintf(err, size, "grids: '%s' is not a "
				    "15-digit grid code", g);
				return -1;
			}
			p += strcspn(p, ",");
			p += *p == ',';
		}
	}
	return 0;
}

int
agent_conf_has_grid(const struct agent_conf *c, const char *grid)
{
	const char *p = c->grids;
	size_t len = strlen(grid);

	if (p == NULL)
		return 1;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, grid, n) == 0)
			return 1;
		p += n;
		p += *p == ',';
	}
	return 0;
}

void
agent_conf_free(struct agent_conf *c)
{
	conf_free(agent_opts, agent_nopts, c);
	free(c->mq.password);
	c->mq.password = NULL;
}
