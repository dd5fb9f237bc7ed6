/* notify.h -- what the collector tells others: Acks to the reporting worker
 * on gr/v1/ack/{worker}, new cases on gr/v1/dispatch/{unit}. */
#ifndef GR_NOTIFY_H
#define GR_NOTIFY_H

#include "gr.pb-c.h"
#include "mqtt.h"
#include "store.h"

/* Publish an Ack.  For STORED and DUPLICATE, c is the case; for REJECTED,
 * reason and message say why (c may be NULL, report_id may be NULL when
 * the payload could not be read).  0 when queued for the broker. */
int	notify_ack(struct mqtt *, const char *worker, const char *report_id,
	    Gr__AckStatus, const struct stored_case *c, const char *reason,
	    const char *message);

/* Publish a newly opened case to its unit's dispatch feed. */
int	notify_dispatch(struct mqtt *, const Gr__Report *, const struct route *,
	    const struct stored_case *);

/* Publish a case as it now stands: kind TOPIC_DISPATCH with a unit, or
 * TOPIC_ACK with the reporting worker. */
int	notify_case(struct mqtt *, const char *kind, const char *id,
	    const struct case_view *);

/* Answer a dispatcher's action on its unit's dispatch feed. */
int	notify_action_result(struct mqtt *, const char *unit,
	    const char *action_id, const char *case_no, int ok,
	    const char *reason, const char *message);

/* Publish an alert to its county's dispatch feed; cb (may be NULL) is told
 * of the broker's answer, with tag. */
int	notify_alert(struct mqtt *, const struct alert_row *, mqtt_pub_fn cb,
	    void *arg, const char *tag);

#endif
