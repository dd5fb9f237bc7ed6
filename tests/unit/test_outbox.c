/* test_outbox.c -- unit tests of the SQLite outbox on the field device. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "codec.h"
#include "log.h"
#include "util.h"
#include "../../field-agent/outbox.h"

#define ID1	"01KDX0000000000000000000A1"
#define ID2	"01KDX0000000000000000000A2"
#define ID3	"01KDX0000000000000000000A3"
#define T0	1767312000000LL
#define WORKER	"gw001"

struct tdir {
	char	dir[64];
	char	path[128];
};

static int		 setup(void **);
static int		 teardown(void **);
static struct outbox	*open_ok(const char *);
static struct outbox	*open_as(const char *, const char *);
static void		 add3(struct outbox *);
static mode_t		 mode_of(const char *);
static void		 ack_init(Gr__Ack *, const char *, Gr__AckStatus);
static int		 is_pending(struct outbox *, const char *);
static void		 test_open_creates_private(void **);
static void		 test_open_fixes_mode(void **);
static void		 test_open_fails(void **);
static void		 test_add_pending(void **);
static void		 test_add_duplicate_id(void **);
static void		 test_pending_max(void **);
static void		 test_mark_sent(void **);
static void		 test_ack_stored(void **);
static void		 test_ack_duplicate(void **);
static void		 test_ack_rejected(void **);
static void		 test_ack_unknown(void **);
static void		 test_ack_after_stored(void **);
static void		 test_reopen(void **);
static void		 test_list(void **);
static void		 test_transaction(void **);
static void		 test_due_after(void **);
static void		 test_count_upto(void **);
static void		 test_lock(void **);
static void		 test_workers_apart(void **);
static void		 test_upgrade_v2(void **);
static void		 test_update_order(void **);
static int		 update(struct outbox *, Gr__CaseState, int64_t,
			    uint64_t);
static void		 case_state_is(struct outbox *, const char *);

static int
setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	strcpy(t->dir, "/tmp/test_outbox.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/outbox.db", t->dir);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal",
	    "." WORKER ".lock", ".gw002.lock" };
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

static struct outbox *
open_ok(const char *path)
{
	return open_as(path, WORKER);
}

static struct outbox *
open_as(const char *path, const char *worker)
{
	struct outbox *ob;
	char err[256];

	err[0] = '\0';
	ob = outbox_open(path, worker, err, sizeof(err));
	if (ob == NULL)
		print_error("outbox_open: %s\n", err);
	assert_non_null(ob);
	return ob;
}

static void
add3(struct outbox *ob)
{
	static const uint8_t p1[] = { 0x08, 0x01, 0x00, 0xff };

	assert_int_equal(outbox_add(ob, ID1, T0, "拖欠工资", p1, sizeof(p1)),
	    0);
	assert_int_equal(outbox_add(ob, ID2, T0 + 1000, "土地纠纷",
	    (const uint8_t *)"second", 6), 0);
	assert_int_equal(outbox_add(ob, ID3, T0 + 2000, "邻里纠纷",
	    (const uint8_t *)"third!!", 7), 0);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
ack_init(Gr__Ack *a, const char *id, Gr__AckStatus status)
{
	Gr__Ack init = GR__ACK__INIT;

	*a = init;
	a->has_schema_version = 1;
	a->schema_version = 1;
	a->report_id = (char *)(uintptr_t)id;
	a->has_status = 1;
	a->status = status;
}

static int
is_pending(struct outbox *ob, const char *id)
{
	struct outbox_item *items;
	size_t n;
	int found = 0;

	assert_int_equal(outbox_pending(ob, 100, &items, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].id, id) == 0)
			found = 1;
	outbox_items_free(items, n);
	return found;
}

static void
test_open_creates_private(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob;
	char wal[160];
	mode_t old = umask(0);

	ob = open_ok(t->path);
	umask(old);
	assert_int_equal(mode_of(t->path), 0600);
	add3(ob);
	/* SQLite gives the WAL the database file's mode. */
	snprintf(wal, sizeof(wal), "%s-wal", t->path);
	if (access(wal, F_OK) == 0)
		assert_int_equal(mode_of(wal), 0600);
	outbox_close(ob);
	assert_int_equal(mode_of(t->path), 0600);
	outbox_close(NULL);
}

