/* notify.c -- Acks to the reporting worker; new cases, case updates and
 * alerts to the dispatch feeds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "notify.h"
#include "topic.h"
#include "util.h"
#include "utf8.h"
#include "validate.h"

static int	publish(struct mqtt *, const char *, const char *,
		    const ProtobufCMessage *);
static int	publish_cb(struct mqtt *, const char *, const char *,
		    const ProtobufCMessage *, mqtt_pub_fn, void *,
		    const char *);

static int
publish(struct mqtt *m, const char *kind, const char *id,
    const ProtobufCMessage *msg)
{
	return publish_cb(m, kind, id, msg, NULL, NULL, NULL);
}

/* Publish, with cb told of the broker's answer (tag as in mqtt.h). */
static int
publish_cb(struct mqtt *m, const char *kind, const char *id,
    const ProtobufCMessage *msg, mqtt_pub_fn cb, void *arg, const char *tag)
{
	char topic[TOPIC_MAX];
	uint8_t *buf;
	size_t len;
	int rc;

	if (topic_make(topic, sizeof(topic), kind, id) < 0)
		return -1;
	buf = codec_pack(msg, &len);
	rc = mqtt_publish(m, topic, buf, len, 1, cb, arg, tag);
	free(buf);
	if (rc < 0)
		log_warn("event=publish-failed topic=%s", topic);
	return rc;
}

int
notify_ack(struct mqtt *m, const char *worker, const char *report_id,
    Gr__AckStatus status, const struct stored_case *c, const char *reason,
    const char *message)
{
	Gr__Ack ack = GR__ACK__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	char text[384];

	ack.has_schema_version = 1;
	ack.schema_version = REPORT_SCHEMA_VERSION;
	ack.report_id = (char *)(uintptr_t)report_id;
	ack.has_status = 1;
	ack.status = status;
	if (c != NULL) {
		ack.case_no = (char *)(uintptr_t)c->case_no;
		ack.routed_unit = (char *)(uintptr_t)c->unit;
		ack.routed_unit_name = (char *)(uintptr_t)c->unit_name;
		ack.has_routed_level = 1;
		ack.routed_level = c->level;
		ack.has_response_due = 1;
		ack.response_due = c->response_due;
		ack.has_resolve_due = 1;
		ack.resolve_due = c->resolve_due;
		snprintf(text, sizeof(text), "%s: 案件号 %s, 转 %s 办理",
		    status == GR__ACK_STATUS__DUPLICATE ? "此前已登记" :
		    "已登记", c->case_no, c->unit_name);
		ack.message = text;
	} else {
		ack.reason = (char *)(uintptr_t)reason;
		ack.message = (char *)(uintptr_t)message;
	}
	n.body_case = GR__NOTICE__BODY_ACK;
	n.ack = &ack;
	return publish(m, TOPIC_ACK, worker, &n.base);
}

/* The case as it now stands, from what the transaction just wrote. */
static void
new_case_view(struct case_view *v, const Gr__Report *r, const struct route *rt,
    const struct stored_case *c)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->case_no, sizeof(v->case_no), "%s", c->case_no);
	snprintf(v->report_id, sizeof(v->report_id), "%s", r->id);
	v->state = c->state;
	v->level = c->level;
	snprintf(v->unit, sizeof(v->unit), "%s", c->unit);
	snprintf(v->unit_name, sizeof(v->unit_name), "%s", c->unit_name);
	snprintf(v->grid_code, sizeof(v->grid_code), "%s", r->grid_code);
	snprintf(v->worker_id, sizeof(v->worker_id), "%s", r->worker_id);
	snprintf(v->category, sizeof(v->category), "%s", r->category);
	snprintf(v->item, sizeof(v->item), "%s", r->item ? r->item : "");
	v->colour = r->colour;
	v->people = r->people;
	utf8_copy(v->summary, r->summary, sizeof(v->summary));
	v->opened_at = v->event_at = c->opened_at;
	v->event_id = c->event_id;
	v->response_due = c->response_due;
	v->resolve_due = c->resolve_due;
	snprintf(v->route_rule, sizeof(v->route_rule), "%s", rt->rule);
	utf8_copy(v->route_reason, rt->reason, sizeof(v->route_reason));
	snprintf(v->event_actor, sizeof(v->event_actor), "collector");
	v->resolved_on_spot = r->resolved_on_spot;
}

