/* ingest.c -- one received report from payload to committed case and Ack. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "route.h"
#include "topic.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

_Static_assert(INGEST_WORKERS_MAX <= METRICS_HOLDERS,
    "each store worker's holdings have a gauge slot");

/* protobuf-c can need far more memory than the payload; bound it. */
#define ARENA_BYTES	(REPORT_MAX_BYTES * 80)

/* Before the first load: every report goes to its township. */
static const struct ruleset no_rules = { NULL, 0 };

static int	reject(struct ingest *, const char *, const char *,
		    const char *, const struct verr *, const uint8_t *, size_t);
static void	hand_marks(struct ingest *);
static void	answer_pending(struct ingest *);
static void	land(struct ingest *, const unsigned char *);
static void	send_new_alerts(struct ingest *);

void
ingest_shared_init(struct ingest_shared *sh, size_t batch_max)
{
	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->take, NULL);
	pthread_mutex_init(&sh->lock, NULL);
	cond_init(&sh->landed);
	atomic_init(&sh->reload_wanted, 0);
	atomic_init(&sh->batch_max, 1);
	ingest_set_batch_max(sh, batch_max);
}

void
ingest_set_batch_max(struct ingest_shared *sh, size_t batch_max)
{
	atomic_store(&sh->batch_max, batch_max < 1 ? 1 :
	    batch_max > INGEST_BATCH_MAX ? INGEST_BATCH_MAX : batch_max);
}

static void
rules_drop(struct ingest_shared *sh, struct rules_ref *ref)
{
	int left;

	if (ref == NULL)
		return;
	pthread_mutex_lock(&sh->lock);
	left = --ref->refs;
	pthread_mutex_unlock(&sh->lock);
	if (left == 0) {
		ruleset_free(&ref->rs);
		free(ref);
	}
}

/* The rules in force, kept until rules_drop(); NULL before any load. */
static struct rules_ref *
rules_hold(struct ingest_shared *sh)
{
	struct rules_ref *ref;

	pthread_mutex_lock(&sh->lock);
	if ((ref = sh->rules) != NULL)
		ref->refs++;
	pthread_mutex_unlock(&sh->lock);
	return ref;
}

void
ingest_shared_free(struct ingest_shared *sh)
{
	rules_drop(sh, sh->rules);
	sh->rules = NULL;
	pthread_cond_destroy(&sh->landed);
	pthread_mutex_destroy(&sh->lock);
	pthread_mutex_destroy(&sh->take);
}

void
ingest_init(struct ingest *in, struct store *store, struct mqtt *mqtt,
    struct metrics *metrics, struct ingest_shared *sh, int slot)
{
	memset(in, 0, sizeof(*in));
	in->store = store;
	in->mqtt = mqtt;
	in->metrics = metrics;
	in->shared = sh;
	in->slot = slot < INGEST_WORKERS_MAX ? slot : -1;
	for (int i = 0; i < 2; i++)
		codec_arena_init(&in->bt[i].arena, ARENA_BYTES);
	in->cur = 0;
	in->arena = &in->bt[0].arena;
	in->items = in->bt[0].items;
	in->slots = in->bt[0].slots;
	in->dispatch = xcalloc(1, sizeof(*in->dispatch));
}

void
ingest_cleanup(struct ingest *in)
{
	struct ingest_shared *sh = in->shared;

	if (in->slot >= 0) {
		/* what it held is in the arena: the others must let go */
		pthread_mutex_lock(&sh->lock);
		sh->nowned[in->slot] = 0;
		sh->landings++;
		pthread_cond_broadcast(&sh->landed);
		pthread_mutex_unlock(&sh->lock);
	}
	metrics_held(in->metrics, in->slot, 0);
	answer_pending(in);
	for (int i = 0; i < 2; i++)
		codec_arena_free(&in->bt[i].arena);
	free(in->dispatch);	/* empty: each batch and snapshot sends its own */
}

int
ingest_reload_rules(struct ingest *in, const char *why)
{
	struct ingest_shared *sh = in->shared;
	struct rules_ref *fresh, *old;
	size_t n;

	fresh = xcalloc(1, sizeof(*fresh));
	fresh->refs = 1;	/* the shared pointer's */
	if (store_load_rules(in->store, &fresh->rs) < 0) {
		free(fresh);
		old = rules_hold(sh);
		log_error("event=rules-kept source=%s count=%zu", why,
		    old != NULL ? old->rs.n : 0);
		rules_drop(sh, old);
		return -1;
	}
	n = fresh->rs.n;
	pthread_mutex_lock(&sh->lock);
	old = sh->rules;
	sh->rules = fresh;
	pthread_mutex_unlock(&sh->lock);
	rules_drop(sh, old);
	log_info("event=rules-loaded source=%s count=%zu", why, n);
	return 0;
}

void
ingest_stats_add(struct ingest_stats *sum, const struct ingest_stats *st)
{
	sum->received += st->received;
	sum->stored += st->stored;
	sum->duplicates += st->duplicates;
	sum->rejected += st->rejected;
	sum->failed += st->failed;
	sum->actions += st->actions;
	sum->actions_refused += st->actions_refused;
	sum->supervised += st->supervised;
	sum->alerts += st->alerts;
}