static void
test_open_fixes_mode(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob;
	int fd;

	(void)state;
	fd = open(t->path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(mode_of(t->path), 0644);
	ob = open_ok(t->path);
	assert_int_equal(mode_of(t->path), 0600);
	outbox_close(ob);
}

static void
test_open_fails(void **state)
{
	struct tdir *t = *state;
	char err[256], path[192];
	int fd;

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/no/such/dir/outbox.db", t->dir);
	assert_null(outbox_open(path, WORKER, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	/* No worker, or a malformed one: whose reports would it hold? */
	err[0] = '\0';
	assert_null(outbox_open(t->path, "", err, sizeof(err)));
	assert_non_null(strstr(err, "worker"));
	assert_null(outbox_open(t->path, "gw 1", err, sizeof(err)));
	/* A file that is not a database. */
	fd = open(t->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not an sqlite database, just "
	    "text that is long enough to have a header.......\n", 87), 87);
	close(fd);
	err[0] = '\0';
	assert_null(outbox_open(t->path, WORKER, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

static void
test_add_pending(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item *items;
	size_t n;

	add3(ob);
	assert_int_equal(outbox_pending(ob, 100, &items, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].id, ID1);
	assert_string_equal(items[1].id, ID2);
	assert_string_equal(items[2].id, ID3);
	assert_int_equal(items[0].state, OB_QUEUED);
	assert_int_equal(items[0].created_at, T0);
	assert_string_equal(items[0].summary, "拖欠工资");
	assert_int_equal(items[0].len, 4);
	assert_memory_equal(items[0].payload, "\x08\x01\x00\xff", 4);
	assert_int_equal(items[2].len, 7);
	assert_memory_equal(items[2].payload, "third!!", 7);
	assert_int_equal(items[1].created_at, T0 + 1000);
	assert_string_equal(items[1].case_no, "");
	outbox_items_free(items, n);
	outbox_close(ob);
}

static void
test_add_duplicate_id(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;

	add3(ob);
	assert_int_equal(outbox_add(ob, ID1, T0 + 5, "again",
	    (const uint8_t *)"x", 1), -1);
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_string_equal(it.summary, "拖欠工资");
	outbox_close(ob);
}

static void
test_pending_max(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item *items = (struct outbox_item *)1;
	size_t n = 99;

	assert_int_equal(outbox_pending(ob, 10, &items, &n), 0);
	assert_int_equal(n, 0);
	outbox_items_free(items, n);
	add3(ob);
	assert_int_equal(outbox_pending(ob, 2, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID1);
	assert_string_equal(items[1].id, ID2);
	outbox_items_free(items, n);
	outbox_close(ob);
}

static void
test_mark_sent(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;

	add3(ob);
	assert_int_equal(outbox_mark_sent(ob, ID2, T0 + 5000), 0);
	assert_int_equal(outbox_mark_sent(ob, ID2, T0 + 6000), 0);
	assert_int_equal(outbox_get(ob, ID2, &it), 1);
	assert_int_equal(it.state, OB_SENT);
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_int_equal(it.state, OB_QUEUED);
	/* Sent but not acknowledged is still to deliver. */
	assert_true(is_pending(ob, ID2));
	outbox_close(ob);
}

static void
test_ack_stored(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;
	Gr__Ack a;

	add3(ob);
	assert_int_equal(outbox_mark_sent(ob, ID1, T0 + 10), 0);
	ack_init(&a, ID1, GR__ACK_STATUS__STORED);
	a.case_no = "530322-2026-000123";
	a.routed_unit = "530322100";
	a.routed_unit_name = "南涧镇综治中心";
	a.has_resolve_due = 1;
	a.resolve_due = T0 + 30LL * 86400000;
	a.message = "已受理";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 20), 1);
	memset(&it, 0x5a, sizeof(it));
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_string_equal(it.id, ID1);
	assert_int_equal(it.state, OB_STORED);
	assert_int_equal(it.duplicate, 0);
	assert_string_equal(it.case_no, "530322-2026-000123");
	assert_string_equal(it.unit, "530322100");
	assert_string_equal(it.unit_name, "南涧镇综治中心");
	assert_int_equal(it.resolve_due, T0 + 30LL * 86400000);
	assert_string_equal(it.message, "已受理");
	assert_string_equal(it.reason, "");
	assert_int_equal(it.created_at, T0);
	assert_false(is_pending(ob, ID1));
	assert_true(is_pending(ob, ID2));
	/* A stored report is not sent again. */
	assert_int_equal(outbox_mark_sent(ob, ID1, T0 + 30), 0);
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_int_equal(it.state, OB_STORED);
	outbox_close(ob);
}

static void
test_ack_duplicate(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;
	Gr__Ack a;

	add3(ob);
	ack_init(&a, ID2, GR__ACK_STATUS__DUPLICATE);
	a.case_no = "530322-2026-000007";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 20), 1);
	assert_int_equal(outbox_get(ob, ID2, &it), 1);
	assert_int_equal(it.state, OB_STORED);
	assert_int_equal(it.duplicate, 1);
	assert_string_equal(it.case_no, "530322-2026-000007");
	assert_false(is_pending(ob, ID2));
	outbox_close(ob);
}

static void
test_ack_rejected(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it, *items;
	size_t n;
	Gr__Ack a;

	add3(ob);
	assert_int_equal(outbox_mark_sent(ob, ID3, T0 + 10), 0);
	ack_init(&a, ID3, GR__ACK_STATUS__REJECTED);
	a.reason = "bad_code";
	a.message = "grid_code must be 15 digits";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 20), 1);
	assert_int_equal(outbox_get(ob, ID3, &it), 1);
	assert_int_equal(it.state, OB_REJECTED);
	assert_string_equal(it.reason, "bad_code");
	assert_string_equal(it.message, "grid_code must be 15 digits");
	assert_string_equal(it.case_no, "");
	assert_false(is_pending(ob, ID3));
	/* Never sent again, even if asked to. */
	assert_int_equal(outbox_mark_sent(ob, ID3, T0 + 30), 0);
	assert_int_equal(outbox_get(ob, ID3, &it), 1);
	assert_int_equal(it.state, OB_REJECTED);
	assert_int_equal(outbox_pending(ob, 100, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID1);
	assert_string_equal(items[1].id, ID2);
	outbox_items_free(items, n);
	outbox_close(ob);
}

static void
test_ack_unknown(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;
	Gr__Ack a;

	add3(ob);
	ack_init(&a, "01KDX0000000000000000000ZZ", GR__ACK_STATUS__STORED);
	assert_int_equal(outbox_apply_ack(ob, &a, T0), 0);
	ack_init(&a, NULL, GR__ACK_STATUS__STORED);
	assert_int_equal(outbox_apply_ack(ob, &a, T0), 0);
	assert_int_equal(outbox_get(ob, "01KDX0000000000000000000ZZ", &it), 0);
	assert_true(is_pending(ob, ID1));
	assert_true(is_pending(ob, ID2));
	assert_true(is_pending(ob, ID3));
	outbox_close(ob);
}

static void
test_ack_after_stored(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;
	Gr__Ack a;

	add3(ob);
	ack_init(&a, ID1, GR__ACK_STATUS__STORED);
	a.case_no = "530322-2026-000123";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 20), 1);
	/* A late answer does not undo the first. */
	ack_init(&a, ID1, GR__ACK_STATUS__REJECTED);
	a.reason = "id_conflict";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 30), 0);
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_int_equal(it.state, OB_STORED);
	assert_string_equal(it.case_no, "530322-2026-000123");
	assert_string_equal(it.reason, "");
	outbox_close(ob);
}

