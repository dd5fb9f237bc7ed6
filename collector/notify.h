/* notify.h -- what the collector tells others: Acks and case updates to the
 * reporting worker on gr/v1/ack/{worker}; new cases, case updates, action
 * results and alerts on gr/v1/dispatch/{unit}. */
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

/* Entries of one Notice.list at most (see proto/gr.proto): well under
 * the broker's max_packet_size even with every string at its limit. */
#define NOTICE_LIST_MAX		32

/*
 * The cases a batch opened, kept until its commit is answered and then
 * sent to their units' dispatch feeds together: one message per unit and
 * NOTICE_LIST_MAX cases, instead of one per case, which costs the
 * collector and the broker a publish and its PUBACK each.
 */
#define NOTIFY_DISPATCH_MAX	(3 * NOTICE_LIST_MAX)	/* sent when full */
struct dispatch_list {
	size_t			 n;
	char			 to[NOTIFY_DISPATCH_MAX][64];	/* units */
	struct case_view	 v[NOTIFY_DISPATCH_MAX];
};

/* Add a newly opened case to l (a full l is sent first). */
void	notify_dispatch(struct mqtt *, struct dispatch_list *l,
	    const Gr__Report *, const struct route *,
	    const struct stored_case *);

/* Add a case as it now stands to l, for unit's feed.  A full l is sent
 * first: the number of its cases that could not be queued then. */
int	notify_view_add(struct mqtt *, struct dispatch_list *l,
	    const char *unit, const struct case_view *v);

/* Send the cases of l, in their order, to their units' feeds and empty
 * l: a unit's single case as a plain update, more as Notice.list.  The
 * number of cases whose message could not be queued (each logged). */
int	notify_dispatch_flush(struct mqtt *, struct dispatch_list *l);

/* Publish a case as it now stands: kind TOPIC_DISPATCH with a unit, or
 * TOPIC_ACK with the reporting worker. */
int	notify_case(struct mqtt *, const char *kind, const char *id,
	    const struct case_view *);

/* Answer a dispatcher's action on its unit's dispatch feed. */
int	notify_action_result(struct mqtt *, const char *unit,
	    const char *action_id, const char *case_no, int ok,
	    const char *reason, const char *message);

/*
 * Publish the alerts a[0 .. n), in order of id, to their counties' feeds:
 * each run of consecutive ids of one county (NOTICE_LIST_MAX at most) in
 * one message, an alert alone as a plain alert.  cb is told of each
 * message's answer with the tag "FIRST:COUNT", the run's first id and
 * length.  The number of alerts whose message could not be queued.
 */
int	notify_alerts(struct mqtt *, const struct alert_row *a, int n,
	    mqtt_pub_fn cb, void *arg);

#endif