/* The next free entry of l, for unit's feed; a full l is sent first, and
 * *failed counts its cases that could not be queued. */
static struct case_view *
next_entry(struct mqtt *m, struct dispatch_list *l, const char *unit,
    int *failed)
{
	*failed = l->n == NOTIFY_DISPATCH_MAX ? notify_dispatch_flush(m, l) : 0;
	strlcpy_gr(l->to[l->n], unit, sizeof(l->to[0]));
	return &l->v[l->n++];
}

void
notify_dispatch(struct mqtt *m, struct dispatch_list *l, const Gr__Report *r,
    const struct route *rt, const struct stored_case *c)
{
	int failed;

	new_case_view(next_entry(m, l, c->unit, &failed), r, rt, c);
}

int
notify_view_add(struct mqtt *m, struct dispatch_list *l, const char *unit,
    const struct case_view *v)
{
	int failed;

	*next_entry(m, l, unit, &failed) = *v;
	return failed;
}

#define STR(s) ((s)[0] != '\0' ? (char *)(uintptr_t)(s) : NULL)

/* The entry of a case view; its strings point into v. */
static void
entry_of(Gr__CaseEntry *ep, const struct case_view *v)
{
	Gr__CaseEntry e = GR__CASE_ENTRY__INIT;

	e.has_schema_version = 1;
	e.schema_version = REPORT_SCHEMA_VERSION;
	e.case_no = STR(v->case_no);
	e.report_id = STR(v->report_id);
	e.has_state = 1;
	e.state = v->state;
	e.has_level = 1;
	e.level = v->level;
	e.unit = STR(v->unit);
	e.unit_name = STR(v->unit_name);
	e.grid_code = STR(v->grid_code);
	e.worker_id = STR(v->worker_id);
	e.category = STR(v->category);
	e.item = STR(v->item);
	e.has_colour = 1;
	e.colour = v->colour;
	e.has_people = 1;
	e.people = v->people;
	e.summary = STR(v->summary);
	e.has_opened_at = 1;
	e.opened_at = v->opened_at;
	e.has_response_due = 1;
	e.response_due = v->response_due;
	e.has_resolve_due = 1;
	e.resolve_due = v->resolve_due;
	e.route_rule = STR(v->route_rule);
	e.route_reason = STR(v->route_reason);
	e.has_event_at = 1;
	e.event_at = v->event_at;
	e.event_actor = STR(v->event_actor);
	e.event_note = STR(v->event_note);
	e.has_resolved_on_spot = 1;
	e.resolved_on_spot = v->resolved_on_spot;
	e.department = STR(v->department);
	if (v->satisfaction > 0) {
		e.has_satisfaction = 1;
		e.satisfaction = v->satisfaction;
	}
	e.action_id = STR(v->action_id);
	/* present even when 0: a console tells "not accepted" from a
	 * collector that does not say */
	e.has_accepted_at = 1;
	e.accepted_at = v->accepted_at;
	if (v->event_id > 0) {
		e.has_event_id = 1;
		e.event_id = (uint64_t)v->event_id;
	}
	*ep = e;
}

int
notify_case(struct mqtt *m, const char *kind, const char *id,
    const struct case_view *v)
{
	Gr__CaseEntry e;
	Gr__Notice n = GR__NOTICE__INIT;

	entry_of(&e, v);
	n.body_case = GR__NOTICE__BODY_UPDATE;
	n.update = &e;
	return publish(m, kind, id, &n.base);
}

int
notify_dispatch_flush(struct mqtt *m, struct dispatch_list *l)
{
	Gr__CaseEntry e[NOTICE_LIST_MAX], *ep[NOTICE_LIST_MAX];
	unsigned char sent[NOTIFY_DISPATCH_MAX] = { 0 };
	int failed = 0;

	for (size_t i = 0; i < l->n; i++) {
		Gr__NoticeList nl = GR__NOTICE_LIST__INIT;
		Gr__Notice n = GR__NOTICE__INIT;
		size_t k = 0;

		if (sent[i])
			continue;
		/* the unit's cases from i on, in the batch's order */
		for (size_t j = i; j < l->n && k < NOTICE_LIST_MAX; j++) {
			if (sent[j] || strcmp(l->to[j], l->to[i]) != 0)
				continue;
			entry_of(&e[k], &l->v[j]);
			ep[k] = &e[k];
			k++;
			sent[j] = 1;
		}
		if (k == 1) {
			n.body_case = GR__NOTICE__BODY_UPDATE;
			n.update = &e[0];
		} else {
			nl.n_updates = k;
			nl.updates = ep;
			n.body_case = GR__NOTICE__BODY_LIST;
			n.list = &nl;
		}
		if (publish(m, TOPIC_DISPATCH, l->to[i], &n.base) < 0)
			failed += (int)k;
	}
	l->n = 0;
	return failed;
}