size_t
ingest_take(struct ingest *in, struct queue *q, struct qmsg **b, size_t n,
    int wait_ms)
{
	struct qmsg *m;
	size_t max = atomic_load(&in->shared->batch_max);

	while (n < max &&
	    (m = queue_pop(q, n == 0 ? wait_ms : 0)) != NULL) {
		b[n++] = m;
		in->stats.received++;
		metrics_count(in->metrics, M_RECEIVED);
	}
	metrics_held(in->metrics, in->slot, n);
	return n;
}

/* Dead-letter a message, then tell the worker when the topic names one. */
static int
reject(struct ingest *in, const char *topic, const char *worker,
    const char *report_id, const struct verr *e, const uint8_t *buf,
    size_t len)
{
	if (store_dead_letter(in->store, topic, e->reason, e->detail, report_id,
	    worker, buf, len) < 0)
		return -1;
	in->stats.rejected++;
	metrics_reject(in->metrics, e->reason);
	log_info("event=report-rejected report=%s worker=%s reason=%s "
	    "detail=\"%s\"", report_id ? report_id : "-",
	    worker ? worker : "-", e->reason, e->detail);
	if (worker != NULL)
		notify_ack(in->mqtt, worker, report_id, GR__ACK_STATUS__REJECTED,
		    NULL, e->reason, e->detail);
	return 0;
}

/*
 * Check a report before the database: 0 valid (*rp set, the worker in
 * worker), 1 done with (dead-lettered and answered), 2 no room left in the
 * arena (keep: try it in a later round), -1 the database is unavailable.
 * With keep, the report is decoded after those the arena holds.
 */
static int
screen(struct ingest *in, const char *topic, const uint8_t *buf, size_t len,
    char *worker, size_t wsize, int keep, Gr__Report **rp)
{
	const char *w = NULL, *rid = NULL;
	struct verr e = { NULL, "" };
	size_t used = in->arena->used;
	Gr__Report *r;

	if (topic_parse(topic, TOPIC_REPORT, worker, wsize) == 0)
		w = worker;
	if (w == NULL) {
		e.reason = VR_BAD_CODE;
		snprintf(e.detail, sizeof(e.detail),
		    "topic does not name a valid worker");
		return reject(in, topic, NULL, NULL, &e, buf, len) < 0 ? -1 : 1;
	}
	if (len > REPORT_MAX_BYTES) {
		e.reason = VR_TOO_LARGE;
		snprintf(e.detail, sizeof(e.detail),
		    "payload of %zu bytes exceeds %d", len, REPORT_MAX_BYTES);
		return reject(in, topic, w, NULL, &e, buf, len) < 0 ? -1 : 1;
	}
	r = keep ? codec_report_decode_keep(in->arena, buf, len) :
	    codec_report_decode(in->arena, buf, len);
	if (r == NULL && keep && used > 0)
		return 2;
	if (r == NULL) {
		e.reason = VR_MALFORMED;
		snprintf(e.detail, sizeof(e.detail),
		    "payload is not a well-formed Report message");
		return reject(in, topic, w, NULL, &e, buf, len) < 0 ? -1 : 1;
	}
	/* Name the report in the Ack only when its id can be matched. */
	if (ulid_valid(r->id))
		rid = r->id;
	if (validate_report(r, now_ms(), 0, &e) < 0 ||
	    validate_identity(r, w, &e) < 0)
		return reject(in, topic, w, rid, &e, buf, len) < 0 ? -1 : 1;
	*rp = r;
	return 0;
}

/* Publish a case as it now stands to its unit's feed; a failure to read it
 * is only logged. */
static void
republish(struct ingest *in, const char *case_no)
{
	struct case_view *v = &in->view;	/* this thread's */

	if (store_case_view(in->store, case_no, v) < 0) {
		log_warn("event=republish-failed case=%s", case_no);
		return;
	}
	notify_case(in->mqtt, TOPIC_DISPATCH, v->unit, v);
}

/*
 * Answer a report the database has decided on.  0 when done with, -1 when
 * the database is unavailable (STORE_RETRY, or a dead letter could not be
 * kept).
 */
