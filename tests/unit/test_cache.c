/* test_cache.c -- the dispatcher console's SQLite copy of its feed
 * (console/cache.c): newer updates win, history keeps each event once,
 * alerts once, actions until answered, the inbox's order and overdue
 * marks, a cache of the first version brought up to date. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../console/cache.h"
#include "codec.h"
#include "utf8.h"

#define UNIT	"530322001"
#define OTHER	"530322002"
#define T0	1767312000000LL		/* 2026-01-02 00:00 UTC */
#define DAY	86400000LL

struct tdir {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	strcpy(t->dir, "/tmp/test_cache.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/cache.db", t->dir);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct tdir *t = *state;
	char p[160];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static struct cache *
open_ok(const char *path)
{
	char err[256];
	struct cache *c = cache_open(path, UNIT, err, sizeof(err));

	assert_non_null(c);
	return c;
}

/* Run sql on the cache file as another program would (an older console,
 * a hand edit), the cache closed. */
static void
cache_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A case update: case_no in state at event time at, with unit, its
 * deadlines and the actor of the event. */
static void
entry(Gr__CaseEntry *e, const char *case_no, Gr__CaseState state,
    int64_t at, const char *unit, int64_t response_due, int64_t resolve_due,
    const char *actor)
{
	*e = (Gr__CaseEntry)GR__CASE_ENTRY__INIT;
	e->case_no = (char *)(uintptr_t)case_no;
	e->has_state = 1;
	e->state = state;
	e->unit = (char *)(uintptr_t)unit;
	e->has_event_at = 1;
	e->event_at = at;
	e->has_response_due = 1;
	e->response_due = response_due;
	e->has_resolve_due = 1;
	e->resolve_due = resolve_due;
	e->event_actor = (char *)(uintptr_t)actor;
	e->summary = "摘要";
}

static int
apply(struct cache *c, Gr__CaseEntry *e)
{
	Gr__Notice n = GR__NOTICE__INIT;

	n.body_case = GR__NOTICE__BODY_UPDATE;
	n.update = e;
	return cache_apply(c, &n);
}

/* Apply a case update whose deadlines are both resolve_due. */
static int
update(struct cache *c, const char *case_no, Gr__CaseState state,
    int64_t at, const char *unit, int64_t resolve_due, const char *actor)
{
	Gr__CaseEntry e;

	entry(&e, case_no, state, at, unit, resolve_due, resolve_due, actor);
	return apply(c, &e);
}

static void
collect(void *arg, const struct case_row *r)
{
	char *out = arg;

	strcat(out, r->case_no + 12);	/* the serial number */
	strcat(out, r->overdue ? "! " : " ");
}

static void
count_event(void *arg, const struct event_row *e)
{
	(void)e;
	(*(int *)arg)++;
}

static void
test_newer_wins(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	struct case_row r;
	int events = 0;

	assert_int_equal(update(c, "530322-2026-000001",
	    GR__CASE_STATE__ROUTED, T0, UNIT, T0 + 60 * DAY, "collector"), 1);
	assert_int_equal(update(c, "530322-2026-000001",
	    GR__CASE_STATE__ACCEPTED, T0 + 1000, UNIT, T0 + 60 * DAY, "d1"), 1);
	/* the same update again (a snapshot, a resend) is no news */
	assert_int_equal(update(c, "530322-2026-000001",
	    GR__CASE_STATE__ACCEPTED, T0 + 1000, UNIT, T0 + 60 * DAY, "d1"), 0);
	/* an older one arriving late does not undo the newer state */
	assert_int_equal(update(c, "530322-2026-000001",
	    GR__CASE_STATE__ROUTED, T0, UNIT, T0 + 60 * DAY, "collector"), 0);
	assert_int_equal(cache_case(c, "530322-2026-000001", T0, &r), 0);
	assert_int_equal(r.state, GR__CASE_STATE__ACCEPTED);
	assert_int_equal(cache_history(c, "530322-2026-000001", count_event,
	    &events), 2);
	assert_int_equal(events, 2);
	assert_int_equal(cache_case(c, "530322-2026-000009", T0, &r), 1);
	assert_int_equal(cache_case_count(c), 1);
	cache_close(c);
}

/* Apply an update of case 000001 in state at time at with event id id
 * (0: none). */
static int
update_id(struct cache *c, Gr__CaseState state, int64_t at, uint64_t id)
{
	Gr__CaseEntry e;

	entry(&e, "530322-2026-000001", state, at, UNIT, T0 + 60 * DAY,
	    T0 + 60 * DAY, "d1");
	e.has_event_id = id > 0;
	e.event_id = id;
	return apply(c, &e);
}

static int
state_of(struct cache *c)
{
	struct case_row r;

	assert_int_equal(cache_case(c, "530322-2026-000001", T0, &r), 0);
	return r.state;
}

/*
 * Updates are ordered by event id when both have one: an escalation by a
 * sweep whose transaction started before an accept but committed after it
 * has the earlier time and the greater id, and stays.
 */
static void
test_event_id_order(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);