static void
test_reopen(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it, *items;
	size_t n;
	Gr__Ack a;

	add3(ob);
	assert_int_equal(outbox_mark_sent(ob, ID2, T0 + 10), 0);
	ack_init(&a, ID1, GR__ACK_STATUS__STORED);
	a.case_no = "530322-2026-000123";
	assert_int_equal(outbox_apply_ack(ob, &a, T0 + 20), 1);
	outbox_close(ob);

	ob = open_ok(t->path);
	assert_int_equal(mode_of(t->path), 0600);
	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_int_equal(it.state, OB_STORED);
	assert_string_equal(it.case_no, "530322-2026-000123");
	assert_int_equal(outbox_get(ob, ID2, &it), 1);
	assert_int_equal(it.state, OB_SENT);
	assert_int_equal(outbox_pending(ob, 100, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID2);
	assert_memory_equal(items[0].payload, "second", 6);
	assert_string_equal(items[1].id, ID3);
	assert_string_equal(items[1].summary, "邻里纠纷");
	outbox_items_free(items, n);
	/* The unique id survives too. */
	assert_int_equal(outbox_add(ob, ID3, T0, "x", (const uint8_t *)"x",
	    1), -1);
	outbox_close(ob);
}

static void
test_list(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	Gr__Ack a;

	add3(ob);
	ack_init(&a, ID1, GR__ACK_STATUS__STORED);
	a.case_no = "530322-2026-000123";
	a.routed_unit = "530322100";
	assert_int_equal(outbox_apply_ack(ob, &a, T0), 1);
	ack_init(&a, ID2, GR__ACK_STATUS__REJECTED);
	a.reason = "bad_code";
	a.message = "网格代码无效";
	assert_int_equal(outbox_apply_ack(ob, &a, T0), 1);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(outbox_list(ob, fp), 0);
	fclose(fp);
	assert_non_null(strstr(out, "REPORT"));
	assert_non_null(strstr(out, ID1));
	assert_non_null(strstr(out, "530322-2026-000123"));
	assert_non_null(strstr(out, "网格代码无效"));
	assert_null(strstr(out, "土地纠纷"));	/* rejected: the reason */
	assert_non_null(strstr(out, "邻里纠纷"));
	assert_true(strstr(out, ID1) < strstr(out, ID3));
	free(out);
	assert_string_equal(outbox_state_name(OB_QUEUED), "queued");
	assert_string_equal(outbox_state_name(OB_SENT), "sent");
	assert_string_equal(outbox_state_name(OB_STORED), "stored");
	assert_string_equal(outbox_state_name(OB_REJECTED), "rejected");
	outbox_close(ob);
}

/* Reports added in a transaction are kept together, or none. */
static void
test_transaction(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;

	assert_int_equal(outbox_begin(ob), 0);
	add3(ob);
	outbox_rollback(ob);
	assert_int_equal(outbox_count_pending(ob), 0);
	assert_int_equal(outbox_begin(ob), 0);
	add3(ob);
	assert_int_equal(outbox_commit(ob), 0);
	assert_int_equal(outbox_count_pending(ob), 3);
	assert_int_equal(outbox_get(ob, ID3, &it), 1);
	assert_int_equal(outbox_last_seq(ob), it.seq);
	outbox_close(ob);
	/* Still there after reopening. */
	ob = open_ok(t->path);
	assert_int_equal(outbox_count_pending(ob), 3);
	outbox_close(ob);
}

/* Due: never sent, or last sent before the cut-off; after a position. */
static void
test_due_after(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item *items;
	int64_t seq;
	size_t n;

	add3(ob);
	assert_int_equal(outbox_mark_sent(ob, ID1, T0 + 5000), 0);
	assert_int_equal(outbox_due_after(ob, 0, T0 + 5000, 10, &items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID2);
	assert_string_equal(items[1].id, ID3);
	outbox_items_free(items, n);
	assert_int_equal(outbox_due_after(ob, 0, T0 + 5001, 10, &items, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].id, ID1);
	assert_memory_equal(items[2].payload, "third!!", 7);
	outbox_items_free(items, n);
	assert_int_equal(outbox_due_after(ob, 0, INT64_MAX, 1, &items, &n), 0);
	assert_int_equal(n, 1);
	seq = items[0].seq;
	outbox_items_free(items, n);
	assert_int_equal(outbox_due_after(ob, seq, INT64_MAX, 10, &items, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID2);
	outbox_items_free(items, n);

	/* ID1 sent just now is not due a minute ago; ID2 sent "an hour from
	 * now", before the clock was set back an hour, is */
	assert_int_equal(outbox_mark_sent(ob, ID1, now_ms()), 0);
	assert_int_equal(outbox_mark_sent(ob, ID2, now_ms() + 3600000), 0);
	assert_int_equal(outbox_due_after(ob, 0, now_ms() - 60000, 10, &items,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, ID2);
	assert_string_equal(items[1].id, ID3);
	outbox_items_free(items, n);
	outbox_close(ob);
}

static void
test_count_upto(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	struct outbox_item it;
	Gr__Ack a;

	add3(ob);
	assert_int_equal(outbox_get(ob, ID2, &it), 1);
	assert_int_equal(outbox_count_pending_upto(ob, it.seq), 2);
	ack_init(&a, ID1, GR__ACK_STATUS__STORED);
	assert_int_equal(outbox_apply_ack(ob, &a, T0), 1);
	assert_int_equal(outbox_count_pending_upto(ob, it.seq), 1);
	assert_int_equal(outbox_count_pending_upto(ob, 0), 2);
	outbox_close(ob);
}

/*
 * One holder of the delivery lock at a time; closing releases it.  The
 * lock is a file of its own: opening and closing a descriptor of the
 * database file would drop SQLite's POSIX locks on it.
 */
static void
test_lock(void **state)
{
	struct tdir *t = *state;
	struct outbox *a = open_ok(t->path), *b = open_ok(t->path);
	char lock[sizeof(t->path) + 16];

	snprintf(lock, sizeof(lock), "%s." WORKER ".lock", t->path);
	assert_int_equal(outbox_lock(a), 1);
	assert_int_equal(mode_of(lock), 0600);
	assert_int_equal(outbox_lock(a), 1);
	assert_int_equal(outbox_lock(b), 0);
	outbox_unlock(a);
	assert_int_equal(outbox_lock(b), 1);
	assert_int_equal(outbox_lock(a), 0);
	outbox_close(b);
	assert_int_equal(outbox_lock(a), 1);
	/* The database stays usable under the lock. */
	add3(a);
	assert_int_equal(outbox_count_pending(a), 3);
	outbox_close(a);
}

/*
 * Workers sharing a handheld may share an outbox.  Each handle adds, sends,
 * counts and lists its own worker's reports only: sent as another worker,
 * a report would be rejected (the topic's worker is not the report's), and
 * that rejection, coming on the other worker's topic, must not touch it.
 * Each worker has a delivery lock of his own.
 */
static void
test_workers_apart(void **state)
{
	struct tdir *t = *state;
	struct outbox *a = open_ok(t->path), *b = open_as(t->path, "gw002");
	struct outbox *a2 = open_ok(t->path);
	struct outbox_item *items;
	struct outbox_item it;
	char *out = NULL;
	size_t n, len = 0;
	FILE *fp;
	Gr__Ack ack;

	assert_int_equal(outbox_add(a, ID1, T0, "甲的上报",
	    (const uint8_t *)"one", 3), 0);
	assert_int_equal(outbox_add(b, ID2, T0 + 1, "乙的上报",
	    (const uint8_t *)"two", 3), 0);
	assert_int_equal(outbox_count_pending(a), 1);
	assert_int_equal(outbox_count_pending(b), 1);
	assert_int_equal(outbox_count_pending_upto(b, outbox_last_seq(b)), 1);
	assert_true(is_pending(a, ID1) && !is_pending(a, ID2));
	assert_true(is_pending(b, ID2) && !is_pending(b, ID1));
	assert_int_equal(outbox_due_after(b, 0, INT64_MAX, 10, &items, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, ID2);
	outbox_items_free(items, n);

	/* gw002's rejection of gw001's report changes nothing */
	ack_init(&ack, ID1, GR__ACK_STATUS__REJECTED);
	ack.reason = "identity";
	assert_int_equal(outbox_apply_ack(b, &ack, T0), 0);
	assert_int_equal(outbox_get(a, ID1, &it), 1);
	assert_int_equal(it.state, OB_QUEUED);
	assert_true(is_pending(a, ID1));
	ack_init(&ack, ID1, GR__ACK_STATUS__STORED);
	assert_int_equal(outbox_apply_ack(a, &ack, T0), 1);
	assert_int_equal(outbox_count_pending(a), 0);
	assert_int_equal(outbox_count_pending(b), 1);

	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(outbox_list(b, fp), 0);
	fclose(fp);
	assert_non_null(strstr(out, ID2));
	assert_null(strstr(out, ID1));
	free(out);

	assert_int_equal(outbox_lock(a), 1);
	assert_int_equal(outbox_lock(b), 1);
	assert_int_equal(outbox_lock(a2), 0);
	outbox_close(a);
	assert_int_equal(outbox_lock(a2), 1);
	outbox_close(a2);
	outbox_close(b);
}

/* pack_report(WORKER, ID, &len): a report of WORKER's, packed */
static uint8_t *
pack_report(const char *worker, const char *id, size_t *len)
{
	Gr__Report r = GR__REPORT__INIT;

	r.worker_id = (char *)(uintptr_t)worker;
	r.id = (char *)(uintptr_t)id;
	return codec_pack(&r.base, len);
}

/*
 * An outbox of version 2 (rows of no worker) is brought to version 3 on
 * opening: each row is the worker's its payload names; a row whose
 * payload names none is anyone's, as before.
 */
static void
test_upgrade_v2(void **state)
{
	struct tdir *t = *state;
	struct outbox *a, *b;
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t *p;
	size_t len;

	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE outbox ("
	    " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
	    " created_at INTEGER NOT NULL, summary TEXT NOT NULL,"
	    " payload BLOB NOT NULL, state TEXT NOT NULL DEFAULT 'queued',"
	    " duplicate INTEGER NOT NULL DEFAULT 0,"
	    " attempts INTEGER NOT NULL DEFAULT 0, last_sent_at INTEGER,"
	    " case_no TEXT, unit TEXT, unit_name TEXT, response_due INTEGER,"
	    " resolve_due INTEGER, reason TEXT, message TEXT,"
	    " updated_at INTEGER NOT NULL, case_state TEXT,"
	    " case_updated_at INTEGER);"
	    "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO outbox (id,"
	    " created_at, summary, payload, updated_at) VALUES (?1, 0, 's',"
	    " ?2, 0)", -1, &st, NULL), SQLITE_OK);
	p = pack_report("gw002", ID1, &len);
	sqlite3_bind_text(st, 1, ID1, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, p, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	free(p);
	sqlite3_reset(st);
	p = pack_report(WORKER, ID2, &len);
	sqlite3_bind_text(st, 1, ID2, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, p, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	free(p);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, ID3, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, "\xff\xff", 2, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	a = open_ok(t->path);
	b = open_as(t->path, "gw002");
	assert_true(!is_pending(a, ID1) && is_pending(a, ID2) &&
	    is_pending(a, ID3));
	assert_true(is_pending(b, ID1) && !is_pending(b, ID2) &&
	    is_pending(b, ID3));
	outbox_close(a);
	outbox_close(b);

	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT user_version"
	    " FROM pragma_user_version) || ' ' || group_concat(coalesce(worker,"
	    " '-'), ' ') FROM (SELECT worker FROM outbox ORDER BY seq)", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
	    "4 gw002 gw001 -");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Apply an update of ID1's case: its state, at and event id (0: none). */
static int
update(struct outbox *ob, Gr__CaseState state, int64_t at, uint64_t id)
{
	Gr__CaseEntry e = GR__CASE_ENTRY__INIT;

	e.report_id = ID1;
	e.has_state = 1;
	e.state = state;
	e.has_event_at = 1;
	e.event_at = at;
	e.has_event_id = id > 0;
	e.event_id = id;
	return outbox_apply_update(ob, &e, T0 + 99);
}

static void
case_state_is(struct outbox *ob, const char *want)
{
	struct outbox_item it;

	assert_int_equal(outbox_get(ob, ID1, &it), 1);
	assert_string_equal(it.case_state, want);
}

/*
 * Updates that overtook each other: the later one stays.  Told by event
 * id when both have one, since the event time is the start of its
 * transaction: an escalation by a sweep that started before an accept but
 * committed after it has the greater id and the earlier time.
 */
static void
test_update_order(void **state)
{
	struct tdir *t = *state;
	struct outbox *ob = open_ok(t->path);
	sqlite3 *db;

	add3(ob);
	/* without ids (an older collector): by time */
	assert_int_equal(update(ob, GR__CASE_STATE__ROUTED, T0 + 10, 0), 1);
	assert_int_equal(update(ob, GR__CASE_STATE__RECEIVED, T0 + 5, 0), 0);
	case_state_is(ob, "routed");
	/* with ids: by id, whatever the times */
	assert_int_equal(update(ob, GR__CASE_STATE__ACCEPTED, T0 + 30, 7), 1);
	assert_int_equal(update(ob, GR__CASE_STATE__ESCALATED, T0 + 20, 8), 1);
	case_state_is(ob, "escalated");
	/* the same update again (a resend) is no news */
	assert_int_equal(update(ob, GR__CASE_STATE__ESCALATED, T0 + 20, 8), 0);
	assert_int_equal(update(ob, GR__CASE_STATE__ACCEPTED, T0 + 30, 7), 0);
	case_state_is(ob, "escalated");
	/* one without an id against one with: by time */
	assert_int_equal(update(ob, GR__CASE_STATE__ROUTED, T0 + 19, 0), 0);
	assert_int_equal(update(ob, GR__CASE_STATE__ACCEPTED, T0 + 40, 0), 1);
	case_state_is(ob, "accepted");
	assert_int_equal(update(ob, GR__CASE_STATE__ASSIGNED, T0 + 50, 9), 1);
	/* An older agent applied a later update and left the id: the id no
	 * longer belongs to the row's update, and times decide. */
	assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE outbox SET case_state ="
	    " 'resolved', case_updated_at = case_updated_at + 20",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(update(ob, GR__CASE_STATE__VISITED, T0 + 60, 10), 0);
	case_state_is(ob, "resolved");
	assert_int_equal(update(ob, GR__CASE_STATE__VISITED, T0 + 80, 11), 1);
	case_state_is(ob, "visited");
	outbox_close(ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_private,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fixes_mode,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_pending,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_duplicate_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_max,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_sent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_duplicate,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_rejected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_unknown,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_after_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_list,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_after,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_upto,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_workers_apart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v2,
		    setup, teardown),
	};

	/* The duplicate-id tests log one error line each, as they should. */
	log_init("test_outbox", LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
