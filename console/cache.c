/* cache.c -- the dispatcher console's SQLite copy of its dispatch feed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "case_order.h"
#include "codec.h"
#include "topic.h"
#include "utf8.h"
#include "util.h"

struct cache {
	sqlite3	*db;
	char	 why[256];	/* the error a ROLLBACK hid (cache_apply()) */
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS case_entry ("
	" case_no TEXT PRIMARY KEY, report_id TEXT, state INTEGER,"
	" level INTEGER, unit TEXT, unit_name TEXT, grid TEXT, worker TEXT,"
	" category TEXT, item TEXT, colour INTEGER, people INTEGER,"
	" summary TEXT, opened_at INTEGER, response_due INTEGER,"
	" resolve_due INTEGER, route_rule TEXT, route_reason TEXT,"
	" department TEXT, satisfaction INTEGER, on_spot INTEGER,"
	" event_at INTEGER NOT NULL, accepted_at INTEGER,"
	" accepted_for INTEGER, event_id INTEGER, event_id_for INTEGER);"
	"CREATE TABLE IF NOT EXISTS history ("
	" case_no TEXT NOT NULL, at INTEGER NOT NULL, state INTEGER NOT NULL,"
	" actor TEXT NOT NULL, note TEXT NOT NULL, unit TEXT NOT NULL,"
	" event_id INTEGER, PRIMARY KEY (case_no, at, state, actor));"
	"CREATE TABLE IF NOT EXISTS alert ("
	" id INTEGER PRIMARY KEY, kind INTEGER, case_no TEXT, township TEXT,"
	" township_name TEXT, related TEXT, note TEXT, raised_at INTEGER);"
	"CREATE TABLE IF NOT EXISTS action ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
	" case_no TEXT NOT NULL, kind INTEGER NOT NULL, payload BLOB NOT NULL,"
	" created_at INTEGER NOT NULL, answered INTEGER NOT NULL DEFAULT 0,"
	" ok INTEGER, reason TEXT, message TEXT);"
	"CREATE TABLE IF NOT EXISTS cache_owner (unit TEXT NOT NULL);"
	/* a row: the unit's cases are to be fetched again */
	"CREATE TABLE IF NOT EXISTS snapshot_due (since INTEGER NOT NULL);"
	"PRAGMA user_version = 1;";

/*
 * Columns added since the first cache, each added to a cache without it
 * when opened.  By the column, not by user_version: a console of the first
 * version sets that to 1 at each open.  accepted_at: when the case's round
 * was accepted (0: not yet), with accepted_for, the event_at of the update
 * that said so: an older console applying a later update leaves both, and
 * accepted_at then no longer counts.  event_id: the id of the case's
 * latest event, which orders updates as they were committed (event_at,
 * the start of the writing transaction, need not), with event_id_for, the
 * event_at of the update that carried it, for the same reason.  In the
 * history, event_id is the id of the event a line records: the history is
 * in the order the events were committed, its last line the case's state.
 */
static const struct {
	const char	*table;
	const char	*column;
} added_cols[] = {
	{ "case_entry", "accepted_at" }, { "case_entry", "accepted_for" },
	{ "case_entry", "event_id" }, { "case_entry", "event_id_for" },
	{ "history", "event_id" },
};

/* Open states: a case is overdue in one of them past its resolution
 * deadline, or not accepted past its response deadline, as the collector's
 * sweep counts.  Without word of when the latest update's round was
 * accepted (an older collector; accepted_for not the latest event), a
 * routed or reopened case is taken as not accepted and a supervised one as
 * overdue. */
#define OPEN_STATES	"(2, 3, 4, 8, 9, 11)"
#define CASE_COLS \
	"case_no, report_id, state, level, unit, unit_name, grid, worker," \
	" category, item, colour, people, summary, opened_at, response_due," \
	" resolve_due, route_rule, route_reason, department, satisfaction," \
	" on_spot, event_at," \
	" state IN " OPEN_STATES " AND (resolve_due < ?1 OR CASE WHEN" \
	" accepted_for IS event_at THEN accepted_at = 0 AND response_due < ?1" \
	" ELSE state = 9 OR (state IN (2, 11) AND response_due < ?1) END)" \
	" AS overdue"

static int	exec1(struct cache *, const char *, sqlite3_stmt **);
static int	claim(struct cache *, const char *, const char *, char *,
		    size_t);
static int	has_column(struct cache *, const char *, const char *);
static int	add_columns(struct cache *, char *, size_t);
static void	col(sqlite3_stmt *, int, char *, size_t);
static void	bind_text(sqlite3_stmt *, int, const char *);
static void	read_case(sqlite3_stmt *, struct case_row *);
static int	apply_update(struct cache *, const Gr__CaseEntry *);
static int	apply_alert(struct cache *, const Gr__Alert *);
static int	apply_result(struct cache *, const Gr__ActionResult *);

struct cache *
cache_open(const char *path, const char *unit, char *err, size_t errsize)
{
	struct cache *c;
	char why[256] = "";
	int fd;

	if (!topic_id_valid(unit)) {
		snprintf(err, errsize, "case cache %s: no valid unit to open it "
		    "for", path);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));

	/* Created here so that it is private from the start. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errsize, "cannot open the case cache %s: %s",
		    path, strerror(errno));
		free(c);
		return NULL;
	}
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_busy_timeout(c->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    add_columns(c, why, sizeof(why)) < 0) {
		snprintf(err, errsize, "case cache %s is not usable: %s", path,
		    why[0] != '\0' ? why : sqlite3_errmsg(c->db));
		goto fail;
	}
	if (claim(c, path, unit, err, errsize) < 0)
		goto fail;
	return c;
fail:
	sqlite3_close(c->db);
	free(c);
	return NULL;
}

/*
 * A cache is one unit's: its feed, its cases, and its actions not answered
 * yet.  Opened as another unit, it would have that unit send them on its
 * own topic, where the collector refuses them (the topic's unit is not the
 * action's), and take the refusal for their answer: lost.  So the first
 * unit to open a cache owns it, and another is turned away.  A cache of an
 * earlier console, with no owner, goes to the first unit that opens it,
 * unless it holds an unanswered action of another.  0, or -1 with err.
 */
static int
claim(struct cache *c, const char *path, const char *unit, char *err,
    size_t errsize)
{
	struct codec_arena arena;
	sqlite3_stmt *st = NULL;
	const Gr__Action *a;
	char owner[64] = "";
	int rc;

	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto dberr;
	if (sqlite3_prepare_v2(c->db, "SELECT unit FROM cache_owner LIMIT 1",
	    -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		col(st, 0, owner, sizeof(owner));
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto dberr;
	if (owner[0] == '\0') {
		codec_arena_init(&arena, 64 * 1024);
		if (sqlite3_prepare_v2(c->db, "SELECT payload FROM action"
		    " WHERE answered = 0", -1, &st, NULL) != SQLITE_OK) {
			codec_arena_free(&arena);
			goto dberr;
		}
		while (owner[0] == '\0' &&
		    (rc = sqlite3_step(st)) == SQLITE_ROW) {
			codec_arena_reset(&arena);
			a = codec_action_decode(&arena,
			    sqlite3_column_blob(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
			if (a != NULL && a->unit != NULL &&
			    strcmp(a->unit, unit) != 0)
				snprintf(owner, sizeof(owner), "%s", a->unit);
		}
		codec_arena_free(&arena);
		sqlite3_finalize(st);
		st = NULL;
		if (owner[0] == '\0' && rc != SQLITE_DONE)
			goto dberr;
		if (owner[0] == '\0') {
			if (sqlite3_prepare_v2(c->db, "INSERT INTO cache_owner"
			    " (unit) VALUES (?1)", -1, &st, NULL) != SQLITE_OK)
				goto dberr;
			bind_text(st, 1, unit);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			st = NULL;
			if (rc != SQLITE_DONE)
				goto dberr;
			snprintf(owner, sizeof(owner), "%s", unit);
		}
	}
	if (strcmp(owner, unit) != 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		snprintf(err, errsize, "case cache %s is unit %s's; unit %s "
		    "needs a cache of its own (-C FILE, or 'cache' in the "
		    "configuration)", path, owner, unit);
		return -1;
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	return 0;
dberr:
	snprintf(err, errsize, "case cache %s is not usable: %s", path,
	    sqlite3_errmsg(c->db));
	sqlite3_finalize(st);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Whether table has column name: 1 or 0, or an SQLite error code
 * (negated). */
static int
has_column(struct cache *c, const char *table, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM"
	    " pragma_table_info(?1) WHERE name = ?2", -1, &st,
	    NULL)) != SQLITE_OK)
		return -rc;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -rc;
}

/* Add the columns a cache made by an earlier console lacks, in one
 * transaction, whoever opens it first; a cache that has them all (every
 * open but the first) is only read.  -1 with the error in why. */
static int
add_columns(struct cache *c, char *why, size_t whysize)
{
	const size_t n = sizeof(added_cols) / sizeof(added_cols[0]);
	char sql[96];
	size_t i;
	int rc = SQLITE_OK, has;

	for (i = 0; i < n && has_column(c, added_cols[i].table,
	    added_cols[i].column) == 1; i++)
		;
	if (i == n)
		return 0;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	/* again, in the transaction: another console may have added them */
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		if ((has = has_column(c, added_cols[i].table,
		    added_cols[i].column)) < 0)
			rc = -has;
		else if (has == 0) {
			snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD"
			    " COLUMN %s INTEGER", added_cols[i].table,
			    added_cols[i].column);
			rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		/* before the ROLLBACK replaces it */
		snprintf(why, whysize, "%s", sqlite3_errmsg(c->db));
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

const char *
cache_error(struct cache *c)
{
	if (c->why[0] != '\0' && sqlite3_errcode(c->db) == SQLITE_OK)
		return c->why;
	return sqlite3_errmsg(c->db);
}

static int
exec1(struct cache *c, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(c->db, sql, -1, st, NULL) == SQLITE_OK ? 0 :
	    -1;
}

static void
col(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	/* Cut between characters: a note may be longer than its field. */
	(void)utf8_copy(buf, s != NULL ? (const char *)s : "", size);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
}

static int
apply_update(struct cache *c, const Gr__CaseEntry *e)
{
	static const char up[] =
	    "INSERT INTO case_entry (case_no, report_id, state, level, unit,"
	    " unit_name, grid, worker, category, item, colour, people, summary,"
	    " opened_at, response_due, resolve_due, route_rule, route_reason,"
	    " department, satisfaction, on_spot, event_at, accepted_at,"
	    " accepted_for, event_id, event_id_for) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
	    " ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
	    " ON CONFLICT (case_no) DO UPDATE SET state = ?3, level = ?4,"
	    " unit = ?5, unit_name = ?6, response_due = ?15, resolve_due = ?16,"
	    " department = ?19, satisfaction = ?20, event_at = ?22,"
	    " accepted_at = ?23, accepted_for = ?24, event_id = ?25,"
	    " event_id_for = ?26"
	    " WHERE " CASE_UPDATE_NEWER("case_entry", "event_at", "event_id",
	    "event_id_for", "?22", "?25", "<");
	static const char ev[] =
	    "INSERT OR IGNORE INTO history (case_no, at, state, actor, note,"
	    " unit, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st;
	int news = 0;

	if (e->case_no == NULL || !e->has_event_at)
		return 0;
	if (exec1(c, up, &st) < 0)
		return -1;
	bind_text(st, 1, e->case_no);
	bind_text(st, 2, e->report_id);
	sqlite3_bind_int(st, 3, e->state);
	sqlite3_bind_int(st, 4, e->level);
	bind_text(st, 5, e->unit);
	bind_text(st, 6, e->unit_name);
	bind_text(st, 7, e->grid_code);
	bind_text(st, 8, e->worker_id);
	bind_text(st, 9, e->category);
	bind_text(st, 10, e->item);
	sqlite3_bind_int(st, 11, e->colour);
	sqlite3_bind_int64(st, 12, e->people);
	bind_text(st, 13, e->summary);
	sqlite3_bind_int64(st, 14, e->opened_at);
	sqlite3_bind_int64(st, 15, e->response_due);
	sqlite3_bind_int64(st, 16, e->resolve_due);
	bind_text(st, 17, e->route_rule);
	bind_text(st, 18, e->route_reason);
	bind_text(st, 19, e->department);
	sqlite3_bind_int64(st, 20, e->has_satisfaction ? e->satisfaction : 0);
	sqlite3_bind_int(st, 21, e->resolved_on_spot);
	sqlite3_bind_int64(st, 22, e->event_at);
	if (e->has_accepted_at) {
		sqlite3_bind_int64(st, 23, e->accepted_at);
		sqlite3_bind_int64(st, 24, e->event_at);
	} else {
		sqlite3_bind_null(st, 23);
		sqlite3_bind_null(st, 24);
	}
	if (case_event_id(e) > 0) {
		sqlite3_bind_int64(st, 25, case_event_id(e));
		sqlite3_bind_int64(st, 26, e->event_at);
	} else {
		sqlite3_bind_null(st, 25);
		sqlite3_bind_null(st, 26);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return -1;
	}
	news += sqlite3_changes(c->db);
	sqlite3_finalize(st);

	if (exec1(c, ev, &st) < 0)
		return -1;
	bind_text(st, 1, e->case_no);
	sqlite3_bind_int64(st, 2, e->event_at);
	sqlite3_bind_int(st, 3, e->state);
	bind_text(st, 4, e->event_actor);
	bind_text(st, 5, e->event_note);
	bind_text(st, 6, e->unit);
	if (case_event_id(e) > 0)
		sqlite3_bind_int64(st, 7, case_event_id(e));
	else
		sqlite3_bind_null(st, 7);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return -1;
	}
	news += sqlite3_changes(c->db);
	sqlite3_finalize(st);
	return news > 0;
}

static int
apply_alert(struct cache *c, const Gr__Alert *a)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO alert (id, kind, case_no, township,"
	    " township_name, related, note, raised_at) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6, ?7, ?8)";
	char related[512] = "";
	size_t len = 0;
	sqlite3_stmt *st;
	int rc;

	if (!a->has_id)
		return 0;
	for (size_t i = 0; i < a->n_related && len < sizeof(related); i++)
		len += (size_t)snprintf(related + len, sizeof(related) - len,
		    "%s%s", i ? " " : "", a->related[i]);
	if (exec1(c, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->id);
	sqlite3_bind_int(st, 2, a->kind);
	bind_text(st, 3, a->case_no);
	bind_text(st, 4, a->township);
	bind_text(st, 5, a->township_name);
	bind_text(st, 6, related);
	bind_text(st, 7, a->note);
	sqlite3_bind_int64(st, 8, a->raised_at);
	rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(c->db) > 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

static int
apply_result(struct cache *c, const Gr__ActionResult *r)
{
	static const char sql[] =
	    "UPDATE action SET answered = 1, ok = ?2, reason = ?3, message = ?4"
	    " WHERE id = ?1 AND answered = 0";
	sqlite3_stmt *st;
	int rc;

	if (r->action_id == NULL)
		return 0;
	if (exec1(c, sql, &st) < 0)
		return -1;
	bind_text(st, 1, r->action_id);
	sqlite3_bind_int(st, 2, r->ok);
	bind_text(st, 3, r->reason);
	bind_text(st, 4, r->message);
	rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(c->db) > 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

static int
apply_one(void *arg, const Gr__Notice *n)
{
	struct cache *c = arg;

	switch (n->body_case) {
	case GR__NOTICE__BODY_UPDATE:
		return apply_update(c, n->update);
	case GR__NOTICE__BODY_ALERT:
		return apply_alert(c, n->alert);
	case GR__NOTICE__BODY_RESULT:
		return apply_result(c, n->result);
	default:
		return 0;
	}
}

/* A message in one transaction: a unit's cases sent again (a list of
 * thousands) costs one fsync, not two a case, and is kept whole or not. */
int
cache_apply(struct cache *c, const Gr__Notice *n)
{
	int rc;

	c->why[0] = '\0';
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	if ((rc = codec_notice_each(n, apply_one, c)) >= 0 &&
	    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return rc;
	/* kept for cache_error(): the ROLLBACK's success would hide it */
	snprintf(c->why, sizeof(c->why), "%s", sqlite3_errmsg(c->db));
	if (sqlite3_get_autocommit(c->db) == 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void
read_case(sqlite3_stmt *st, struct case_row *r)
{
	memset(r, 0, sizeof(*r));
	col(st, 0, r->case_no, sizeof(r->case_no));
	col(st, 1, r->report_id, sizeof(r->report_id));
	r->state = sqlite3_column_int(st, 2);
	r->level = sqlite3_column_int(st, 3);
	col(st, 4, r->unit, sizeof(r->unit));
	col(st, 5, r->unit_name, sizeof(r->unit_name));
	col(st, 6, r->grid, sizeof(r->grid));
	col(st, 7, r->worker, sizeof(r->worker));
	col(st, 8, r->category, sizeof(r->category));
	col(st, 9, r->item, sizeof(r->item));
	r->colour = sqlite3_column_int(st, 10);
	r->people = (unsigned)sqlite3_column_int(st, 11);
	col(st, 12, r->summary, sizeof(r->summary));
	r->opened_at = sqlite3_column_int64(st, 13);
	r->response_due = sqlite3_column_int64(st, 14);
	r->resolve_due = sqlite3_column_int64(st, 15);
	col(st, 16, r->route_rule, sizeof(r->route_rule));
	col(st, 17, r->route_reason, sizeof(r->route_reason));
	col(st, 18, r->department, sizeof(r->department));
	r->satisfaction = (unsigned)sqlite3_column_int(st, 19);
	r->on_spot = sqlite3_column_int(st, 20);
	r->event_at = sqlite3_column_int64(st, 21);
	r->overdue = sqlite3_column_int(st, 22);
}

int
cache_inbox(struct cache *c, const char *unit, int all, int64_t now,
    case_fn fn, void *arg)
{
	/* closed (7) and refused (10) cases need nothing more */
	static const char open_sql[] =
	    "SELECT " CASE_COLS " FROM case_entry WHERE unit = ?2"
	    " AND state NOT IN (7, 10)"
	    " ORDER BY overdue DESC, state = 2 DESC, resolve_due, case_no";
	static const char all_sql[] =
	    "SELECT " CASE_COLS " FROM case_entry"
	    " ORDER BY overdue DESC, state = 2 DESC, resolve_due, case_no";
	struct case_row r;
	sqlite3_stmt *st;
	int n = 0, rc;

	if (exec1(c, all ? all_sql : open_sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (!all)
		bind_text(st, 2, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_case(st, &r);
		fn(arg, &r);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
cache_case(struct cache *c, const char *case_no, int64_t now,
    struct case_row *r)
{
	static const char sql[] =
	    "SELECT " CASE_COLS " FROM case_entry WHERE case_no = ?2";
	sqlite3_stmt *st;
	int rc;

	if (exec1(c, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, case_no);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_case(st, r);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/*
 * By event id, as updates are ordered when both have one; a line without
 * one (a cache kept before lines had them, an older collector) after the
 * lines with an id no later than it, as updates without one are ordered by
 * time: either way the last line is the case's state.
 */
int
cache_history(struct cache *c, const char *case_no, event_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT at, state, actor, note, unit FROM history h"
	    " WHERE case_no = ?1 ORDER BY coalesce(event_id, (SELECT"
	    " max(i.event_id) FROM history i WHERE i.case_no = h.case_no"
	    " AND i.at <= h.at), 0), event_id IS NULL, at, rowid";
	struct event_row e;
	sqlite3_stmt *st;
	int n = 0, rc;

	if (exec1(c, sql, &st) < 0)
		return -1;
	bind_text(st, 1, case_no);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.at = sqlite3_column_int64(st, 0);
		e.state = sqlite3_column_int(st, 1);
		col(st, 2, e.actor, sizeof(e.actor));
		col(st, 3, e.note, sizeof(e.note));
		col(st, 4, e.unit, sizeof(e.unit));
		fn(arg, &e);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
cache_alerts(struct cache *c, int max, alert_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT id, kind, case_no, township, township_name, related, note,"
	    " raised_at FROM alert ORDER BY raised_at DESC, id DESC LIMIT ?1";
	struct alert_row_c a;
	sqlite3_stmt *st;
	int n = 0, rc;

	if (exec1(c, sql, &st) < 0)
		return -1;
	sqlite3_bind_int(st, 1, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.id = (uint64_t)sqlite3_column_int64(st, 0);
		a.kind = sqlite3_column_int(st, 1);
		col(st, 2, a.case_no, sizeof(a.case_no));
		col(st, 3, a.township, sizeof(a.township));
		col(st, 4, a.township_name, sizeof(a.township_name));
		col(st, 5, a.related, sizeof(a.related));
		col(st, 6, a.note, sizeof(a.note));
		a.raised_at = sqlite3_column_int64(st, 7);
		fn(arg, &a);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int
cache_action_add(struct cache *c, const char *id, const char *case_no,
    int kind, const uint8_t *payload, size_t len, int64_t now)
{
	static const char sql[] =
	    "INSERT INTO action (id, case_no, kind, payload, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st;
	int rc;

	if (exec1(c, sql, &st) < 0)
		return -1;
	bind_text(st, 1, id);
	bind_text(st, 2, case_no);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_blob(st, 4, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

static void
read_action(sqlite3_stmt *st, struct action_row *a)
{
	const void *p;

	memset(a, 0, sizeof(*a));
	col(st, 0, a->id, sizeof(a->id));
	col(st, 1, a->case_no, sizeof(a->case_no));
	a->kind = sqlite3_column_int(st, 2);
	p = sqlite3_column_blob(st, 3);
	a->len = (size_t)sqlite3_column_bytes(st, 3);
	a->payload = xmalloc(a->len > 0 ? a->len : 1);
	if (a->len > 0)
		memcpy(a->payload, p, a->len);
	a->answered = sqlite3_column_int(st, 4);
	a->ok = sqlite3_column_int(st, 5);
	col(st, 6, a->reason, sizeof(a->reason));
	col(st, 7, a->message, sizeof(a->message));
}

#define ACTION_COLS \
	"id, case_no, kind, payload, answered, coalesce(ok, 0)," \
	" coalesce(reason, ''), coalesce(message, '')"

int
cache_actions_pending(struct cache *c, struct action_row **out, size_t *np)
{
	static const char sql[] =
	    "SELECT " ACTION_COLS " FROM action WHERE answered = 0 ORDER BY seq";
	struct action_row *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*np = 0;
	if (exec1(c, sql, &st) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		read_action(st, &v[n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cache_actions_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

void
cache_actions_free(struct action_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].payload);
	free(v);
}

int
cache_action(struct cache *c, const char *id, struct action_row *a)
{
	static const char sql[] =
	    "SELECT " ACTION_COLS " FROM action WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	if (exec1(c, sql, &st) < 0)
		return -1;
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_action(st, a);
		free(a->payload);
		a->payload = NULL;
		a->len = 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
cache_snapshot_due(struct cache *c)
{
	sqlite3_stmt *st;
	int rc;

	if (exec1(c, "SELECT 1 FROM snapshot_due LIMIT 1", &st) < 0)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
cache_set_snapshot_due(struct cache *c, int due)
{
	sqlite3_stmt *st;
	int rc;

	if (!due)
		return sqlite3_exec(c->db, "DELETE FROM snapshot_due", NULL,
		    NULL, NULL) == SQLITE_OK ? 0 : -1;
	if (exec1(c, "INSERT INTO snapshot_due SELECT ?1"
	    " WHERE NOT EXISTS (SELECT 1 FROM snapshot_due)", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
cache_case_count(struct cache *c)
{
	sqlite3_stmt *st;
	int n = -1;

	if (exec1(c, "SELECT count(*) FROM case_entry", &st) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}