	assert_int_equal(update_id(c, GR__CASE_STATE__ROUTED, T0, 5), 1);
	assert_int_equal(update_id(c, GR__CASE_STATE__ACCEPTED, T0 + 30, 7),
	    1);
	assert_int_equal(update_id(c, GR__CASE_STATE__ESCALATED, T0 + 20, 8),
	    1);
	assert_int_equal(state_of(c), GR__CASE_STATE__ESCALATED);
	/* the same update again is no news */
	assert_int_equal(update_id(c, GR__CASE_STATE__ESCALATED, T0 + 20, 8),
	    0);
	/* the accept again (a resend of its notice) is older */
	assert_int_equal(update_id(c, GR__CASE_STATE__ACCEPTED, T0 + 30, 7),
	    0);
	assert_int_equal(state_of(c), GR__CASE_STATE__ESCALATED);
	/* from an older collector, without an id: by time (its event is
	 * news to the history, not to the case) */
	assert_int_equal(update_id(c, GR__CASE_STATE__ROUTED, T0 + 19, 0), 1);
	assert_int_equal(state_of(c), GR__CASE_STATE__ESCALATED);
	assert_int_equal(update_id(c, GR__CASE_STATE__ACCEPTED, T0 + 40, 0),
	    1);
	assert_int_equal(state_of(c), GR__CASE_STATE__ACCEPTED);
	assert_int_equal(update_id(c, GR__CASE_STATE__ASSIGNED, T0 + 50, 9),
	    1);
	cache_close(c);

	/* An older console applies a later update and leaves the id: it is
	 * no longer the row's, and times decide. */
	cache_sql(t->path, "UPDATE case_entry SET state = 5,"
	    " event_at = event_at + 20");
	c = open_ok(t->path);
	assert_int_equal(update_id(c, GR__CASE_STATE__VISITED, T0 + 60, 10),
	    1);		/* to the history */
	assert_int_equal(state_of(c), GR__CASE_STATE__RESOLVED);
	assert_int_equal(update_id(c, GR__CASE_STATE__VISITED, T0 + 80, 11),
	    1);
	assert_int_equal(state_of(c), GR__CASE_STATE__VISITED);
	cache_close(c);
}

static void
collect_state(void *arg, const struct event_row *e)
{
	char *out = arg;

	snprintf(out + strlen(out), 64 - strlen(out), "%d ", e->state);
}

/*
 * The history is in the order of the events' ids: the sweep's escalation
 * that started before the accept and committed after it is the last line,
 * as it is the case's state.  A line without an id (a cache kept before
 * the history had them, an older collector) comes after the lines with an
 * id no later than it.
 */