static int
settle(struct ingest *in, const char *topic, const char *w,
    const Gr__Report *r, enum store_result result, const struct route *rt,
    const struct stored_case *c, struct verr *e, const uint8_t *buf,
    size_t len, int64_t t_recv)
{
	const char *rid = ulid_valid(r->id) ? r->id : NULL;

	switch (result) {
	case STORE_NEW:
		in->stats.stored++;
		metrics_count(in->metrics, M_STORED);
		log_info("event=report-stored report=%s worker=%s grid=%s "
		    "case=%s unit=%s rule=%s", r->id, w, r->grid_code,
		    c->case_no, c->unit, rt->rule);
		notify_ack(in->mqtt, w, r->id, GR__ACK_STATUS__STORED, c,
		    NULL, NULL);
		metrics_ack(in->metrics, t_recv);
		notify_dispatch(in->mqtt, in->dispatch, r, rt, c);
		return 0;
	case STORE_DUPLICATE:
		in->stats.duplicates++;
		metrics_count(in->metrics, M_DUPLICATES);
		log_info("event=report-duplicate report=%s worker=%s case=%s",
		    r->id, w, c->case_no);
		notify_ack(in->mqtt, w, r->id, GR__ACK_STATUS__DUPLICATE, c,
		    NULL, NULL);
		metrics_ack(in->metrics, t_recv);
		/*
		 * The first answer may have been lost with its dispatch entry
		 * (a crash between commit and publish): the case goes to its
		 * unit again, as it now stands.
		 */
		republish(in, c->case_no);
		return 0;
	case STORE_REJECTED:
		return reject(in, topic, w, rid, e, buf, len);
	case STORE_FAILED:
		/*
		 * Not the report's fault: keep it, but send no Ack, so that
		 * the agent sends it again once the database is mended.
		 */
		if (store_dead_letter(in->store, topic, e->reason, e->detail,
		    rid, w, buf, len) < 0)
			return -1;
		in->stats.failed++;
		metrics_count(in->metrics, M_FAILED);
		log_error("event=store-failed report=%s worker=%s detail=\"%s\" "
		    "note=\"kept in dead_letter, no Ack: the agent resends\"",
		    r->id, w, e->detail);
		return 0;
	case STORE_RETRY:
		break;
	}
	return -1;
}

/* One report alone, in its own transaction. */
static int
store_one(struct ingest *in, const struct ruleset *rules, const char *topic,
    const char *w, const Gr__Report *r, const uint8_t *buf, size_t len,
    int64_t t_recv)
{
	struct verr e = { NULL, "" };
	struct stored_case c;
	struct route rt;
	enum store_result res;
	int64_t t0 = mono_us();
	int rc;

	memset(&rt, 0, sizeof(rt));
	res = store_report(in->store, r, rules, &rt, &c, &e);
	if (res == STORE_NEW)
		metrics_commit(in->metrics, 1, mono_us() - t0);
	rc = settle(in, topic, w, r, res, &rt, &c, &e, buf, len, t_recv);
	notify_dispatch_flush(in->mqtt, in->dispatch);
	if (res == STORE_NEW)
		send_new_alerts(in);
	return rc;
}

int
ingest_report(struct ingest *in, const char *topic, const uint8_t *buf,
    size_t len)
{
	struct rules_ref *held;
	char worker[64];
	Gr__Report *r;
	int rc;

	if ((rc = screen(in, topic, buf, len, worker, sizeof(worker), 0,
	    &r)) != 0)
		return rc < 0 ? -1 : 0;
	held = rules_hold(in->shared);
	rc = store_one(in, held != NULL ? &held->rs : &no_rules, topic, worker,
	    r, buf, len, mono_us());
	rules_drop(in->shared, held);
	return rc;
}

int
ingest_is_action(const char *topic)
{
	static const char action_prefix[] = "gr/v1/" TOPIC_ACTION "/";

	return strncmp(topic, action_prefix, sizeof(action_prefix) - 1) == 0;
}

/* What a round did with a message it holds. */
#define DONE_ANSWERED	1	/* answered, or given up: free it */
#define DONE_PENDING	2	/* committed, answered with the next batch */

/*
 * Answers while PostgreSQL reads.  A store worker's connection is its
 * batches' one line to PostgreSQL: the backend idles while the worker
 * answers a batch it committed (Acks, dispatch, alerts: about 8 us a
 * report) and decodes the next.  So a batch whose reports are all new is
 * answered in the next round, right after that round's reads are sent
 * (store_batch_send()), and the backend reads meanwhile.  Answering such
 * a batch needs the broker alone (settle(): no dead letter, no case read
 * back), so it never waits on that connection.  It is answered at once
 * when no other batch follows: the queue empty, a failure, a drain.
 *
 * answer_pending(): the batch committed last (bt[!cur]), answered.
 */
static void
answer_pending(struct ingest *in)
{
	struct ingest_buf *p = &in->bt[!in->cur];

	if (in->npend == 0)
		return;
	for (size_t j = 0; j < in->npend; j++) {
		struct store_item *x = &p->items[j];
		struct qmsg *m = p->msgs[j];

		(void)settle(in, m->topic, p->slots[j].worker, x->r, x->result,
		    &x->rt, &x->c, &x->e, m->payload, m->len, m->t_us);
		qmsg_free(m);
	}
	in->npend = 0;
	notify_dispatch_flush(in->mqtt, in->dispatch);
	send_new_alerts(in);
	land(in, NULL);
}

int
ingest_pending(const struct ingest *in)
{
	return in->npend > 0;
}

/* The batch just committed is to be answered with the next: the other
 * half of bt is filled meanwhile. */
static void
keep_pending(struct ingest *in, struct qmsg **q, unsigned char *done,
    size_t k)
{
	struct ingest_buf *p = &in->bt[in->cur];

	for (size_t j = 0; j < k; j++) {
		p->msgs[j] = q[in->slots[j].msg];
		done[in->slots[j].msg] = DONE_PENDING;
	}
	in->npend = k;
	in->cur = !in->cur;
	in->arena = &in->bt[in->cur].arena;
	in->items = in->bt[in->cur].items;
	in->slots = in->bt[in->cur].slots;
}

