/* deliver.c -- send what the outbox holds and take in the Acks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "deliver.h"
#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "topic.h"
#include "util.h"
#include "validate.h"

#define SESSION_EXPIRY	(7 * 24 * 3600)	/* keep acks a week while offline */
#define WINDOW		64		/* reports in flight at most */
#define LINGER_MS	300		/* quiet time that ends a sync */
#define WATCH_MS	100		/* polling while another delivers */
#define TICK_MS		500		/* run: look for new reports this often */

/* One connection's worth of delivery state. */
struct deliver {
	struct outbox		*ob;
	const struct agent_conf	*c;
	struct deliver_result	*res;
	struct mqtt		*m;
	struct queue		*q;		/* notices from the broker */
	struct queue		*refused;	/* the broker's refusals */
	struct codec_arena	 arena;
	deliver_event_fn	 ev;
	void			*evarg;
	int64_t			 cursor;	/* last position sent this pass */
	int64_t			 sent_before;	/* this pass: due if sent before */
	int			 pass_done;
	char			 acktopic[TOPIC_MAX];
	char			 reptopic[TOPIC_MAX];
	char			 client_id[112];	/* fa-WORKER-DEVICE */
	const char		*subs[1];
};

static int	take_notices(struct deliver *, int);
static int	take_refusals(struct deliver *);
static int	session_open(struct deliver *, int);
static int	session_close(struct deliver *);
static void	pass_start(struct deliver *, int64_t);
static int	pump(struct deliver *);
static void	sleep_ms(int);


static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Record the refusals that came in: the report stays queued with the
 * broker's reason, for the worker to see. */
static int
take_refusals(struct deliver *d)
{
	struct qmsg *m;
	int reason, rc = 0;

	while ((m = queue_pop(d->refused, 0)) != NULL) {
		memcpy(&reason, m->payload, sizeof(reason));
		log_warn("event=publish-refused report=%s reason_code=%d",
		    m->topic, reason);
		if (outbox_mark_refused(d->ob, m->topic, reason, now_ms()) < 0)
			rc = -1;
		d->res->refused++;
		qmsg_free(m);
	}
	return rc;
}

/* Apply the notices that arrive within wait_ms (0: those already here).
 * Returns how many, or -1 when the outbox failed. */
static int
take_notices(struct deliver *d, int wait_ms)
{
	int taken = 0;
	struct qmsg *m;
	Gr__Notice *n;
	int rc;

	/* What has come in is recorded in one transaction: one fsync, not
	 * one per Ack.  An Ack lost to a crash before the commit only means
	 * the report is sent again ("duplicate").  The transaction first: an
	 * outbox another program holds leaves the notices queued. */
	if (!queue_wait(d->q, wait_ms))
		return 0;
	if (outbox_begin(d->ob) < 0)
		return -1;
	while ((m = queue_pop(d->q, 0)) != NULL) {
		n = codec_notice_decode(&d->arena, m->payload, m->len);
		rc = 0;
		if (n == NULL)
			log_warn("event=notice-unreadable topic=%s", m->topic);
		else if (n->body_case == GR__NOTICE__BODY_UPDATE) {
			if ((rc = outbox_apply_update(d->ob, n->update,
			    now_ms())) > 0) {
				d->res->updates++;
				log_info("event=case-update report=%s case=%s "
				    "state=%d", n->update->report_id,
				    n->update->case_no != NULL ?
				    n->update->case_no : "-",
				    (int)n->update->state);
				if (d->ev != NULL)
					d->ev(d->evarg, DE_UPDATE, n, NULL);
			}
		} else if (n->body_case == GR__NOTICE__BODY_ACK) {
			if ((rc = outbox_apply_ack(d->ob, n->ack,
			    now_ms())) > 0) {
				d->res->acked++;
				log_debug("event=ack report=%s status=%d",
				    n->ack->report_id, (int)n->ack->status);
				if (d->ev != NULL)
					d->ev(d->evarg, DE_ACK, n, NULL);
			} else if (rc == 0 && n->ack->report_id == NULL)
				log_warn("event=rejected-unreadable reason=%s "
				    "detail=\"%s\"", n->ack->reason ?
				    n->ack->reason : "-", n->ack->message ?
				    n->ack->message : "-");
		}
		qmsg_free(m);
		if (rc < 0) {
			outbox_rollback(d->ob);
			return -1;
		}
		taken++;
	}
	if (outbox_commit(d->ob) < 0) {
		outbox_rollback(d->ob);
		return -1;
	}
	return taken;
}