static void
test_history_order(void **state)
{
	struct tdir *t = *state;
	struct cache *c;
	char got[64] = "";

	cache_sql(t->path,
	    "CREATE TABLE history (case_no TEXT NOT NULL, at INTEGER NOT NULL,"
	    " state INTEGER NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL,"
	    " unit TEXT NOT NULL, PRIMARY KEY (case_no, at, state, actor));"
	    "INSERT INTO history VALUES ('530322-2026-000001', 1, 1, 'w', '', '"
	    UNIT "');");

	c = open_ok(t->path);
	assert_int_equal(update_id(c, GR__CASE_STATE__ROUTED, T0, 5), 1);
	assert_int_equal(update_id(c, GR__CASE_STATE__ESCALATED, T0 + 20, 8),
	    1);
	assert_int_equal(update_id(c, GR__CASE_STATE__ACCEPTED, T0 + 30, 7),
	    1);		/* to the history */
	assert_int_equal(cache_history(c, "530322-2026-000001", collect_state,
	    got), 4);
	snprintf(got + strlen(got), sizeof(got) - strlen(got), "/ %d",
	    state_of(c));
	assert_string_equal(got, "1 2 3 8 / 8");
	/* from an older collector, without an id, later than them all: the
	 * case's state, and the last line */
	assert_int_equal(update_id(c, GR__CASE_STATE__ASSIGNED, T0 + 40, 0),
	    1);
	got[0] = '\0';
	assert_int_equal(cache_history(c, "530322-2026-000001", collect_state,
	    got), 5);
	snprintf(got + strlen(got), sizeof(got) - strlen(got), "/ %d",
	    state_of(c));
	assert_string_equal(got, "1 2 3 8 4 / 4");
	cache_close(c);
}

static void
keep_note(void *arg, const struct event_row *e)
{
	memcpy(arg, e->note, sizeof(e->note));
}

/* A note longer than the event's field is cut between characters. */
static void
test_long_note(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	Gr__CaseEntry e;
	char note[3000] = "", got[sizeof(((struct event_row *)0)->note)];

	/* 2 + 3 * 999 bytes: a byte-wise cut at the field's size would fall
	 * inside a character */
	strcpy(note, "ab");
	for (int i = 0; i < 999; i++)
		strcat(note, "调");
	entry(&e, "530322-2026-000001", GR__CASE_STATE__ACCEPTED, T0, UNIT,
	    T0 + DAY, T0 + 30 * DAY, "d1");
	e.event_note = note;
	assert_int_equal(apply(c, &e), 1);
	assert_int_equal(cache_history(c, e.case_no, keep_note, got), 1);
	assert_true(strlen(got) > 2000);
	assert_true(strlen(got) < sizeof(got));
	assert_true(utf8_chars(got, strlen(got)) > 0);
	assert_int_equal(strncmp(got, note, strlen(got)), 0);
	cache_close(c);
}

static void
test_inbox_order(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	char got[256] = "";

	/* 1: accepted, due later; 2: new; 3: accepted, overdue; 4: closed;
	 * 5: with another unit (escalated) */
	update(c, "530322-2026-000001", GR__CASE_STATE__ACCEPTED, T0, UNIT,
	    T0 + 30 * DAY, "d1");
	update(c, "530322-2026-000002", GR__CASE_STATE__ROUTED, T0, UNIT,
	    T0 + 60 * DAY, "collector");
	update(c, "530322-2026-000003", GR__CASE_STATE__ACCEPTED, T0, UNIT,
	    T0 + 2 * DAY, "d1");
	update(c, "530322-2026-000004", GR__CASE_STATE__CLOSED, T0, UNIT,
	    T0 + 2 * DAY, "d1");
	update(c, "530322-2026-000005", GR__CASE_STATE__ESCALATED, T0,
	    "530322", T0 + 2 * DAY, "d1");
	assert_int_equal(cache_inbox(c, UNIT, 0, T0 + 5 * DAY, collect, got),
	    3);
	assert_string_equal(got, "000003! 000002 000001 ");
	got[0] = '\0';
	assert_int_equal(cache_inbox(c, UNIT, 1, T0 + 5 * DAY, collect, got),
	    5);
	cache_close(c);
}

/* A reopened case waits to be accepted again: past its new response
 * deadline it is overdue, as a routed one is; an accepted one is not. */
static void
test_overdue_reopened(void **state)
{
	static const Gr__CaseState st[] = { GR__CASE_STATE__REOPENED,
	    GR__CASE_STATE__ROUTED, GR__CASE_STATE__ACCEPTED };
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	Gr__CaseEntry e;
	char no[32], got[256] = "";

	for (int i = 0; i < 3; i++) {
		snprintf(no, sizeof(no), "530322-2026-00000%d", i + 1);
		entry(&e, no, st[i], T0, UNIT, T0 + DAY, T0 + 30 * DAY, "d1");
		assert_int_equal(apply(c, &e), 1);
	}
	assert_int_equal(cache_inbox(c, UNIT, 0, T0 + 5 * DAY, collect, got),
	    3);
	assert_string_equal(got, "000002! 000001! 000003 ");
	cache_close(c);
}