/* Free the messages marked done and close the gaps. */
static size_t
compact(struct qmsg **q, unsigned char *done, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (done[i]) {
			if (done[i] == DONE_ANSWERED)
				qmsg_free(q[i]);
			continue;
		}
		q[k++] = q[i];
	}
	for (size_t i = 0; i < k; i++)
		done[i] = 0;
	return k;
}

/* 1 when r (the queue's seq) depends on an earlier report that another
 * store worker holds.  Under the lock take. */
static int
held_elsewhere(struct ingest *in, const Gr__Report *r, uint64_t seq)
{
	struct ingest_shared *sh = in->shared;
	int busy = 0;

	pthread_mutex_lock(&sh->lock);
	for (int w = 0; w < INGEST_WORKERS_MAX && !busy; w++)
		for (size_t i = 0; w != in->slot && i < sh->nowned[w] && !busy;
		    i++)
			busy = sh->owned[w][i].seq < seq &&
			    store_conflicts(sh->owned[w][i].r, r);
	pthread_mutex_unlock(&sh->lock);
	return busy;
}

/*
 * What is done is no longer held: the round's messages marked in done
 * (answered, or given up; a batch kept for its answers stays held until
 * then), or, with done NULL, the batch kept for its answers, now answered.
 */
static void
land(struct ingest *in, const unsigned char *done)
{
	struct ingest_shared *sh = in->shared;
	struct ingest_owned *o;
	size_t k = 0;

	if (in->slot < 0)
		return;
	o = sh->owned[in->slot];
	pthread_mutex_lock(&sh->lock);
	for (size_t i = 0; i < sh->nowned[in->slot]; i++) {
		/* a batch kept from an earlier round has no index in done */
		if (done == NULL ? o[i].pending :
		    !o[i].pending && done[o[i].msg] == DONE_ANSWERED)
			continue;
		if (done != NULL && !o[i].pending &&
		    done[o[i].msg] == DONE_PENDING)
			o[i].pending = 1;
		o[k++] = o[i];
	}
	sh->nowned[in->slot] = k;
	sh->landings++;
	pthread_cond_broadcast(&sh->landed);
	pthread_mutex_unlock(&sh->lock);
}

/*
 * Store the batch in[0 .. k) and answer it; a store worker's batch of new
 * reports only is answered in the next round instead (keep_pending()).
 * The batch committed before this one is answered once this one's reads
 * are on their way.
 */
static int
store_round(struct ingest *in, const struct ruleset *rules, struct qmsg **q,
    unsigned char *done, size_t k)
{
	struct ingest_slot *sl = in->slots;
	enum store_batch_result br;
	int64_t t0, t1;
	size_t j;
	int rc;

	hand_marks(in);
	t0 = mono_us();
	store_batch_send(in->store, in->items, k);
	/* the batch before, while PostgreSQL reads for this one (not
	 * counted in this one's commit time) */
	t1 = mono_us();
	answer_pending(in);
	t0 += mono_us() - t1;
	br = store_batch_finish(in->store, in->items, k, rules);
	if (br == BATCH_RETRY)
		return -1;
	if (br == BATCH_DONE) {
		size_t nnew = 0;

		for (j = 0; j < k; j++)
			nnew += in->items[j].result == STORE_NEW;
		if (nnew > 0)
			metrics_commit(in->metrics, nnew, mono_us() - t0);
		if (nnew == k && in->slot >= 0) {
			keep_pending(in, q, done, k);
			return 0;
		}
	}
	/*
	 * What is committed is answered first (publishing cannot fail on the
	 * database), then what needs the database again (dead letters): a
	 * database failure there must not leave a stored report unanswered.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (j = 0; j < k; j++) {
			struct store_item *x = &in->items[j];
			struct qmsg *m = q[sl[j].msg];
			int committed = br == BATCH_DONE &&
			    (x->result == STORE_NEW ||
			    x->result == STORE_DUPLICATE);

			if (done[sl[j].msg] || committed != (pass == 0))
				continue;
			if (br == BATCH_SINGLY)
				rc = store_one(in, rules, m->topic,
				    sl[j].worker, x->r, m->payload, m->len,
				    m->t_us);
			else
				rc = settle(in, m->topic, sl[j].worker, x->r,
				    x->result, &x->rt, &x->c, &x->e,
				    m->payload, m->len, m->t_us);
			if (rc < 0) {
				notify_dispatch_flush(in->mqtt, in->dispatch);
				return -1;
			}
			done[sl[j].msg] = DONE_ANSWERED;
		}
		/* the batch's new cases, a message per unit, then its alerts */
		notify_dispatch_flush(in->mqtt, in->dispatch);
		if (pass == 0 && br == BATCH_DONE)
			send_new_alerts(in);
	}
	return 0;
}