/* Connect a new client with our persistent session; 0 connected, -1 not
 * (the client is gone again). */
static int
session_open(struct deliver *d, int timeout_ms)
{
	const struct agent_conf *c = d->c;
	struct mqtt_opts mo;

	memset(&mo, 0, sizeof(mo));
	mqtt_opts_endpoint(&mo, &c->mq);
	mo.client_id = d->client_id;
	mo.clean_start = 0;
	mo.session_expiry = SESSION_EXPIRY;
	mo.keepalive = 30;
	mo.max_inflight = WINDOW;
	mo.buffer_offline = 1;
	mo.subs = d->subs;
	mo.nsubs = 1;
	/* Never full: see common/queue.h. */
	d->q = queue_new(QUEUE_UNBOUNDED);
	d->refused = queue_new(QUEUE_UNBOUNDED);
	if ((d->m = mqtt_new(&mo, mqtt_to_queue, d->q)) != NULL &&
	    mqtt_connect(d->m, timeout_ms) == 0)
		return 0;
	if (d->m != NULL) {
		char err[160];

		log_info("event=offline broker=%s error=\"%s\"", c->mq.broker,
		    mqtt_error(d->m, err, sizeof(err)));
		if (d->ev != NULL)
			d->ev(d->evarg, DE_OFFLINE, NULL, err);
	}
	(void)session_close(d);
	return -1;
}

/* Disconnect and free the client; what arrived until then, acknowledged
 * to the broker already, is recorded.  0, or -1 when the outbox failed. */
static int
session_close(struct deliver *d)
{
	int rc = 0;

	if (d->q == NULL)
		return 0;
	mqtt_free(d->m, 1000);
	d->m = NULL;
	if (take_notices(d, 0) < 0 || take_refusals(d) < 0)
		rc = -1;
	queue_free(d->q);
	queue_free(d->refused);
	d->q = d->refused = NULL;
	return rc;
}

/* Start a pass over the outbox: every report never sent, or last sent
 * before sent_before (ms), is due, oldest first. */
static void
pass_start(struct deliver *d, int64_t sent_before)
{
	d->cursor = 0;
	d->sent_before = sent_before;
	d->pass_done = 0;
}

/* Publish due reports while the window has room.  1 when the pass is
 * done (or publishing failed: the connection went), 0 when more is due,
 * -1 when the outbox failed. */
static int
pump(struct deliver *d)
{
	struct outbox_item *items;
	size_t n, room;
	long inflight;

	while (!d->pass_done) {
		if ((inflight = mqtt_inflight(d->m)) >= WINDOW)
			return 0;
		room = (size_t)(WINDOW - inflight);
		if (outbox_due_after(d->ob, d->cursor, d->sent_before, room,
		    &items, &n) < 0)
			return -1;
		if (n == 0)
			d->pass_done = 1;
		/* One fsync a window.  A mark lost to a crash changes nothing:
		 * whatever has no Ack is sent again. */
		if (n > 0 && outbox_begin(d->ob) < 0) {
			outbox_items_free(items, n);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (mqtt_publish(d->m, d->reptopic, items[i].payload,
			    items[i].len, 1, mqtt_refusal_to_queue, d->refused,
			    items[i].id) < 0) {
				log_warn("event=publish-failed report=%s",
				    items[i].id);
				d->pass_done = 1;
				break;
			}
			if (outbox_mark_sent(d->ob, items[i].id,
			    now_ms()) < 0) {
				outbox_rollback(d->ob);
				outbox_items_free(items, n);
				return -1;
			}
			d->res->sent++;
			d->cursor = items[i].seq;
		}
		outbox_items_free(items, n);
		if (n > 0 && outbox_commit(d->ob) < 0) {
			outbox_rollback(d->ob);
			return -1;
		}
		if (take_refusals(d) < 0)
			return -1;
	}
	return 1;
}