/* With the time the case was accepted (0: not in this round), overdue is
 * what the collector's sweep counts: a supervised case accepted and given
 * more time is not overdue, one never accepted is past its response
 * deadline.  Without it (an older collector) a supervised case is taken
 * as overdue. */
static void
test_overdue_accepted_at(void **state)
{
	static const struct {
		Gr__CaseState	state;
		int		has;
		int64_t		accepted_at;
	} c5[] = {
		{ GR__CASE_STATE__SUPERVISED, 1, T0 },
		{ GR__CASE_STATE__SUPERVISED, 1, 0 },
		{ GR__CASE_STATE__ACCEPTED, 1, T0 },
		{ GR__CASE_STATE__ROUTED, 1, 0 },
		{ GR__CASE_STATE__SUPERVISED, 0, 0 },
	};
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	Gr__CaseEntry e;
	char no[32], got[256] = "";

	for (int i = 0; i < 5; i++) {
		snprintf(no, sizeof(no), "530322-2026-00000%d", i + 1);
		entry(&e, no, c5[i].state, T0, UNIT, T0 + DAY, T0 + 30 * DAY,
		    "d1");
		e.has_accepted_at = c5[i].has;
		e.accepted_at = c5[i].accepted_at;
		assert_int_equal(apply(c, &e), 1);
	}
	assert_int_equal(cache_inbox(c, UNIT, 0, T0 + 5 * DAY, collect, got),
	    5);
	assert_string_equal(got, "000004! 000002! 000005! 000001 000003 ");
	/* accepted since: no longer overdue */
	entry(&e, "530322-2026-000002", GR__CASE_STATE__SUPERVISED, T0 + DAY,
	    UNIT, T0 + DAY, T0 + 30 * DAY, "d1");
	e.has_accepted_at = 1;
	e.accepted_at = T0 + DAY;
	assert_int_equal(apply(c, &e), 1);
	got[0] = '\0';
	cache_inbox(c, UNIT, 0, T0 + 5 * DAY, collect, got);
	assert_string_equal(got, "000004! 000005! 000001 000002 000003 ");
	cache_close(c);
}

/* A cache of the first version (no accepted_at) is brought up to date
 * when opened: its cases are kept, and then take the new columns; a
 * console of the first version may still open it afterwards. */
static void
test_upgrade_v1(void **state)
{
	struct tdir *t = *state;
	struct cache *c;
	Gr__CaseEntry e;
	char got[256] = "";

	cache_sql(t->path,
	    "CREATE TABLE case_entry (case_no TEXT PRIMARY KEY, report_id TEXT,"
	    " state INTEGER, level INTEGER, unit TEXT, unit_name TEXT,"
	    " grid TEXT, worker TEXT, category TEXT, item TEXT,"
	    " colour INTEGER, people INTEGER, summary TEXT,"
	    " opened_at INTEGER, response_due INTEGER, resolve_due INTEGER,"
	    " route_rule TEXT, route_reason TEXT, department TEXT,"
	    " satisfaction INTEGER, on_spot INTEGER, event_at INTEGER NOT NULL);"
	    "INSERT INTO case_entry (case_no, state, unit, response_due,"
	    " resolve_due, event_at) VALUES ('530322-2026-000001', 9, '"
	    UNIT "', 0, 9999999999999, 1);"
	    "PRAGMA user_version = 1;");

	c = open_ok(t->path);
	cache_inbox(c, UNIT, 0, T0, collect, got);
	assert_string_equal(got, "000001! ");	/* supervised, not said */
	entry(&e, "530322-2026-000001", GR__CASE_STATE__SUPERVISED, T0, UNIT,
	    T0 - DAY, T0 + 30 * DAY, "d1");
	e.has_accepted_at = 1;
	e.accepted_at = T0 - DAY;
	assert_int_equal(apply(c, &e), 1);
	got[0] = '\0';
	cache_inbox(c, UNIT, 0, T0, collect, got);
	assert_string_equal(got, "000001 ");
	cache_close(c);

	/* A console of the first version opens it again (user_version 1)
	 * and applies a later update, a reopen, leaving accepted_at: the new
	 * console still opens the cache, and no longer trusts accepted_at. */
	cache_sql(t->path, "PRAGMA user_version = 1;"
	    "UPDATE case_entry SET state = 11, response_due = 1,"
	    " event_at = event_at + 1");
	c = open_ok(t->path);
	got[0] = '\0';
	cache_inbox(c, UNIT, 0, T0, collect, got);
	assert_string_equal(got, "000001! ");
	cache_close(c);
}