/*
 * Choose the batch: decode the messages held, leave out each report that
 * depends on an earlier one (of this batch, or held by another store
 * worker).  Marks the messages it is done with (dead letters, actions).
 * The batch's size, or -1 when the database is unavailable.  A store
 * worker calls it under the lock take, and its holdings are known to the
 * others when it returns.
 */
static int
choose(struct ingest *in, struct qmsg **q, unsigned char *done, size_t n)
{
	struct ingest_slot *sl = in->slots;
	struct ingest_shared *sh = in->shared;
	struct ingest_owned held[INGEST_BATCH_MAX];
	size_t k = 0, ncand = 0, npending = 0, i, j;
	Gr__Report *r;
	int rc;

	if (in->slot >= 0) {
		/* the arena is reused: nobody may read what it held; a batch
		 * committed and unanswered (in the other arena) stays held */
		pthread_mutex_lock(&sh->lock);
		for (i = 0; i < sh->nowned[in->slot]; i++)
			if (sh->owned[in->slot][i].pending)
				sh->owned[in->slot][npending++] =
				    sh->owned[in->slot][i];
		sh->nowned[in->slot] = npending;
		pthread_mutex_unlock(&sh->lock);
	}
	codec_arena_reset(in->arena);
	/* every message held, batch_max or fewer when taken: each must be
	 * known to the other workers (owned, below) until it is stored,
	 * whatever batch_max has become since */
	for (i = 0; i < n; i++) {
		struct qmsg *m = q[i];

		if (ingest_is_action(m->topic)) {
			/* Alone, while the arena holds nothing else. */
			if (ncand > 0)
				continue;
			if (ingest_action(in, m->topic, m->payload, m->len) < 0)
				return -1;
			codec_arena_reset(in->arena);
			done[i] = DONE_ANSWERED;
			continue;
		}
		rc = screen(in, m->topic, m->payload, m->len, sl[k].worker,
		    sizeof(sl[k].worker), 1, &r);
		if (rc < 0)
			return -1;
		if (rc == 1)
			done[i] = DONE_ANSWERED;
		if (rc != 0)
			continue;
		for (j = 0; j < ncand; j++)
			if (store_conflicts(held[j].r, r))
				break;
		held[ncand].r = r;
		held[ncand].seq = m->seq;
		held[ncand].msg = i;
		held[ncand].pending = 0;
		ncand++;
		if (j < ncand - 1)
			continue;	/* after the one it depends on */
		if (in->slot >= 0 && held_elsewhere(in, r, m->seq)) {
			if (!m->deferred)	/* counted once a report */
				metrics_count(in->metrics, M_DEFERRED);
			m->deferred = 1;
			continue;
		}
		sl[k].msg = i;
		in->items[k].r = r;
		k++;
	}
	if (in->slot >= 0) {
		pthread_mutex_lock(&sh->lock);
		memcpy(sh->owned[in->slot] + npending, held,
		    ncand * sizeof(held[0]));
		sh->nowned[in->slot] = npending + ncand;
		pthread_mutex_unlock(&sh->lock);
	}
	return (int)k;
}

/* Store and answer the chosen batch, by the rules in force. */
static int
store_held(struct ingest *in, struct qmsg **q, unsigned char *done, size_t k)
{
	struct rules_ref *held = rules_hold(in->shared);
	int rc;

	rc = store_round(in, held != NULL ? &held->rs : &no_rules, q, done, k);
	rules_drop(in->shared, held);
	land(in, done);
	return rc;
}

/*
 * One round: choose a batch, store it in one transaction, answer it.
 * Marks what it is done with.  0, or -1 when the database is unavailable.
 */
static int
round_once(struct ingest *in, struct qmsg **q, unsigned char *done, size_t n)
{
	int k;

	if ((k = choose(in, q, done, n)) <= 0)
		return k;
	return store_held(in, q, done, (size_t)k);
}

int
ingest_batch(struct ingest *in, struct qmsg **q, size_t *np)
{
	unsigned char done[INGEST_BATCH_MAX] = { 0 };
	size_t n = *np;
	int rc = 0;

	while (n > 0 && rc == 0) {
		rc = round_once(in, q, done, n);
		n = compact(q, done, n);
	}
	*np = n;
	return rc;
}

size_t
ingest_drain(struct ingest *in, struct queue *q, struct qmsg **b, size_t n,
    int64_t until)
{
	size_t left;
	int rc;

	for (;;) {
		if (in->slot >= 0) {
			if (n == 0 && queue_len(q) == 0)
				break;
			rc = ingest_round(in, q, b, &n);
		} else {
			if ((n = ingest_take(in, q, b, n, 0)) == 0)
				break;
			rc = ingest_batch(in, b, &n);
		}
		if (rc == 0)
			continue;
		if (mono_ms() > until)
			break;
		pause_ms(BACKOFF_MIN_MS);
		if (!store_ok(in->store))
			store_reconnect(in->store);
	}
	answer_pending(in);
	left = queue_len(q) + n;
	if (left > 0)
		log_warn("event=drain-incomplete unstored=%zu "
		    "note=\"the agents will send these again\"", left);
	while (n > 0)
		qmsg_free(b[--n]);
	metrics_held(in->metrics, in->slot, 0);
	return left;
}