int
notify_action_result(struct mqtt *m, const char *unit, const char *action_id,
    const char *case_no, int ok, const char *reason, const char *message)
{
	Gr__ActionResult ar = GR__ACTION_RESULT__INIT;
	Gr__Notice n = GR__NOTICE__INIT;

	ar.has_schema_version = 1;
	ar.schema_version = REPORT_SCHEMA_VERSION;
	ar.action_id = (char *)(uintptr_t)action_id;
	ar.case_no = (char *)(uintptr_t)case_no;
	ar.has_ok = 1;
	ar.ok = ok;
	ar.reason = (char *)(uintptr_t)reason;
	ar.message = (char *)(uintptr_t)message;
	n.body_case = GR__NOTICE__BODY_RESULT;
	n.result = &ar;
	return publish(m, TOPIC_DISPATCH, unit, &n.base);
}

/* The message of an alert; its strings point into a, its related case
 * numbers into related (split in place) through rel. */
static void
alert_of(Gr__Alert *ap, const struct alert_row *a,
    char related[sizeof(a->related)], char *rel[ALERT_RELATED_MAX])
{
	Gr__Alert al = GR__ALERT__INIT;
	size_t nrel = 0;
	char *p, *save;

	snprintf(related, sizeof(a->related), "%s", a->related);
	for (p = strtok_r(related, " ", &save); p != NULL && nrel <
	    ALERT_RELATED_MAX; p = strtok_r(NULL, " ", &save))
		rel[nrel++] = p;
	al.has_schema_version = 1;
	al.schema_version = REPORT_SCHEMA_VERSION;
	al.has_id = 1;
	al.id = a->id;
	al.has_kind = 1;
	al.kind = a->kind;
	al.case_no = (char *)(uintptr_t)a->case_no;
	al.township = (char *)(uintptr_t)a->township;
	al.township_name = (char *)(uintptr_t)a->township_name;
	al.n_related = nrel;
	al.related = rel;
	al.note = (char *)(uintptr_t)a->note;
	al.has_raised_at = 1;
	al.raised_at = a->raised_at;
	*ap = al;
}

int
notify_alerts(struct mqtt *m, const struct alert_row *a, int n,
    mqtt_pub_fn cb, void *arg)
{
	struct {
		Gr__Alert	 al[NOTICE_LIST_MAX], *alp[NOTICE_LIST_MAX];
		char		 related[NOTICE_LIST_MAX][sizeof(a->related)];
		char		*rel[NOTICE_LIST_MAX][ALERT_RELATED_MAX];
	} w;		/* about 25 kB */
	char tag[48];
	int failed = 0, i = 0, k;

	while (i < n) {
		Gr__NoticeList nl = GR__NOTICE_LIST__INIT;
		Gr__Notice msg = GR__NOTICE__INIT;

		/* a run of consecutive ids of one county */
		for (k = 0; i + k < n && k < NOTICE_LIST_MAX; k++) {
			if (k > 0 && (a[i + k].id != a[i].id + (uint64_t)k ||
			    strcmp(a[i + k].county, a[i].county) != 0))
				break;
			alert_of(&w.al[k], &a[i + k], w.related[k], w.rel[k]);
			w.alp[k] = &w.al[k];
		}
		if (k == 1) {
			msg.body_case = GR__NOTICE__BODY_ALERT;
			msg.alert = &w.al[0];
		} else {
			nl.n_alerts = (size_t)k;
			nl.alerts = w.alp;
			msg.body_case = GR__NOTICE__BODY_LIST;
			msg.list = &nl;
		}
		snprintf(tag, sizeof(tag), "%" PRIu64 ":%d", a[i].id, k);
		if (publish_cb(m, TOPIC_DISPATCH, a[i].county, &msg.base, cb,
		    arg, tag) < 0)
			failed += k;
		i += k;
	}
	return failed;
}
