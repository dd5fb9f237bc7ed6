/* deliver.c -- send what the outbox holds and take in the Acks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "deliver.h"
#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "topic.h"
#include "util.h"
#include "validate.h"

#define SESSION_EXPIRY	(7 * 24 * 3600)	/* keep acks a week while offline */
#define BATCH		256		/* reports read from the outbox at once */
#define LINGER_MS	300		/* quiet time that ends a sync */

static void	on_notice(void *, const char *, const void *, size_t);
static void	on_published(void *, const char *, int, int);
static int	take_notices(struct queue *, struct outbox *,
		    struct codec_arena *, int, struct deliver_result *);
static int	take_refusals(struct queue *, struct outbox *,
		    struct deliver_result *);

static void
on_notice(void *arg, const char *topic, const void *payload, size_t len)
{
	queue_push(arg, topic, payload, len);
}

/* On Paho's thread: hand a broker's refusal to the main thread. */
static void
on_published(void *arg, const char *tag, int ok, int reason)
{
	if (!ok)
		queue_push(arg, tag, &reason, sizeof(reason));
}

/* Record the refusals that came in: the report stays queued with the
 * broker's reason, for the worker to see. */
static int
take_refusals(struct queue *q, struct outbox *ob, struct deliver_result *res)
{
	struct qmsg *m;
	int reason, rc = 0;

	while ((m = queue_pop(q, 0)) != NULL) {
		memcpy(&reason, m->payload, sizeof(reason));
		log_warn("event=publish-refused report=%s reason_code=%d",
		    m->topic, reason);
		if (outbox_mark_refused(ob, m->topic, reason, now_ms()) < 0)
			rc = -1;
		res->refused++;
		qmsg_free(m);
	}
	return rc;
}

/* Apply the notices that arrive within wait_ms (0: those already here).
 * Returns how many, or -1 when the outbox failed. */
static int
take_notices(struct queue *q, struct outbox *ob, struct codec_arena *arena,
    int wait_ms, struct deliver_result *res)
{
	int taken = 0;
	struct qmsg *m;
	Gr__Notice *n;
	int rc;

	while ((m = queue_pop(q, wait_ms)) != NULL) {
		n = codec_notice_decode(arena, m->payload, m->len);
		if (n == NULL)
			log_warn("event=notice-unreadable topic=%s", m->topic);
		else if (n->body_case == GR__NOTICE__BODY_UPDATE) {
			if ((rc = outbox_apply_update(ob, n->update,
			    now_ms())) < 0) {
				qmsg_free(m);
				return -1;
			}
			if (rc > 0) {
				res->updates++;
				log_info("event=case-update report=%s case=%s "
				    "state=%d", n->update->report_id,
				    n->update->case_no, (int)n->update->state);
			}
		} else if (n->body_case == GR__NOTICE__BODY_ACK) {
			if ((rc = outbox_apply_ack(ob, n->ack, now_ms())) < 0) {
				qmsg_free(m);
				return -1;
			}
			if (rc > 0) {
				res->acked++;
				log_debug("event=ack report=%s status=%d",
				    n->ack->report_id, (int)n->ack->status);
			} else if (n->ack->report_id == NULL)
				log_warn("event=rejected-unreadable reason=%s "
				    "detail=\"%s\"", n->ack->reason ?
				    n->ack->reason : "-", n->ack->message ?
				    n->ack->message : "-");
		}
		qmsg_free(m);
		wait_ms = 0;
		taken++;
	}
	return taken;
}