int
ingest_round(struct ingest *in, struct queue *queue, struct qmsg **b,
    size_t *np)
{
	unsigned char done[INGEST_BATCH_MAX] = { 0 };
	struct ingest_shared *sh = in->shared;
	unsigned long seen;
	size_t n, i;
	int k, rc = 0;

	pthread_mutex_lock(&sh->take);
	n = ingest_take(in, queue, b, *np, 0);
	pthread_mutex_lock(&sh->lock);
	seen = sh->landings;
	pthread_mutex_unlock(&sh->lock);
	k = n > 0 ? choose(in, b, done, n) : 0;
	pthread_mutex_unlock(&sh->take);
	if (k > 0)
		rc = store_held(in, b, done, (size_t)k);
	else if (k < 0)
		rc = -1;
	else {
		answer_pending(in);
		for (i = 0; i < n && done[i]; i++)
			;
		if (i < n) {
			/* each waits for another worker's: until it lands */
			struct timespec until;

			deadline_after(&until, 100);
			pthread_mutex_lock(&sh->lock);
			while (sh->landings == seen &&
			    pthread_cond_timedwait(&sh->landed, &sh->lock,
			    &until) == 0)
				;
			pthread_mutex_unlock(&sh->lock);
		}
	}
	*np = compact(b, done, n);
	/* answered now unless another batch follows at once */
	if (rc != 0 || (*np == 0 && queue_len(queue) == 0))
		answer_pending(in);
	metrics_held(in->metrics, in->slot, *np);
	return rc;
}

int
ingest_message(struct ingest *in, const char *topic, const uint8_t *buf,
    size_t len)
{
	if (ingest_is_action(topic))
		return ingest_action(in, topic, buf, len);
	return ingest_report(in, topic, buf, len);
}

/* The unit's entry in the snapshot table, or the oldest to reuse. */
static struct snapshot_seen *
snapshot_seen(struct ingest *in, const char *unit)
{
	struct snapshot_seen *oldest = &in->snapshots[0];

	for (size_t i = 0; i < SNAPSHOT_UNITS; i++) {
		struct snapshot_seen *s = &in->snapshots[i];

		if (strcmp(s->unit, unit) == 0)
			return s;
		if (s->at_ms < oldest->at_ms)
			oldest = s;
	}
	return oldest;
}

/*
 * A dispatcher's console asks for its unit's cases again (a new console,
 * or one whose session expired): each case not closed or refused, as it
 * stands, on the unit's feed, then the answer.  -1 when the database is
 * unavailable (the request is taken again later).
 */
static int
snapshot(struct ingest *in, const char *unit, const Gr__Action *a)
{
	static char cases[SNAPSHOT_MAX][32];
	static struct case_view v;
	struct snapshot_seen *seen;
	int64_t now = mono_ms(), ago;
	char msg[128];
	int n, sent = 0;

	/*
	 * A snapshot costs a read per case and holds up the reports behind
	 * it: one per unit per snapshot_interval.  The cases went to the
	 * unit's feed, where every console of the unit has them.
	 */
	seen = snapshot_seen(in, unit);
	ago = now - seen->at_ms;
	if (in->snapshot_interval_ms > 0 && strcmp(seen->unit, unit) == 0 &&
	    ago < in->snapshot_interval_ms) {
		snprintf(msg, sizeof(msg), "the unit's cases were published "
		    "again %llds ago; ask again in %llds", (long long)ago / 1000,
		    (long long)(in->snapshot_interval_ms - ago + 999) / 1000);
		in->stats.actions_refused++;
		log_info("event=snapshot-refused action=%s unit=%s "
		    "reason=too_soon", a->id, unit);
		notify_action_result(in->mqtt, unit, a->id, NULL, 0, "too_soon",
		    msg);
		return 0;
	}
	if ((n = store_unit_cases(in->store, unit, cases, SNAPSHOT_MAX)) < 0)
		return -1;
	for (int i = 0; i < n && i < SNAPSHOT_MAX; i++) {
		if (store_case_view(in->store, cases[i], &v) < 0) {
			/* the database went away: the request is taken
			 * again later, and the cases sent twice is harmless */
			if (!store_ok(in->store)) {
				in->dispatch->n = 0;	/* sent then */
				return -1;
			}
			continue;
		}
		sent++;
		sent -= notify_view_add(in->mqtt, in->dispatch, unit, &v);
	}
	sent -= notify_dispatch_flush(in->mqtt, in->dispatch);
	/* sent whole: only now does it count against the next request */
	strlcpy_gr(seen->unit, unit, sizeof(seen->unit));
	seen->at_ms = now;
	log_info("event=snapshot action=%s unit=%s cases=%d", a->id, unit,
	    sent);
	snprintf(msg, sizeof(msg), "%d case(s) published again%s", sent,
	    n >= SNAPSHOT_MAX ? " (the oldest only: limit reached)" : "");
	notify_action_result(in->mqtt, unit, a->id, NULL, 1, NULL, msg);
	return 0;
}

