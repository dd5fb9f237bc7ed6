/* config.h -- the dispatcher console's settings: config file, then flags. */
#ifndef GR_CONSOLE_CONFIG_H
#define GR_CONSOLE_CONFIG_H

#include <stddef.h>

#include "conf.h"
#include "mqtt.h"

struct console_conf {
	char	*unit;		/* 9-digit township or 6-digit county code */
	char	*actor;		/* this dispatcher's id, recorded in events */
	char	*cache;		/* path of the SQLite case cache */
	char	*client_id;	/* MQTT session; default dc-{unit}-{actor} */
	struct mqtt_endpoint mq;	/* broker, credentials, TLS */
	char	*log_level;
	long	 wait;		/* seconds to wait for the collector */
};

extern const struct conf_opt console_opts[];
extern const size_t console_nopts;

/* Fill the defaults that depend on the environment (cache path). */
void	console_conf_defaults(struct console_conf *);

/* Check what must hold before connecting; 0, or -1 with err.  Fills
 * client_id when it is not set. */
int	console_conf_check(struct console_conf *, char *, size_t);

void	console_conf_free(struct console_conf *);

#endif