static void
deliver_init(struct deliver *d, struct outbox *ob, const struct agent_conf *c,
    struct deliver_result *res)
{
	memset(d, 0, sizeof(*d));
	d->ob = ob;
	d->c = c;
	d->res = res;
	topic_make(d->acktopic, sizeof(d->acktopic), TOPIC_ACK, c->worker);
	topic_make(d->reptopic, sizeof(d->reptopic), TOPIC_REPORT, c->worker);
	/* One session per worker and device: workers sharing a handheld
	 * keep their own Acks and case updates. */
	snprintf(d->client_id, sizeof(d->client_id), "fa-%s-%s", c->worker,
	    c->device);
	d->subs[0] = d->acktopic;
	codec_arena_init(&d->arena, REPORT_MAX_BYTES * 4);
}

/* One round while holding the delivery lock. */
static int
sync_locked(struct deliver *d, int64_t deadline, int linger, int64_t upto)
{
	int64_t now;
	long left;
	int rc, wait_ms = (int)(deadline - mono_ms());

	if (session_open(d, wait_ms < 10000 ? (wait_ms > 1000 ? wait_ms :
	    1000) : 10000) < 0)
		return 0;
	d->res->connected = 1;
	/* Acks queued by the broker while we were away come first. */
	if (take_notices(d, 0) < 0)
		goto fail;
	pass_start(d, INT64_MAX);
	for (;;) {
		if ((rc = pump(d)) < 0 || take_refusals(d) < 0)
			goto fail;
		if ((left = outbox_count_pending_upto(d->ob, upto)) < 0)
			goto fail;
		now = mono_ms();
		if (rc == 1 && (left <= d->res->refused ||
		    !mqtt_is_connected(d->m)))
			break;
		if (now >= deadline)
			break;
		if (take_notices(d, (int)(deadline - now < 100 ?
		    deadline - now : 100)) < 0)
			goto fail;
	}
	/*
	 * Case updates the broker kept while we were away come in a burst
	 * after connecting; MQTT marks no end of it, so linger until the
	 * stream has been quiet a moment (bounded by the wait).
	 */
	while (linger && mono_ms() < deadline) {
		if ((rc = take_notices(d, LINGER_MS)) < 0)
			goto fail;
		if (rc == 0)
			break;
	}
	mqtt_wait_idle(d->m, 1000);
	return session_close(d);
fail:
	(void)session_close(d);
	return -1;
}

int
deliver_sync(struct outbox *ob, const struct agent_conf *c, int wait_ms,
    int linger, int64_t upto, struct deliver_result *res)
{
	struct deliver d;
	int64_t deadline = mono_ms() + wait_ms;
	long left;
	int rc;

	memset(res, 0, sizeof(*res));
	deliver_init(&d, ob, c, res);
	for (;;) {
		if ((rc = outbox_lock(ob)) < 0) {
			log_error("event=outbox-lock error=\"%s\"",
			    outbox_error(ob));
			break;
		}
		if (rc == 1) {
			rc = sync_locked(&d, deadline, linger, upto);
			outbox_unlock(ob);
			break;
		}
		/* A running agent delivers for this outbox: watch it. */
		res->watched = 1;
		if ((left = outbox_count_pending_upto(ob, upto)) < 0) {
			rc = -1;
			break;
		}
		if (left == 0 || mono_ms() >= deadline) {
			rc = 0;
			break;
		}
		sleep_ms(WATCH_MS);
	}
	codec_arena_free(&d.arena);
	if (rc == 0 && (left = outbox_count_pending(ob)) >= 0)
		res->pending = (int)left;
	return rc;
}

