/* config.h -- the field agent's settings: config file, then flags. */
#ifndef GR_AGENT_CONFIG_H
#define GR_AGENT_CONFIG_H

#include <stddef.h>

#include "conf.h"
#include "mqtt.h"

struct agent_conf {
	char	*worker;	/* this grid worker's id */
	char	*device;	/* this handheld's id */
	char	*grids;		/* comma-separated grid codes this worker serves */
	char	*outbox;	/* path of the SQLite outbox */
	struct mqtt_endpoint mq;	/* broker, credentials, TLS */
	char	*log_level;
	long	 wait;		/* seconds to wait for Acks */
	long	 resend;	/* run: seconds before a report without Ack is sent again */
	long	 retry_max;	/* run: longest wait between reconnect attempts */
	char	*lang;		/* prompts: zh or en */
};

extern const struct conf_opt agent_opts[];
extern const size_t agent_nopts;

/* Fill the defaults that depend on the environment (outbox path). */
void	agent_conf_defaults(struct agent_conf *);

/* Check what must hold before anything is sent; 0, or -1 with err. */
int	agent_conf_check(const struct agent_conf *, char *, size_t);

/* 1 when grid is one of the configured grids (or none are configured). */
int	agent_conf_has_grid(const struct agent_conf *, const char *grid);

void	agent_conf_free(struct agent_conf *);

#endif