int
ingest_action(struct ingest *in, const char *topic, const uint8_t *buf,
    size_t len)
{
	char unit[64];
	const char *u = NULL, *aid = NULL;
	struct verr e = { NULL, "" };
	struct case_view v;
	Gr__Action *a;
	enum act_result rc;

	if (topic_parse(topic, TOPIC_ACTION, unit, sizeof(unit)) == 0)
		u = unit;
	if (u == NULL) {
		e.reason = VR_BAD_CODE;
		snprintf(e.detail, sizeof(e.detail),
		    "topic does not name a valid unit");
	} else if (len > REPORT_MAX_BYTES) {
		e.reason = VR_TOO_LARGE;
		snprintf(e.detail, sizeof(e.detail),
		    "payload of %zu bytes exceeds %d", len, REPORT_MAX_BYTES);
	} else if ((a = codec_action_decode(in->arena, buf, len)) == NULL) {
		e.reason = VR_MALFORMED;
		snprintf(e.detail, sizeof(e.detail),
		    "payload is not a well-formed Action message");
	} else {
		if (ulid_valid(a->id))
			aid = a->id;
		if (validate_action(a, u, &e) == 0)
			goto valid;
	}
	/* A malformed action is kept like a malformed report. */
	if (store_dead_letter(in->store, topic, e.reason, e.detail, NULL,
	    NULL, buf, len) < 0)
		return -1;
	in->stats.actions_refused++;
	log_info("event=action-rejected unit=%s action=%s reason=%s "
	    "detail=\"%s\"", u ? u : "-", aid ? aid : "-", e.reason, e.detail);
	if (u != NULL)
		notify_action_result(in->mqtt, u, aid, NULL, 0, e.reason,
		    e.detail);
	return 0;

valid:
	if (a->kind == GR__ACTION_KIND__SNAPSHOT)
		return snapshot(in, u, a);
	switch ((rc = store_action(in->store, a, &v, &e))) {
	case ACT_APPLIED:
	case ACT_DUPLICATE:
		log_info("event=action-%s action=%s unit=%s case=%s state=%d",
		    rc == ACT_APPLIED ? "applied" : "duplicate", a->id, u,
		    a->case_no, (int)v.state);
		notify_action_result(in->mqtt, u, a->id, a->case_no, 1,
		    rc == ACT_DUPLICATE ? "duplicate" : NULL, NULL);
		/* A duplicate's first notices may have been lost (published
		 * after the commit): all of them again, as they stand. */
		if (rc == ACT_APPLIED)
			in->stats.actions++;
		notify_case(in->mqtt, TOPIC_DISPATCH, v.unit, &v);
		if (strcmp(v.unit, u) != 0)	/* escalated: tell the old unit */
			notify_case(in->mqtt, TOPIC_DISPATCH, u, &v);
		notify_case(in->mqtt, TOPIC_ACK, v.worker_id, &v);
		return 0;
	case ACT_REFUSED:
	case ACT_FAILED:
		in->stats.actions_refused++;
		log_info("event=action-refused action=%s unit=%s case=%s "
		    "reason=%s detail=\"%s\"", a->id, u, a->case_no, e.reason,
		    e.detail);
		notify_action_result(in->mqtt, u, a->id, a->case_no, 0,
		    e.reason, e.detail);
		return 0;
	case ACT_RETRY:
		break;
	}
	return -1;
}

