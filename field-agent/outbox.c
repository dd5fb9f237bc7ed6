/* outbox.c -- the durable on-device outbox (SQLite). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "case_order.h"
#include "codec.h"
#include "log.h"
#include "outbox.h"
#include "topic.h"
#include "utf8.h"
#include "util.h"

struct outbox {
	sqlite3	*db;
	char	*path;
	int	 lockfd;	/* holds the delivery lock; -1 when not held */
	char	 worker[40];	/* whose reports this handle adds and sends */
	char	 error[160];
	int	 busy;		/* outbox_begin() failed: another held it */
};

static const char *const state_names[] = { "queued", "sent", "stored",
    "rejected" };

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS outbox ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" id TEXT NOT NULL UNIQUE,"
	" created_at INTEGER NOT NULL,"
	" summary TEXT NOT NULL,"
	" payload BLOB NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued', 'sent', 'stored', 'rejected')),"
	" duplicate INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" last_sent_at INTEGER,"
	" case_no TEXT, unit TEXT, unit_name TEXT,"
	" response_due INTEGER, resolve_due INTEGER,"
	" reason TEXT, message TEXT,"
	" updated_at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, seq);";

/* Version 2: the case's latest state as the collector reported it. */
static const char upgrade_2_sql[] =
	"ALTER TABLE outbox ADD COLUMN case_state TEXT;"
	"ALTER TABLE outbox ADD COLUMN case_updated_at INTEGER;"
	"PRAGMA user_version = 2;";

/*
 * Version 3: the worker whose report it is.  Workers sharing a handheld
 * may share an outbox; each sends only his own reports, on his own topic
 * and as his own broker user: sent as another, a report would be
 * rejected (the topic's worker is not the report's) and never sent again.
 * The rows of older versions get theirs from their payload
 * (fill_workers()); one whose payload names none stays NULL, and is sent
 * by whichever worker delivers, as before.
 */
static const char upgrade_3_sql[] =
	"ALTER TABLE outbox ADD COLUMN worker TEXT;"
	"PRAGMA user_version = 3;";

/*
 * Version 4: the id of the case's event the latest update told of, which
 * orders updates as they were committed, with the case_updated_at of the
 * update that gave it (common/case_order.h).
 */
static const char upgrade_4_sql[] =
	"ALTER TABLE outbox ADD COLUMN case_event_id INTEGER;"
	"ALTER TABLE outbox ADD COLUMN case_event_for INTEGER;"
	"PRAGMA user_version = 4;";

/* This handle's worker's rows (and those of no known worker); the
 * statement binds :worker (bind_worker()). */
#define MINE	" coalesce(worker, :worker) = :worker"

static int	user_version(sqlite3 *);
static int	fill_workers(sqlite3 *);

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int	exec_sql(struct outbox *, const char *);
static void	set_error(struct outbox *);
static void	copy_col(sqlite3_stmt *, int, char *, size_t);
static enum outbox_state state_of(const char *);
static void	read_row(sqlite3_stmt *, struct outbox_item *);

