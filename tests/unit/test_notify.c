/* test_notify.c -- what the collector publishes after a batch: its new
 * cases one message per unit (lists of NOTICE_LIST_MAX at most, a lone
 * case as a plain update), its alerts one message per run of consecutive
 * ids of one county, tagged FIRST:COUNT.  mqtt_publish() is replaced
 * (-Wl,--wrap) by a recorder: no broker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../collector/notify.h"
#include "codec.h"

/* What was published: per message its topic, its tag and what it held
 * ("u:CASE" per update, "a:ID" per alert, "list" first for a list). */
#define SENT_MAX	64
static struct {
	int	 n;
	int	 fail;		/* mqtt_publish() fails */
	char	 topic[SENT_MAX][64];
	char	 tag[SENT_MAX][48];
	char	 what[SENT_MAX][2048];
} sent;

int	__wrap_mqtt_publish(struct mqtt *, const char *, const void *, size_t,
	    int, mqtt_pub_fn, void *, const char *);

static int
record(void *arg, const Gr__Notice *n)
{
	char *w = arg;
	size_t len = strlen(w);

	if (n->body_case == GR__NOTICE__BODY_UPDATE && n->update->has_event_id)
		snprintf(w + len, 2048 - len, " u:%s@%llu", n->update->case_no,
		    (unsigned long long)n->update->event_id);
	else if (n->body_case == GR__NOTICE__BODY_UPDATE)
		snprintf(w + len, 2048 - len, " u:%s", n->update->case_no);
	else if (n->body_case == GR__NOTICE__BODY_ALERT)
		snprintf(w + len, 2048 - len, " a:%llu",
		    (unsigned long long)n->alert->id);
	return 0;
}

int
__wrap_mqtt_publish(struct mqtt *m, const char *topic, const void *buf,
    size_t len, int qos, mqtt_pub_fn cb, void *cbarg, const char *tag)
{
	struct codec_arena a;
	Gr__Notice *n;
	int i = sent.n;

	(void)m;
	(void)cb;
	(void)cbarg;
	assert_int_equal(qos, 1);
	if (sent.fail)
		return -1;
	assert_true(i < SENT_MAX);
	snprintf(sent.topic[i], sizeof(sent.topic[i]), "%s", topic);
	snprintf(sent.tag[i], sizeof(sent.tag[i]), "%s", tag ? tag : "");
	codec_arena_init(&a, 1 << 20);
	n = codec_notice_decode(&a, buf, len);
	assert_non_null(n);
	sent.what[i][0] = '\0';
	if (n->body_case == GR__NOTICE__BODY_LIST)
		strcpy(sent.what[i], "list");
	codec_notice_each(n, record, sent.what[i]);
	codec_arena_free(&a);
	sent.n++;
	return 0;
}

static int
setup(void **state)
{
	struct dispatch_list *l = calloc(1, sizeof(*l));

	memset(&sent, 0, sizeof(sent));
	*state = l;
	return l == NULL;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static void
add(struct dispatch_list *l, const char *unit, int no)
{
	struct case_view v;

	memset(&v, 0, sizeof(v));
	snprintf(v.case_no, sizeof(v.case_no), "C%d", no);
	snprintf(v.unit, sizeof(v.unit), "%s", unit);
	notify_view_add(NULL, l, unit, &v);
}

/* Units interleaved: one message each, in the order of their first case,
 * each holding its cases in the order they came; a lone case is a plain
 * update. */
static void
test_grouped_by_unit(void **state)
{
	struct dispatch_list *l = *state;

	add(l, "530322101", 1);
	add(l, "530322102", 2);
	add(l, "530322101", 3);
	add(l, "530322", 4);
	add(l, "530322101", 5);
	add(l, "530322102", 6);
	assert_int_equal(notify_dispatch_flush(NULL, l), 0);
	assert_int_equal(l->n, 0);
	assert_int_equal(sent.n, 3);
	assert_string_equal(sent.topic[0], "gr/v1/dispatch/530322101");
	assert_string_equal(sent.what[0], "list u:C1 u:C3 u:C5");
	assert_string_equal(sent.topic[1], "gr/v1/dispatch/530322102");
	assert_string_equal(sent.what[1], "list u:C2 u:C6");
	assert_string_equal(sent.topic[2], "gr/v1/dispatch/530322");
	assert_string_equal(sent.what[2], " u:C4");
	/* empty: nothing */
	assert_int_equal(notify_dispatch_flush(NULL, l), 0);
	assert_int_equal(sent.n, 3);
}

/* NOTICE_LIST_MAX cases to a message at most; a full list is sent before
 * the next case is added, and nothing is lost or sent twice. */
static void
test_list_limits(void **state)
{
	struct dispatch_list *l = *state;
	char want[2048] = "list";
	int total = NOTIFY_DISPATCH_MAX + 5, seen = 0;

	for (int i = 0; i < total; i++)
		add(l, "530322101", i);
	/* the list was full once: its cases went out before the last 5 */
	assert_int_equal(l->n, 5);
	assert_int_equal(notify_dispatch_flush(NULL, l), 0);
	for (int i = 0; i < sent.n; i++) {
		const char *p = sent.what[i];
		int k = 0;

		while ((p = strstr(p, " u:")) != NULL) {
			k++;
			p++;
		}
		assert_true(k >= 1 && k <= NOTICE_LIST_MAX);
		seen += k;
	}
	assert_int_equal(seen, total);
	for (int i = 0; i < NOTICE_LIST_MAX; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
		    " u:C%d", i);
	assert_string_equal(sent.what[0], want);
	snprintf(want, sizeof(want), " u:C%d", total - 1);
	assert_true(strstr(sent.what[sent.n - 1], want) != NULL);
}

/* A snapshot's case goes to the unit that asked; the entry still names
 * the case's own unit. */
static void
test_view_to_unit(void **state)
{
	struct dispatch_list *l = *state;
	struct case_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.case_no, "C9");
	strcpy(v.unit, "530322");
	notify_view_add(NULL, l, "530322101", &v);
	assert_int_equal(notify_dispatch_flush(NULL, l), 0);
	assert_int_equal(sent.n, 1);
	assert_string_equal(sent.topic[0], "gr/v1/dispatch/530322101");
	assert_string_equal(sent.what[0], " u:C9");
}

