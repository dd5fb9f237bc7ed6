/* config.c -- the dispatcher console's settings through one table. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "util.h"
#include "validate.h"

#define OPT_STR(name, field, def) \
	{ name, CONF_STR, offsetof(struct console_conf, field), def, 0, 0, 0 }

const struct conf_opt console_opts[] = {
	OPT_STR("unit", unit, NULL),
	OPT_STR("actor", actor, NULL),
	CONF_MQTT_ENDPOINT(struct console_conf, mq),
	OPT_STR("cache", cache, NULL),
	OPT_STR("client_id", client_id, NULL),
	OPT_STR("log_level", log_level, "warn"),
	{ "wait", CONF_INT, offsetof(struct console_conf, wait), "10", 0, 3600,
	  0 },
};
const size_t console_nopts = sizeof(console_opts) / sizeof(console_opts[0]);

void
console_conf_defaults(struct console_conf *c)
{
	conf_defaults(console_opts, console_nopts, c);
	c->mq.password = NULL;
	c->cache = home_path(".dispatch-console.db");
}

int
console_conf_check(struct console_conf *c, char *err, size_t size)
{
	char id[96];

	if (c->unit == NULL || !validate_unit_code(c->unit)) {
		snprintf(err, size, "unit is %s: give --unit or 'unit' in the "
		    "config (a 9-digit township or 6-digit county code)",
		    c->unit == NULL ? "not set" : "malformed");
		return -1;
	}
	if (c->actor == NULL || !token_valid(c->actor, "_.:-", 1, 64)) {
		snprintf(err, size, "actor is %s: give --actor or 'actor' in "
		    "the config (1 to 64 of A-Z a-z 0-9 _ . : -)",
		    c->actor == NULL ? "not set" : "malformed");
		return -1;
	}
	if (log_level_parse(c->log_level) < 0) {
		snprintf(err, size, "log_level must be error, warn, info or "
		    "debug");
		return -1;
	}
	if (mqtt_endpoint_check(&c->mq, err, size) < 0)
		return -1;
	if (c->client_id == NULL) {
		snprintf(id, sizeof(id), "dc-%s-%s", c->unit, c->actor);
		c->client_id = xstrdup(id);
	}
	return 0;
}

void
console_conf_free(struct console_conf *c)
{
	conf_free(console_opts, console_nopts, c);
	free(c->mq.password);
	c->mq.password = NULL;
}