/* Version 3's worker of each older row, from its payload; 0 or -1. */
static int
fill_workers(sqlite3 *db)
{
	struct codec_arena arena;
	sqlite3_stmt *sel = NULL, *upd = NULL;
	const Gr__Report *r;
	int rc, ret = -1;

	codec_arena_init(&arena, 64 * 1024);
	if (sqlite3_prepare_v2(db, "SELECT seq, payload FROM outbox", -1,
	    &sel, NULL) != SQLITE_OK || sqlite3_prepare_v2(db, "UPDATE outbox"
	    " SET worker = ?1 WHERE seq = ?2", -1, &upd, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		codec_arena_reset(&arena);
		r = codec_report_decode(&arena, sqlite3_column_blob(sel, 1),
		    (size_t)sqlite3_column_bytes(sel, 1));
		if (r == NULL || r->worker_id == NULL || r->worker_id[0] == '\0')
			continue;
		sqlite3_bind_text(upd, 1, r->worker_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE)
			goto out;
		sqlite3_reset(upd);
	}
	ret = rc == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	codec_arena_free(&arena);
	return ret;
}

/* Bring an older outbox to version 4, all or nothing; 0 or -1. */
static int
upgrade(sqlite3 *db)
{
	int v;

	if (user_version(db) >= 4)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	/* another agent may have upgraded it meanwhile */
	if ((v = user_version(db)) < 0 ||
	    (v < 2 && sqlite3_exec(db, upgrade_2_sql, NULL, NULL, NULL) !=
	    SQLITE_OK) ||
	    (v < 3 && (sqlite3_exec(db, upgrade_3_sql, NULL, NULL, NULL) !=
	    SQLITE_OK || fill_workers(db) < 0)) ||
	    (v < 4 && sqlite3_exec(db, upgrade_4_sql, NULL, NULL, NULL) !=
	    SQLITE_OK)) {
		sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
		return -1;
	}
	return sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) == SQLITE_OK ? 0 :
	    -1;
}

/* Bind :worker, if the statement has it, to this handle's worker. */
static void
bind_worker(struct outbox *ob, sqlite3_stmt *st)
{
	int i = sqlite3_bind_parameter_index(st, ":worker");

	if (i > 0)
		sqlite3_bind_text(st, i, ob->worker, -1, SQLITE_STATIC);
}

