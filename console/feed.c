/* feed.c -- the dispatcher console's MQTT session over common/mqtt. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "feed.h"
#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "topic.h"
#include "util.h"
#include "validate.h"

#define SESSION_EXPIRY	(30 * 24 * 3600)	/* keep the feed a month */

struct feed {
	struct mqtt		*m;
	struct mqtt_opts	 mo;	/* to connect again (feed_reconnect()) */
	struct queue		*q;	/* notices, from Paho's thread */
	struct queue		*refused; /* actions the broker refused */
	struct cache		*cache;
	struct codec_arena	 arena;
	char			 feed_topic[TOPIC_MAX];
	char			 action_topic[TOPIC_MAX];
	const char		*subs[1];
	/* the actions published on this connection (feed_send_pending()) */
	char		       (*sent)[32];
	size_t			 nsent, capsent;
	int			 answered; /* an answer came since a send */
};

static int	send_next(struct feed *);

struct feed *
feed_open(const struct console_conf *c, struct cache *cache, int timeout_ms,
    int reconnect, char *err, size_t errsize)
{
	struct feed *f = xcalloc(1, sizeof(*f));
	struct mqtt_opts *mo = &f->mo;

	if (topic_make(f->feed_topic, sizeof(f->feed_topic), TOPIC_DISPATCH,
	    c->unit) < 0 || topic_make(f->action_topic,
	    sizeof(f->action_topic), TOPIC_ACTION, c->unit) < 0) {
		snprintf(err, errsize, "unit %s makes no topic", c->unit);
		free(f);
		return NULL;
	}
	f->cache = cache;
	f->subs[0] = f->feed_topic;
	/* Never full: see common/queue.h. */
	f->q = queue_new(QUEUE_UNBOUNDED);
	f->refused = queue_new(QUEUE_UNBOUNDED);
	codec_arena_init(&f->arena, REPORT_MAX_BYTES * 4);
	mqtt_opts_endpoint(mo, &c->mq);
	mo->client_id = c->client_id;
	mo->clean_start = 0;
	mo->session_expiry = SESSION_EXPIRY;
	mo->keepalive = 30;
	mo->max_inflight = 16;
	mo->auto_reconnect = reconnect;
	mo->buffer_offline = 1;
	mo->subs = f->subs;
	mo->nsubs = 1;
	if ((f->m = mqtt_new(mo, mqtt_to_queue, f->q)) == NULL) {
		snprintf(err, errsize, "bad broker URI %s", c->mq.broker);
		goto fail;
	}
	if (mqtt_connect(f->m, timeout_ms) < 0 ||
	    mqtt_subscription_refused(f->m)) {
		mqtt_error(f->m, err, errsize);
		goto fail;
	}
	return f;
fail:
	feed_close(f);
	return NULL;
}

int
feed_connected(struct feed *f)
{
	return mqtt_is_connected(f->m);
}

int
feed_session_new(struct feed *f)
{
	return mqtt_session_present(f->m) == 0;
}

int
feed_reconnect(struct feed *f, int timeout_ms)
{
	struct mqtt *m;

	if ((m = mqtt_new(&f->mo, mqtt_to_queue, f->q)) == NULL)
		return -1;
	if (mqtt_connect(m, timeout_ms) < 0 || mqtt_subscription_refused(m)) {
		mqtt_free(m, 0);
		return -1;
	}
	/* what the old connection took in is in f->q already */
	mqtt_free(f->m, 0);
	f->m = m;
	/* What the old connection was still sending may not have reached
	 * the broker: all that is unanswered goes again (an action is
	 * applied once, whatever the copies). */
	f->nsent = 0;
	if (feed_send_pending(f) < 0)
		log_error("event=cache-failed error=\"%s\"",
		    cache_error(f->cache));
	return 0;
}

void
feed_close(struct feed *f)
{
	if (f == NULL)
		return;
	if (f->m != NULL) {
		mqtt_wait_idle(f->m, 2000);
		mqtt_free(f->m, 2000);
		f->m = NULL;	/* the answers below send nothing more */
	}
	/* The broker holds no copy of what came in until the disconnect:
	 * the cache keeps it. */
	(void)feed_take(f, 0, INT_MAX, NULL, NULL);
	queue_free(f->q);
	queue_free(f->refused);
	codec_arena_free(&f->arena);
	free(f->sent);
	free(f);
}

/* The broker refused an action (not authorised for this unit's action
 * topic, say): record it as the answer, since no other will come. */
static int
take_refusals(struct feed *f)
{
	Gr__Notice n = GR__NOTICE__INIT;
	Gr__ActionResult r = GR__ACTION_RESULT__INIT;
	char msg[128];
	struct qmsg *m;
	int code, rc = 0;

	while ((m = queue_pop(f->refused, 0)) != NULL) {
		memcpy(&code, m->payload, sizeof(code));
		log_warn("event=action-refused-by-broker action=%s "
		    "reason_code=%d", m->topic, code);
		snprintf(msg, sizeof(msg), "the broker refused the action "
		    "(MQTT reason code %d)", code);
		r.action_id = m->topic;
		r.has_ok = 1;
		r.ok = 0;
		r.reason = "broker_refused";
		r.message = msg;
		n.body_case = GR__NOTICE__BODY_RESULT;
		n.result = &r;
		if (cache_apply(f->cache, &n) < 0)
			rc = -1;
		f->answered = 1;
		qmsg_free(m);
	}
	return rc;
}

