/* topic.h -- the MQTT topic names of DESIGN.md section 4. */
#ifndef GR_TOPIC_H
#define GR_TOPIC_H

#include <stddef.h>

#define TOPIC_REPORT	"report"	/* gr/v1/report/{worker} */
#define TOPIC_ACK	"ack"		/* gr/v1/ack/{worker} */
#define TOPIC_DISPATCH	"dispatch"	/* gr/v1/dispatch/{unit} */
#define TOPIC_ACTION	"action"	/* gr/v1/action/{unit} */

/* The shared subscription collectors use for reports. */
#define TOPIC_REPORT_SHARED	"$share/collectors/gr/v1/report/+"
/* ... and for dispatchers' actions. */
#define TOPIC_ACTION_SHARED	"$share/collectors/gr/v1/action/+"

#define TOPIC_MAX	128

/* Write "gr/v1/{kind}/{id}" into buf; 0, or -1 when it does not fit or
 * id is not a safe topic level. */
int	topic_make(char *buf, size_t size, const char *kind, const char *id);

/* When topic is "gr/v1/{kind}/{id}" with a safe id, copy id and return 0;
 * otherwise -1. */
int	topic_parse(const char *topic, const char *kind, char *id, size_t idsize);

/* 1 when s is a worker id: 3 to 32 of [A-Za-z0-9_-]; a safe topic level. */
int	topic_id_valid(const char *s);

#endif