int
deliver_sync(struct outbox *ob, const struct agent_conf *c, int wait_ms,
    int linger, struct deliver_result *res)
{
	struct mqtt_opts mo;
	struct mqtt *m;
	struct queue *q, *refused;
	struct codec_arena arena;
	struct outbox_item *items = NULL;
	char acktopic[TOPIC_MAX], reptopic[TOPIC_MAX], client_id[80];
	const char *subs[1];
	int64_t deadline = mono_ms() + wait_ms, after = 0;
	size_t n = 0;
	long left;
	int rc = 0, stop = 0;

	memset(res, 0, sizeof(*res));
	if (topic_make(acktopic, sizeof(acktopic), TOPIC_ACK, c->worker) < 0 ||
	    topic_make(reptopic, sizeof(reptopic), TOPIC_REPORT, c->worker) < 0)
		return -1;
	snprintf(client_id, sizeof(client_id), "fa-%s", c->device);
	subs[0] = acktopic;
	memset(&mo, 0, sizeof(mo));
	mo.uri = c->broker;
	mo.client_id = client_id;
	mo.username = c->username;
	mo.password = c->password;
	mo.cafile = c->cafile;
	mo.certfile = c->certfile;
	mo.keyfile = c->keyfile;
	mo.clean_start = 0;
	mo.session_expiry = SESSION_EXPIRY;
	mo.keepalive = 30;
	mo.max_inflight = 64;
	/* Without it Paho refuses publishes past 100 queued, even online. */
	mo.buffer_offline = 1;
	mo.subs = subs;
	mo.nsubs = 1;

	q = queue_new(1024);
	refused = queue_new(100000);
	codec_arena_init(&arena, REPORT_MAX_BYTES * 4);
	if ((m = mqtt_new(&mo, on_notice, q)) == NULL)
		goto out;
	if (mqtt_connect(m, wait_ms < 10000 ? (wait_ms > 1000 ? wait_ms : 1000)
	    : 10000) < 0) {
		char err[160];

		log_info("event=offline broker=%s error=\"%s\"", c->broker,
		    mqtt_error(m, err, sizeof(err)));
		goto out;
	}
	res->connected = 1;

	/* Acks queued by the broker while we were away come first. */
	if ((rc = take_notices(q, ob, &arena, 0, res)) < 0)
		goto out;
	rc = 0;
	/* Then every undelivered report, oldest first, a page at a time. */
	while (!stop) {
		if ((rc = outbox_pending_after(ob, after, BATCH, &items,
		    &n)) < 0)
			goto out;
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (mqtt_publish(m, reptopic, items[i].payload,
			    items[i].len, 1, on_published, refused,
			    items[i].id) < 0) {
				log_warn("event=publish-failed report=%s",
				    items[i].id);
				stop = 1;
				break;
			}
			if ((rc = outbox_mark_sent(ob, items[i].id,
			    now_ms())) < 0)
				goto out;
			res->sent++;
			after = items[i].seq;
		}
		outbox_items_free(items, n);
		items = NULL;
		n = 0;
		if ((rc = take_notices(q, ob, &arena, 0, res)) < 0 ||
		    (rc = take_refusals(refused, ob, res)) < 0)
			goto out;
		rc = 0;
	}
	/* Wait for the Acks of what was sent and not refused. */
	for (;;) {
		int64_t now = mono_ms();

		if ((rc = take_refusals(refused, ob, res)) < 0)
			goto out;
		if ((left = outbox_count_pending(ob)) < 0) {
			rc = -1;
			goto out;
		}
		if (left <= res->refused || now >= deadline)
			break;
		if ((rc = take_notices(q, ob, &arena,
		    (int)(deadline - now < 500 ? deadline - now : 500),
		    res)) < 0)
			goto out;
		rc = 0;
	}
	/*
	 * Case updates the broker kept while we were away come in a burst
	 * after connecting; MQTT marks no end of it, so linger until the
	 * stream has been quiet a moment (bounded by the wait).
	 */
	while (linger && mono_ms() < deadline) {
		if ((rc = take_notices(q, ob, &arena, LINGER_MS, res)) < 0)
			goto out;
		if (rc == 0)
			break;
	}
	rc = 0;
	mqtt_wait_idle(m, 1000);
out:
	queue_close(q);
	queue_close(refused);
	mqtt_free(m, 1000);
	/* Whatever arrived while disconnecting is recorded too. */
	if (rc == 0 && take_notices(q, ob, &arena, 0, res) < 0)
		rc = -1;
	if (rc == 0)
		rc = take_refusals(refused, ob, res);
	outbox_items_free(items, n);
	codec_arena_free(&arena);
	queue_free(q);
	queue_free(refused);
	if (rc == 0 && (left = outbox_count_pending(ob)) >= 0)
		res->pending = (int)left;
	return rc;
}