/* An entry names the case's latest event when the view knows it (0: a
 * view without one says nothing). */
static void
test_event_id(void **state)
{
	struct dispatch_list *l = *state;
	struct case_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.case_no, "C1");
	v.event_id = 4242;
	notify_view_add(NULL, l, "530322101", &v);
	strcpy(v.case_no, "C2");
	v.event_id = 0;
	notify_view_add(NULL, l, "530322101", &v);
	assert_int_equal(notify_dispatch_flush(NULL, l), 0);
	assert_int_equal(sent.n, 1);
	assert_string_equal(sent.what[0], "list u:C1@4242 u:C2");
}

/* A message that cannot be queued counts its cases. */
static void
test_failure_counted(void **state)
{
	struct dispatch_list *l = *state;

	add(l, "530322101", 1);
	add(l, "530322101", 2);
	add(l, "530322102", 3);
	sent.fail = 1;
	assert_int_equal(notify_dispatch_flush(NULL, l), 3);
	assert_int_equal(l->n, 0);
}

static struct alert_row
alert(uint64_t id, const char *county)
{
	struct alert_row a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.kind = GR__ALERT_KIND__REPEAT;
	snprintf(a.case_no, sizeof(a.case_no), "K%llu", (unsigned long long)id);
	snprintf(a.county, sizeof(a.county), "%s", county);
	strcpy(a.related, "530322-2026-000001 530322-2026-000002");
	return a;
}

/* Alerts: a run of consecutive ids of one county in one message, tagged
 * with its first id and length; a gap in the ids or another county
 * starts a new one; a lone alert is a plain alert. */
static void
test_alert_runs(void **state)
{
	struct alert_row a[6];

	(void)state;
	a[0] = alert(5, "530322");
	a[1] = alert(6, "530322");
	a[2] = alert(7, "530322");
	a[3] = alert(9, "530322");
	a[4] = alert(10, "530323");
	a[5] = alert(11, "530323");
	assert_int_equal(notify_alerts(NULL, a, 6, NULL, NULL), 0);
	assert_int_equal(sent.n, 3);
	assert_string_equal(sent.topic[0], "gr/v1/dispatch/530322");
	assert_string_equal(sent.what[0], "list a:5 a:6 a:7");
	assert_string_equal(sent.tag[0], "5:3");
	assert_string_equal(sent.what[1], " a:9");
	assert_string_equal(sent.tag[1], "9:1");
	assert_string_equal(sent.topic[2], "gr/v1/dispatch/530323");
	assert_string_equal(sent.what[2], "list a:10 a:11");
	assert_string_equal(sent.tag[2], "10:2");
}

/* A long run is cut at NOTICE_LIST_MAX; failures count alerts. */
static void
test_alert_limits(void **state)
{
	static struct alert_row a[NOTICE_LIST_MAX + 3];
	char tag[48];
	int n = NOTICE_LIST_MAX + 3;

	(void)state;
	for (int i = 0; i < n; i++)
		a[i] = alert((uint64_t)(100 + i), "530322");
	assert_int_equal(notify_alerts(NULL, a, n, NULL, NULL), 0);
	assert_int_equal(sent.n, 2);
	snprintf(tag, sizeof(tag), "100:%d", NOTICE_LIST_MAX);
	assert_string_equal(sent.tag[0], tag);
	snprintf(tag, sizeof(tag), "%d:3", 100 + NOTICE_LIST_MAX);
	assert_string_equal(sent.tag[1], tag);
	sent.fail = 1;
	assert_int_equal(notify_alerts(NULL, a, n, NULL, NULL), n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grouped_by_unit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_to_unit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failure_counted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alert_runs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alert_limits, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