struct outbox *
outbox_open(const char *path, const char *worker, char *err, size_t errsize)
{
	struct outbox *ob;
	int fd;

	if (!topic_id_valid(worker)) {
		snprintf(err, errsize, "outbox %s: no valid worker to open it "
		    "for", path);
		return NULL;
	}
	ob = xcalloc(1, sizeof(*ob));
	ob->lockfd = -1;
	snprintf(ob->worker, sizeof(ob->worker), "%s", worker);

	/* Create the file ourselves so that it is private from the start. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errsize, "cannot open outbox %s: %s", path,
		    strerror(errno));
		free(ob);
		return NULL;
	}
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &ob->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "cannot open outbox %s: %s", path,
		    sqlite3_errmsg(ob->db));
		goto fail;
	}
	sqlite3_busy_timeout(ob->db, 5000);
	/* A small page cache (256 KB, not 2 MB): the device is small and
	 * every query here walks an index. */
	if (sqlite3_exec(ob->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    "PRAGMA cache_size=-256;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ob->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    upgrade(ob->db) < 0 ||
	    sqlite3_exec(ob->db, "SELECT count(*) FROM outbox", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(err, errsize, "outbox %s is not usable: %s", path,
		    sqlite3_errmsg(ob->db));
		goto fail;
	}
	ob->path = xstrdup(path);
	return ob;
fail:
	sqlite3_close(ob->db);
	free(ob);
	return NULL;
}

void
outbox_close(struct outbox *ob)
{
	if (ob == NULL)
		return;
	sqlite3_close(ob->db);
	/* After SQLite's close: closing another descriptor of the file
	 * would drop the POSIX locks SQLite holds on it. */
	outbox_unlock(ob);
	free(ob->path);
	free(ob);
}

int
outbox_lock(struct outbox *ob)
{
	if (ob->lockfd >= 0)
		return 1;
	char lock[1024];

	/*
	 * A file of its own: closing any descriptor of the database file
	 * would drop SQLite's POSIX locks on it (all of this process's), and
	 * another connection could then checkpoint and delete the WAL under
	 * ours, losing committed reports.
	 */
	if ((size_t)snprintf(lock, sizeof(lock), "%s.%s.lock", ob->path,
	    ob->worker) >= sizeof(lock)) {
		snprintf(ob->error, sizeof(ob->error), "outbox path too long");
		return -1;
	}
	if ((ob->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(ob->error, sizeof(ob->error), "cannot lock %s.%s.lock: "
		    "%s", ob->path, ob->worker, strerror(errno));
		return -1;
	}
	if (flock(ob->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	close(ob->lockfd);
	ob->lockfd = -1;
	if (errno == EWOULDBLOCK)
		return 0;
	snprintf(ob->error, sizeof(ob->error), "cannot lock %s: %s",
	    ob->path, strerror(errno));
	return -1;
}

void
outbox_unlock(struct outbox *ob)
{
	if (ob->lockfd < 0)
		return;
	flock(ob->lockfd, LOCK_UN);
	close(ob->lockfd);
	ob->lockfd = -1;
}

/* SQLite's message, with the system's reason when there is one: "disk
 * I/O error" alone does not say that the file hit its size limit. */
static void
set_error(struct outbox *ob)
{
	int e = sqlite3_system_errno(ob->db);

	if (e != 0)
		snprintf(ob->error, sizeof(ob->error), "%s (%s)",
		    sqlite3_errmsg(ob->db), strerror(e));
	else
		snprintf(ob->error, sizeof(ob->error), "%s",
		    sqlite3_errmsg(ob->db));
}

static int
exec_sql(struct outbox *ob, const char *sql)
{
	if (sqlite3_exec(ob->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	set_error(ob);
	return -1;
}

int
outbox_begin(struct outbox *ob)
{
	int code;

	ob->busy = 0;
	if (exec_sql(ob, "BEGIN IMMEDIATE") == 0)
		return 0;
	code = sqlite3_errcode(ob->db);
	ob->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
	return -1;
}

int
outbox_commit(struct outbox *ob)
{
	return exec_sql(ob, "COMMIT");
}

void
outbox_rollback(struct outbox *ob)
{
	if (!sqlite3_get_autocommit(ob->db))
		(void)exec_sql(ob, "ROLLBACK");
}

int64_t
outbox_last_seq(struct outbox *ob)
{
	return sqlite3_last_insert_rowid(ob->db);
}

const char *
outbox_error(struct outbox *ob)
{
	return ob->error[0] != '\0' ? ob->error : "unknown error";
}

int
outbox_busy(struct outbox *ob)
{
	return ob->busy;
}

const char *
outbox_state_name(enum outbox_state s)
{
	return state_names[s];
}

static enum outbox_state
state_of(const char *s)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]);
	    i++)
		if (s != NULL && strcmp(s, state_names[i]) == 0)
			return (enum outbox_state)i;
	return OB_QUEUED;
}

static void
copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	utf8_copy(dst, s ? (const char *)s : "", size);
}

int
outbox_add(struct outbox *ob, const char *id, int64_t created,
    const char *summary, const uint8_t *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ob->db, "INSERT INTO outbox (id, created_at,"
	    " summary, payload, updated_at, worker)"
	    " VALUES (?, ?, ?, ?, ?, :worker)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	bind_worker(ob, st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, created);
	sqlite3_bind_text(st, 3, summary, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, buf, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, created);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	set_error(ob);
	log_error("event=outbox-add-failed report=%s error=\"%s\"", id,
	    ob->error);
	return -1;
}

static void
read_row(sqlite3_stmt *st, struct outbox_item *it)
{
	memset(it, 0, sizeof(*it));
	copy_col(st, 0, it->id, sizeof(it->id));
	it->state = state_of((const char *)sqlite3_column_text(st, 1));
	it->duplicate = sqlite3_column_int(st, 2);
	it->created_at = sqlite3_column_int64(st, 3);
	copy_col(st, 4, it->summary, sizeof(it->summary));
	copy_col(st, 5, it->case_no, sizeof(it->case_no));
	copy_col(st, 6, it->unit, sizeof(it->unit));
	copy_col(st, 7, it->unit_name, sizeof(it->unit_name));
	it->resolve_due = sqlite3_column_int64(st, 8);
	copy_col(st, 9, it->reason, sizeof(it->reason));
	copy_col(st, 10, it->message, sizeof(it->message));
	it->seq = sqlite3_column_int64(st, 11);
	copy_col(st, 12, it->case_state, sizeof(it->case_state));
}

#define ROW_COLUMNS "id, state, duplicate, created_at, summary, case_no, " \
	"unit, unit_name, resolve_due, reason, message, seq, case_state"

int
outbox_pending(struct outbox *ob, size_t max, struct outbox_item **itemsp,
    size_t *np)
{
	return outbox_pending_after(ob, 0, max, itemsp, np);
}

long
outbox_count_pending(struct outbox *ob)
{
	return outbox_count_pending_upto(ob, 0);
}

long
outbox_count_pending_upto(struct outbox *ob, int64_t upto)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(ob->db, "SELECT count(*) FROM outbox"
	    " WHERE state IN ('queued', 'sent') AND (?1 = 0 OR seq <= ?1) AND"
	    MINE, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, upto);
	bind_worker(ob, st);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
outbox_pending_after(struct outbox *ob, int64_t after, size_t max,
    struct outbox_item **itemsp, size_t *np)
{
	return outbox_due_after(ob, after, INT64_MAX, max, itemsp, np);
}

int
outbox_due_after(struct outbox *ob, int64_t after, int64_t sent_before,
    size_t max, struct outbox_item **itemsp, size_t *np)
{
	sqlite3_stmt *st;
	struct outbox_item *items = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*itemsp = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(ob->db, "SELECT " ROW_COLUMNS ", payload"
	    " FROM outbox WHERE state IN ('queued', 'sent')"
	    " AND (coalesce(last_sent_at, 0) < ?3 OR last_sent_at > ?4)"
	    " AND seq > ?1 AND" MINE " ORDER BY seq LIMIT ?2", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	bind_worker(ob, st);
	/* sent "later than now": before the clock was set back, so its
	 * time says nothing of how long it has waited */
	sqlite3_bind_int64(st, 4, now_ms());
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 3, sent_before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *blob;

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			items = xrealloc(items, cap * sizeof(*items));
		}
		read_row(st, &items[n]);
		items[n].len = (size_t)sqlite3_column_bytes(st, 13);
		blob = sqlite3_column_blob(st, 13);
		items[n].payload = xmalloc(items[n].len);
		if (items[n].len > 0)
			memcpy(items[n].payload, blob, items[n].len);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		outbox_items_free(items, n);
		return -1;
	}
	*itemsp = items;
	*np = n;
	return 0;
}

void
outbox_items_free(struct outbox_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].payload);
	free(items);
}