int
ingest_sweep(struct ingest *in, long clock_offset)
{
	static struct swept sw[SWEEP_BATCH];
	static struct case_view v;
	int n;

	if ((n = store_sweep(in->store, clock_offset, sw, SWEEP_BATCH)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		in->stats.supervised++;
		log_info("event=case-supervised case=%s level=%d", sw[i].case_no,
		    sw[i].level);
		if (store_case_view(in->store, sw[i].case_no, &v) < 0)
			continue;
		notify_case(in->mqtt, TOPIC_DISPATCH, v.unit, &v);
		if (strcmp(v.unit, sw[i].old_unit) != 0)
			notify_case(in->mqtt, TOPIC_DISPATCH, sw[i].old_unit, &v);
		notify_case(in->mqtt, TOPIC_ACK, v.worker_id, &v);
	}
	log_debug("event=sweep-done supervised=%d clock_offset=%ld", n,
	    clock_offset);
	return n;
}

/*
 * The alerts of the reports stored, sent after their commit: the broker's
 * answers come on Paho's thread, and the ids it accepted wait here until
 * the main thread hands them to the store, to be marked published.  An id
 * that finds no room, or that the broker refused, stays unmarked and is
 * published again at a sweep (ingest_alerts()).
 */
static struct {
	pthread_mutex_t	lock;
	int		n;
	uint64_t	ids[STORE_MARKS_MAX];
} accepted = { PTHREAD_MUTEX_INITIALIZER, 0, { 0 } };

/* The alerts of a message of notify_alerts(), from its tag "FIRST:COUNT":
 * their number, and the first's id in *first. */
static long
tag_alerts(const char *tag, uint64_t *first)
{
	char *end;

	*first = strtoull(tag, &end, 10);
	return *end == ':' ? strtol(end + 1, NULL, 10) : 1;
}

static void
on_alert_sent(void *arg, const char *tag, int ok, int reason)
{
	uint64_t first;
	long count;

	(void)arg;
	(void)reason;
	if (!ok)
		return;
	count = tag_alerts(tag, &first);
	pthread_mutex_lock(&accepted.lock);
	for (long i = 0; i < count && accepted.n < STORE_MARKS_MAX; i++)
		accepted.ids[accepted.n++] = first + (uint64_t)i;
	pthread_mutex_unlock(&accepted.lock);
}

/* Hand the alerts the broker accepted to the store, to be marked
 * published with the next commit. */
static void
hand_marks(struct ingest *in)
{
	int kept;

	pthread_mutex_lock(&accepted.lock);
	kept = store_alerts_published(in->store, accepted.ids, accepted.n);
	memmove(accepted.ids, accepted.ids + kept, (size_t)(accepted.n -
	    kept) * sizeof(accepted.ids[0]));
	accepted.n -= kept;
	pthread_mutex_unlock(&accepted.lock);
	in->stats.alerts += (unsigned long)kept;
	metrics_add(in->metrics, M_ALERTS, (uint64_t)kept);
}

/* Send the alerts raised by the reports just committed to the county. */
static void
send_new_alerts(struct ingest *in)
{
	const struct alert_row *a;
	int n, lost;

	a = store_new_alerts(in->store, &n);
	if (n > 0 && (lost = notify_alerts(in->mqtt, a, n, on_alert_sent,
	    NULL)) > 0)
		log_warn("event=alert-not-sent alerts=%d note=\"sent again at "
		    "a sweep\"", lost);
	for (int i = 0; i < n; i++) {
		log_info("event=alert-sent alert=%" PRIu64 " kind=%d case=%s "
		    "township=%s", a[i].id, (int)a[i].kind, a[i].case_no,
		    a[i].township);
	}
}

int
ingest_idle(struct ingest *in)
{
	answer_pending(in);
	hand_marks(in);
	return store_alerts_flush(in->store);
}

/*
 * The broker's answers to the alerts of the batch being published, from
 * Paho's thread, a message's alerts at a time.  Static: an answer may come
 * as late as the client's end.  A batch is a generation, passed as the
 * callback's argument; a late answer of an earlier one is not counted.
 */
static struct {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	uintptr_t	gen;
	int		acked;
	int		failed;
} alert_wait = { .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t alert_wait_once = PTHREAD_ONCE_INIT;

static void
alert_wait_init(void)
{
	cond_init(&alert_wait.cond);
}

static void
on_alert_published(void *arg, const char *tag, int ok, int reason)
{
	uint64_t first;
	long count = tag_alerts(tag, &first);

	(void)reason;
	pthread_mutex_lock(&alert_wait.lock);
	if ((uintptr_t)arg == alert_wait.gen) {
		if (ok)
			alert_wait.acked += (int)count;
		else
			alert_wait.failed += (int)count;
		pthread_cond_broadcast(&alert_wait.cond);
	}
	pthread_mutex_unlock(&alert_wait.lock);
}

/* 1 when the broker accepted all n alerts of this generation within
 * timeout_ms, else 0. */
static int
alerts_accepted(int n, int timeout_ms)
{
	struct timespec until;
	int ok;

	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&alert_wait.lock);
	while (alert_wait.acked + alert_wait.failed < n &&
	    pthread_cond_timedwait(&alert_wait.cond, &alert_wait.lock,
	    &until) == 0)
		;
	ok = alert_wait.acked == n;
	pthread_mutex_unlock(&alert_wait.lock);
	return ok;
}

int
ingest_alerts(struct ingest *in, int settled_s)
{
	static struct alert_row a[ALERT_BATCH];
	uintptr_t gen;
	int n, ok = 1;

	if ((n = store_alerts_take(in->store, a, ALERT_BATCH, settled_s)) < 0)
		return -1;
	/* before any alert of ours is published, so before any callback */
	pthread_once(&alert_wait_once, alert_wait_init);
	pthread_mutex_lock(&alert_wait.lock);
	gen = ++alert_wait.gen;
	alert_wait.acked = alert_wait.failed = 0;
	pthread_mutex_unlock(&alert_wait.lock);
	/* a run of consecutive ids of a county in one message, as after a
	 * batch */
	if (n > 0 && notify_alerts(in->mqtt, a, n, on_alert_published,
	    (void *)gen) > 0)
		ok = 0;
	/* Published once the broker has them all; else taken again later. */
	if (n > 0 && (!ok || !alerts_accepted(n, 5000)))
		ok = 0;
	if (store_alerts_done(in->store, a, n, ok) < 0 || !ok) {
		log_warn("event=alerts-kept count=%d", n);
		return -1;
	}
	for (int i = 0; i < n; i++)
		log_info("event=alert-published alert=%llu kind=%d case=%s "
		    "township=%s", (unsigned long long)a[i].id, (int)a[i].kind,
		    a[i].case_no, a[i].township);
	in->stats.alerts += (unsigned long)n;
	metrics_add(in->metrics, M_ALERTS, (uint64_t)n);
	return n;
}