static void
test_alert_once(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	Gr__Alert a = GR__ALERT__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	char *related[] = { "530322-2026-000001", "530322-2026-000002" };

	a.has_id = 1;
	a.id = 7;
	a.has_kind = 1;
	a.kind = GR__ALERT_KIND__DOUBLE_CHECK;
	a.case_no = "530322-2026-000003";
	a.n_related = 2;
	a.related = related;
	n.body_case = GR__NOTICE__BODY_ALERT;
	n.alert = &a;
	assert_int_equal(cache_apply(c, &n), 1);
	assert_int_equal(cache_apply(c, &n), 0);	/* published again */
	cache_close(c);
}

static void
count_alert(void *arg, const struct alert_row_c *a)
{
	(void)a;
	(*(int *)arg)++;
}

/* A list (a batch's cases of a unit, a batch's alerts) is applied entry by
 * entry, as the same notices alone would be. */
static void
test_list(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	Gr__CaseEntry e[2], *ep[] = { &e[0], &e[1] };
	Gr__Alert a = GR__ALERT__INIT, *ap[] = { &a };
	Gr__NoticeList l = GR__NOTICE_LIST__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	struct case_row r;
	int alerts = 0;

	entry(&e[0], "530322-2026-000011", GR__CASE_STATE__ROUTED, 1000,
	    "530322100", 2000, 3000, "collector");
	entry(&e[1], "530322-2026-000012", GR__CASE_STATE__ROUTED, 1001,
	    "530322100", 2001, 3001, "collector");
	a.has_id = 1;
	a.id = 9;
	a.has_kind = 1;
	a.kind = GR__ALERT_KIND__REPEAT;
	a.case_no = "530322-2026-000012";
	l.n_updates = 2;
	l.updates = ep;
	l.n_alerts = 1;
	l.alerts = ap;
	n.body_case = GR__NOTICE__BODY_LIST;
	n.list = &l;
	assert_int_equal(cache_apply(c, &n), 1);
	assert_int_equal(cache_case_count(c), 2);
	assert_int_equal(cache_case(c, "530322-2026-000012", 1002, &r), 0);
	assert_int_equal(r.resolve_due, 3001);
	assert_int_equal(cache_alerts(c, 10, count_alert, &alerts), 1);
	assert_int_equal(alerts, 1);
	/* all known: no news */
	assert_int_equal(cache_apply(c, &n), 0);
	/* one entry new among known ones is news */
	entry(&e[1], "530322-2026-000012", GR__CASE_STATE__ACCEPTED, 1500,
	    "530322100", 2001, 3001, "dispatcher");
	assert_int_equal(cache_apply(c, &n), 1);
	assert_int_equal(cache_case(c, "530322-2026-000012", 1600, &r), 0);
	assert_int_equal(r.state, GR__CASE_STATE__ACCEPTED);
	cache_close(c);
}

static void
test_actions(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	static const uint8_t p[] = { 1, 2, 3 };
	Gr__ActionResult r = GR__ACTION_RESULT__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	struct action_row *v, a;
	size_t nv;

	assert_int_equal(cache_action_add(c, "01KA0000000000000000000001",
	    "530322-2026-000001", 1, p, sizeof(p), T0), 0);
	assert_int_equal(cache_action_add(c, "01KA0000000000000000000002",
	    "", 10, p, sizeof(p), T0 + 1), 0);
	assert_int_equal(cache_actions_pending(c, &v, &nv), 0);
	assert_int_equal(nv, 2);
	assert_string_equal(v[0].id, "01KA0000000000000000000001");
	assert_memory_equal(v[0].payload, p, sizeof(p));
	cache_actions_free(v, nv);

	r.action_id = "01KA0000000000000000000001";
	r.has_ok = 1;
	r.ok = 0;
	r.reason = "illegal_transition";
	r.message = "cannot close a case that is routed";
	n.body_case = GR__NOTICE__BODY_RESULT;
	n.result = &r;
	assert_int_equal(cache_apply(c, &n), 1);
	/* the first answer stands */
	r.ok = 1;
	assert_int_equal(cache_apply(c, &n), 0);
	assert_int_equal(cache_action(c, "01KA0000000000000000000001", &a), 0);
	assert_true(a.answered);
	assert_false(a.ok);
	assert_string_equal(a.reason, "illegal_transition");
	assert_int_equal(cache_actions_pending(c, &v, &nv), 0);
	assert_int_equal(nv, 1);
	cache_actions_free(v, nv);
	assert_int_equal(cache_action(c, "01KA0000000000000000000009", &a), 1);
	cache_close(c);
}

