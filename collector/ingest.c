/* ingest.c -- one received report from payload to committed case and Ack. */
#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "route.h"
#include "topic.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

/* protobuf-c can need far more memory than the payload; bound it. */
#define ARENA_BYTES	(REPORT_MAX_BYTES * 80)

static int	reject(struct ingest *, const char *, const char *,
		    const char *, const struct verr *, const uint8_t *, size_t);

void
ingest_init(struct ingest *in, struct store *store, struct mqtt *mqtt)
{
	memset(in, 0, sizeof(*in));
	in->store = store;
	in->mqtt = mqtt;
	codec_arena_init(&in->arena, ARENA_BYTES);
}

void
ingest_cleanup(struct ingest *in)
{
	codec_arena_free(&in->arena);
	ruleset_free(&in->rules);
}

int
ingest_reload_rules(struct ingest *in, const char *why)
{
	if (store_load_rules(in->store, &in->rules) < 0) {
		log_error("event=rules-kept source=%s count=%zu", why,
		    in->rules.n);
		return -1;
	}
	log_info("event=rules-loaded source=%s count=%zu", why, in->rules.n);
	return 0;
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
	log_info("event=report-rejected report=%s worker=%s reason=%s "
	    "detail=\"%s\"", report_id ? report_id : "-",
	    worker ? worker : "-", e->reason, e->detail);
	if (worker != NULL)
		notify_ack(in->mqtt, worker, report_id, GR__ACK_STATUS__REJECTED,
		    NULL, e->reason, e->detail);
	return 0;
}

int
ingest_report(struct ingest *in, const char *topic, const uint8_t *buf,
    size_t len)
{
	char worker[64];
	const char *w = NULL, *rid = NULL;
	struct verr e = { NULL, "" };
	struct stored_case c;
	struct route rt;
	Gr__Report *r;

	in->stats.received++;
	if (topic_parse(topic, TOPIC_REPORT, worker, sizeof(worker)) == 0)
		w = worker;
	if (w == NULL) {
		e.reason = VR_BAD_CODE;
		snprintf(e.detail, sizeof(e.detail),
		    "topic does not name a valid worker");
		return reject(in, topic, NULL, NULL, &e, buf, len);
	}
	if (len > REPORT_MAX_BYTES) {
		e.reason = VR_TOO_LARGE;
		snprintf(e.detail, sizeof(e.detail),
		    "payload of %zu bytes exceeds %d", len, REPORT_MAX_BYTES);
		return reject(in, topic, w, NULL, &e, buf, len);
	}
	if ((r = codec_report_decode(&in->arena, buf, len)) == NULL) {
		e.reason = VR_MALFORMED;
		snprintf(e.detail, sizeof(e.detail),
		    "payload is not a well-formed Report message");
		return reject(in, topic, w, NULL, &e, buf, len);
	}
	/* Name the report in the Ack only when its id can be matched. */
	if (ulid_valid(r->id))
		rid = r->id;
	if (validate_report(r, now_ms(), 0, &e) < 0 ||
	    validate_identity(r, w, &e) < 0)
		return reject(in, topic, w, rid, &e, buf, len);

	switch (store_report(in->store, r, &in->rules, &rt, &c, &e)) {
	case STORE_NEW:
		in->stats.stored++;
		log_info("event=report-stored report=%s worker=%s grid=%s "
		    "case=%s unit=%s rule=%s", r->id, w, r->grid_code,
		    c.case_no, c.unit, rt.rule);
		notify_ack(in->mqtt, w, r->id, GR__ACK_STATUS__STORED, &c,
		    NULL, NULL);
		notify_dispatch(in->mqtt, r, &rt, &c);
		return 0;
	case STORE_DUPLICATE:
		in->stats.duplicates++;
		log_info("event=report-duplicate report=%s worker=%s case=%s",
		    r->id, w, c.case_no);
		notify_ack(in->mqtt, w, r->id, GR__ACK_STATUS__DUPLICATE, &c,
		    NULL, NULL);
		return 0;
	case STORE_REJECTED:
		return reject(in, topic, w, rid, &e, buf, len);
	case STORE_FAILED:
		/*
		 * Not the report's fault: keep it, but send no Ack, so that
		 * the agent sends it again once the database is mended.
		 */
		if (store_dead_letter(in->store, topic, e.reason, e.detail,
		    rid, w, buf, len) < 0)
			return -1;
		in->stats.failed++;
		log_error("event=store-failed report=%s worker=%s detail=\"%s\" "
		    "note=\"kept in dead_letter, no Ack: the agent resends\"",
		    r->id, w, e.detail);
		return 0;
	case STORE_RETRY:
		break;
	}
	return -1;
}

int
ingest_message(struct ingest *in, const char *topic, const uint8_t *buf,
    size_t len)
{
	static const char action_prefix[] = "gr/v1/" TOPIC_ACTION "/";

	if (strncmp(topic, action_prefix, sizeof(action_prefix) - 1) == 0)
		return ingest_action(in, topic, buf, len);
	return ingest_report(in, topic, buf, len);
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
	} else if ((a = codec_action_decode(&in->arena, buf, len)) == NULL) {
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
	switch ((rc = store_action(in->store, a, &v, &e))) {
	case ACT_APPLIED:
	case ACT_DUPLICATE:
		log_info("event=action-%s action=%s unit=%s case=%s state=%d",
		    rc == ACT_APPLIED ? "applied" : "duplicate", a->id, u,
		    a->case_no, (int)v.state);
		notify_action_result(in->mqtt, u, a->id, a->case_no, 1,
		    rc == ACT_DUPLICATE ? "duplicate" : NULL, NULL);
		if (rc == ACT_DUPLICATE)
			return 0;
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

int
ingest_alerts(struct ingest *in)
{
	static struct alert_row a[ALERT_BATCH];
	int n, ok = 1;

	if ((n = store_alerts_take(in->store, a, ALERT_BATCH)) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (notify_alert(in->mqtt, &a[i]) < 0)
			ok = 0;
	/* Published only once the broker has them; else taken again later. */
	if (n > 0 && (!ok || mqtt_wait_idle(in->mqtt, 5000) < 0))
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
	return n;
}