int
outbox_mark_sent(struct outbox *ob, const char *id, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ob->db, "UPDATE outbox SET state = 'sent',"
	    " attempts = attempts + 1, last_sent_at = ?1, updated_at = ?1"
	    " WHERE id = ?2 AND state IN ('queued', 'sent')", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_mark_refused(struct outbox *ob, const char *id, int code, int64_t now)
{
	sqlite3_stmt *st;
	char msg[160];
	int rc;

	snprintf(msg, sizeof(msg), "消息服务器拒收 (broker refused the report: "
	    "MQTT reason code %d%s)", code, code == 135 ?
	    ", not authorised" : "");
	if (sqlite3_prepare_v2(ob->db, "UPDATE outbox SET state = 'queued',"
	    " reason = 'broker_refused', message = ?1, updated_at = ?2"
	    " WHERE id = ?3 AND state IN ('queued', 'sent')", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_apply_ack(struct outbox *ob, const Gr__Ack *a, int64_t now)
{
	sqlite3_stmt *st;
	int rc, rejected = a->status == GR__ACK_STATUS__REJECTED;

	if (a->report_id == NULL || (a->status != GR__ACK_STATUS__STORED &&
	    a->status != GR__ACK_STATUS__DUPLICATE && !rejected))
		return 0;
	if (sqlite3_prepare_v2(ob->db, "UPDATE outbox SET state = ?1,"
	    " duplicate = ?2, case_no = ?3, unit = ?4, unit_name = ?5,"
	    " response_due = ?6, resolve_due = ?7, reason = ?8, message = ?9,"
	    " updated_at = ?10 WHERE id = ?11 AND state <> 'stored' AND" MINE,
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_worker(ob, st);
	sqlite3_bind_text(st, 1, rejected ? "rejected" : "stored", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 2, a->status == GR__ACK_STATUS__DUPLICATE);
	sqlite3_bind_text(st, 3, a->case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->routed_unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->routed_unit_name, -1, SQLITE_STATIC);
	if (a->has_response_due)
		sqlite3_bind_int64(st, 6, a->response_due);
	if (a->has_resolve_due)
		sqlite3_bind_int64(st, 7, a->resolve_due);
	sqlite3_bind_text(st, 8, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_text(st, 11, a->report_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(ob->db) > 0;
}

int
outbox_apply_update(struct outbox *ob, const Gr__CaseEntry *e, int64_t now)
{
	const ProtobufCEnumValue *ev;
	sqlite3_stmt *st;
	char state[32];
	int rc;

	if (e->report_id == NULL || !e->has_state ||
	    (ev = protobuf_c_enum_descriptor_get_value(
	    &gr__case_state__descriptor, (int)e->state)) == NULL)
		return 0;
	snprintf(state, sizeof(state), "%s", ev->name);
	for (char *p = state; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	/* Updates can overtake each other: keep the latest event's. */
	if (sqlite3_prepare_v2(ob->db, "UPDATE outbox SET case_state = ?1,"
	    " case_updated_at = ?2, unit = coalesce(?3, unit),"
	    " unit_name = coalesce(?4, unit_name),"
	    " resolve_due = coalesce(?5, resolve_due), updated_at = ?6,"
	    " case_event_id = ?8, case_event_for = CASE WHEN ?8 IS NOT NULL"
	    " THEN ?2 END"
	    " WHERE id = ?7 AND " CASE_UPDATE_NEWER("outbox", "case_updated_at",
	    "case_event_id", "case_event_for", "?2", "?8", "<=") " AND" MINE,
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_worker(ob, st);
	sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, e->has_event_at ? e->event_at : now);
	sqlite3_bind_text(st, 3, e->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->unit_name, -1, SQLITE_STATIC);
	if (e->has_resolve_due)
		sqlite3_bind_int64(st, 5, e->resolve_due);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, e->report_id, -1, SQLITE_STATIC);
	if (case_event_id(e) > 0)
		sqlite3_bind_int64(st, 8, case_event_id(e));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(ob->db) > 0;
}

int
outbox_get(struct outbox *ob, const char *id, struct outbox_item *it)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ob->db, "SELECT " ROW_COLUMNS
	    " FROM outbox WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, it);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_list(struct outbox *ob, FILE *fp)
{
	sqlite3_stmt *st;
	struct outbox_item it;
	char due[32];
	int rc;

	if (sqlite3_prepare_v2(ob->db, "SELECT " ROW_COLUMNS
	    " FROM outbox WHERE" MINE " ORDER BY seq", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	bind_worker(ob, st);
	fprintf(fp, "%-26s  %-8s  %-18s  %-10s  %-9s  %-10s  %s\n", "REPORT",
	    "STATE", "CASE", "CASE STATE", "UNIT", "DEADLINE",
	    "SUMMARY / REASON");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &it);
		due[0] = '\0';
		if (it.resolve_due > 0)
			cst_deadline(due, sizeof(due), it.resolve_due);
		fprintf(fp, "%-26s  %-8s  %-18s  %-10s  %-9s  %-10s  %s\n",
		    it.id, outbox_state_name(it.state), it.case_no[0] ?
		    it.case_no : "-", it.case_state[0] ? it.case_state :
		    it.state == OB_STORED ? "routed" : "-",
		    it.unit[0] ? it.unit : "-", due[0] ? due : "-",
		    it.state == OB_REJECTED ? it.message : it.summary);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