/* run: wait ms before the next attempt, or until *stop. */
static void
reconnect_wait(struct deliver *d, int64_t wait, volatile sig_atomic_t *stop)
{
	char text[96];

	snprintf(text, sizeof(text), "next attempt in %.1f s",
	    (double)wait / 1000);
	log_info("event=reconnect-wait ms=%lld", (long long)wait);
	if (d->ev != NULL)
		d->ev(d->evarg, DE_OFFLINE, NULL, text);
	for (int64_t end = mono_ms() + wait; !*stop && mono_ms() < end; )
		sleep_ms(100);
}

int
deliver_run(struct outbox *ob, const struct agent_conf *c,
    volatile sig_atomic_t *stop, deliver_event_fn ev, void *arg,
    struct deliver_result *res)
{
	struct deliver d;
	struct backoff bo = { 0, 0 };
	int64_t next_pass, wait;
	int rc = 0, locked;

	memset(res, 0, sizeof(*res));
	deliver_init(&d, ob, c, res);
	d.ev = ev;
	d.evarg = arg;
	/* One deliverer per worker of an outbox: wait for a report or sync
	 * of his to finish. */
	while ((locked = outbox_lock(ob)) == 0 && !*stop)
		sleep_ms(WATCH_MS);
	if (locked < 0) {
		log_error("event=outbox-lock error=\"%s\"", outbox_error(ob));
		rc = -1;
	}
	while (rc == 0 && !*stop) {
		if (session_open(&d, 10000) < 0) {
			reconnect_wait(&d, backoff_next(&bo, c->retry_max),
			    stop);
			continue;
		}
		backoff_up(&bo);
		res->connected = 1;
		if (ev != NULL)
			ev(arg, DE_CONNECTED, NULL, c->mq.broker);
		/* What the broker kept first; then everything not yet
		 * acknowledged, in order: what was in flight when the
		 * connection went may be lost.  (A busy outbox: in the
		 * loop below.) */
		if (take_notices(&d, 0) < 0 && !outbox_busy(ob))
			goto fail;
		pass_start(&d, INT64_MAX);
		next_pass = mono_ms() + TICK_MS;
		while (!*stop && mqtt_is_connected(d.m)) {
			if ((rc = pump(&d)) < 0 || take_notices(&d, 100) < 0) {
				if (!outbox_busy(ob))
					goto fail;
				/* Another program holds the outbox (a long
				 * import, a backup): what is queued waits. */
				log_warn("event=outbox-busy note=\"held by "
				    "another program; trying again\"");
				outbox_rollback(ob);
				sleep_ms(TICK_MS);
				rc = 0;
				continue;
			}
			if (rc == 1 && mono_ms() >= next_pass) {
				/* New reports, and those unanswered too long. */
				pass_start(&d, now_ms() - c->resend * 1000);
				next_pass = mono_ms() + TICK_MS;
			}
			rc = 0;
		}
		if (!*stop && ev != NULL)
			ev(arg, DE_OFFLINE, NULL, "connection lost");
		if (!*stop)
			log_warn("event=connection-lost broker=%s", c->mq.broker);
		else
			mqtt_wait_idle(d.m, 1000);
		if (session_close(&d) < 0)
			rc = -1;
		/* at once after a connection that lasted; one that ended at
		 * once (a configuration copied to a second handheld, whose run
		 * took the session over) waits as a failed attempt would */
		if (rc == 0 && !*stop &&
		    (wait = backoff_next(&bo, c->retry_max)) > 0)
			reconnect_wait(&d, wait, stop);
	}
	goto out;
fail:
	(void)session_close(&d);
	rc = -1;
out:
	outbox_unlock(ob);
	codec_arena_free(&d.arena);
	if ((res->pending = (int)outbox_count_pending(ob)) < 0)
		res->pending = 0;
	return rc;
}