/* fn, for each notice a list carries (codec_notice_each()). */
struct tell {
	notice_fn	 fn;
	void		*arg;
};

static int
tell_one(void *arg, const Gr__Notice *n)
{
	struct tell *t = arg;

	t->fn(t->arg, n);
	return 0;
}

/* Apply one message; 1 news, 0 not, -1 cache failure. */
static int
take_one(struct feed *f, struct qmsg *m, notice_fn fn, void *arg)
{
	struct tell t = { fn, arg };
	Gr__Notice *n = codec_notice_decode(&f->arena, m->payload, m->len);
	int rc;

	if (n == NULL) {
		log_warn("event=notice-unreadable topic=%s bytes=%zu", m->topic,
		    m->len);
		return 0;
	}
	if (n->body_case == GR__NOTICE__BODY__NOT_SET) {
		/* a kind of notice this console does not know: say so */
		log_warn("event=notice-unknown topic=%s bytes=%zu note=\"from a "
		    "newer collector? upgrade the console\"", m->topic, m->len);
		return 0;
	}
	if ((rc = cache_apply(f->cache, n)) < 0) {
		log_error("event=cache-failed error=\"%s\"",
		    cache_error(f->cache));
		return -1;
	}
	if (n->body_case == GR__NOTICE__BODY_RESULT)
		f->answered = 1;
	if (fn != NULL)
		(void)codec_notice_each(n, tell_one, &t);
	return rc;
}

int
feed_take(struct feed *f, int quiet_ms, int max_ms, notice_fn fn, void *arg)
{
	int64_t end = mono_ms() + max_ms;
	struct qmsg *m;
	int news = 0, rc;

	while ((m = queue_pop(f->q, quiet_ms)) != NULL) {
		rc = take_one(f, m, fn, arg);
		qmsg_free(m);
		if (rc < 0 || send_next(f) < 0)
			return -1;
		news += rc;
		if (mono_ms() >= end)
			break;
	}
	if (take_refusals(f) < 0 || send_next(f) < 0)
		return -1;
	return news;
}

int
feed_await(struct feed *f, const char *id, int wait_ms)
{
	int64_t deadline = mono_ms() + wait_ms;
	struct action_row a;
	struct qmsg *m;
	int rc;

	for (;;) {
		if (take_refusals(f) < 0 || send_next(f) < 0)
			return -1;
		if ((rc = cache_action(f->cache, id, &a)) < 0)
			return -1;
		if (rc == 0 && a.answered)
			return 1;
		if (mono_ms() >= deadline)
			return 0;
		m = queue_pop(f->q, (int)(deadline - mono_ms() > 200 ? 200 :
		    deadline - mono_ms()));
		if (m == NULL)
			continue;
		rc = take_one(f, m, NULL, NULL);
		qmsg_free(m);
		if (rc < 0)
			return -1;
	}
}

/*
 * 1 when an earlier unanswered action of v is on the same case as v[i].
 * Collectors share the action topic, and each judges what it takes: a
 * second action on a case sent with the first (an accept and an assign
 * kept offline) could be judged before it, and be refused for good.
 */
static int
behind(const struct action_row *v, size_t i)
{
	if (v[i].case_no[0] == '\0')	/* the unit's: a snapshot */
		return 0;
	for (size_t j = 0; j < i; j++)
		if (strcmp(v[j].case_no, v[i].case_no) == 0)
			return 1;
	return 0;
}

int
feed_sent(const struct feed *f, const char *id)
{
	for (size_t i = 0; i < f->nsent; i++)
		if (strcmp(f->sent[i], id) == 0)
			return 1;
	return 0;
}

int
feed_send_pending(struct feed *f)
{
	struct action_row *v;
	size_t n;
	int sent = 0;

	f->answered = 0;
	if (f->m == NULL)	/* closing: the next command sends them */
		return 0;
	if (cache_actions_pending(f->cache, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (behind(v, i) || feed_sent(f, v[i].id))
			continue;
		if (mqtt_publish(f->m, f->action_topic, v[i].payload, v[i].len,
		    1, mqtt_refusal_to_queue, f->refused, v[i].id) < 0) {
			log_warn("event=publish-failed action=%s", v[i].id);
			break;
		}
		log_debug("event=action-sent action=%s case=%s kind=%d",
		    v[i].id, v[i].case_no, v[i].kind);
		if (f->nsent == f->capsent) {
			f->capsent = f->capsent ? f->capsent * 2 : 16;
			f->sent = xrealloc(f->sent, f->capsent *
			    sizeof(*f->sent));
		}
		strlcpy_gr(f->sent[f->nsent++], v[i].id, sizeof(f->sent[0]));
		sent++;
	}
	cache_actions_free(v, n);
	return sent;
}

/* After an answer: what waited behind the action answered. */
static int
send_next(struct feed *f)
{
	return f->answered ? feed_send_pending(f) : 0;
}