/* The unit's cases due again: kept across opens until cleared. */
static void
test_snapshot_due(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);

	assert_int_equal(cache_snapshot_due(c), 0);
	assert_int_equal(cache_set_snapshot_due(c, 1), 0);
	assert_int_equal(cache_set_snapshot_due(c, 1), 0);
	cache_close(c);
	c = open_ok(t->path);
	assert_int_equal(cache_snapshot_due(c), 1);
	assert_int_equal(cache_set_snapshot_due(c, 0), 0);
	assert_int_equal(cache_snapshot_due(c), 0);
	cache_close(c);
	cache_sql(t->path, "INSERT INTO snapshot_due VALUES (1)");
	c = open_ok(t->path);
	assert_int_equal(cache_snapshot_due(c), 1);
	assert_int_equal(cache_set_snapshot_due(c, 0), 0);
	assert_int_equal(cache_snapshot_due(c), 0);
	cache_close(c);
}

static void
test_private_and_unusable(void **state)
{
	struct tdir *t = *state;
	struct cache *c = open_ok(t->path);
	struct stat st;
	char err[256];
	FILE *fp;

	cache_close(c);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fp = fopen(t->path, "w");
	assert_non_null(fp);
	fputs("not a database, but long enough to be read as one: "
	    "0123456789012345678901234567890123456789", fp);
	fclose(fp);
	assert_null(cache_open(t->path, UNIT, err, sizeof(err)));
	assert_non_null(strstr(err, "is not usable"));
}

/*
 * A cache is one unit's: another unit opening it would send its unanswered
 * actions on its own topic, be refused for the mismatch, and take that for
 * their answer.  The first unit to open a cache owns it; a cache of an
 * earlier console (no owner) goes to the first unit none of whose
 * unanswered actions is another's.
 */
static void
test_owner(void **state)
{
	struct tdir *t = *state;
	Gr__Action a = GR__ACTION__INIT;
	struct cache *c = open_ok(t->path);
	char err[512];
	uint8_t *p;
	size_t len;

	cache_close(c);
	/* no unit, or a malformed one: whose would it be? */
	err[0] = '\0';
	assert_null(cache_open(t->path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "no valid unit"));
	assert_null(cache_open(t->path, "53 03", err, sizeof(err)));
	err[0] = '\0';
	assert_null(cache_open(t->path, OTHER, err, sizeof(err)));
	assert_non_null(strstr(err, "is unit " UNIT "'s; unit " OTHER));
	cache_close(open_ok(t->path));

	/* no owner, and an unanswered action of OTHER's */
	cache_sql(t->path, "DELETE FROM cache_owner");
	a.id = "01KDX00000000000000000000B";
	a.unit = OTHER;
	a.case_no = "530322-2026-000001";
	p = codec_pack(&a.base, &len);
	c = cache_open(t->path, OTHER, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(cache_action_add(c, a.id, a.case_no, 1, p, len, T0),
	    0);
	cache_close(c);
	free(p);
	cache_sql(t->path, "DELETE FROM cache_owner");
	err[0] = '\0';
	assert_null(cache_open(t->path, UNIT, err, sizeof(err)));
	assert_non_null(strstr(err, "is unit " OTHER "'s; unit " UNIT));
	c = cache_open(t->path, OTHER, err, sizeof(err));
	assert_non_null(c);
	cache_close(c);
	assert_null(cache_open(t->path, UNIT, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_note, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overdue_reopened, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overdue_accepted_at, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_id_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_wins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inbox_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_alert_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_due, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_private_and_unusable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
