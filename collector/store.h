/* store.h -- PostgreSQL storage of reports, cases and dead letters (libpq). */
#ifndef GR_STORE_H
#define GR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gr.pb-c.h"
#include "route.h"
#include "validate.h"

enum store_result {
	STORE_NEW,		/* stored, case opened, committed */
	STORE_DUPLICATE,	/* stored before; the case is filled in */
	STORE_REJECTED,		/* the report breaks a rule of the data; see verr */
	STORE_FAILED,		/* the database failed in a way retrying now
				   will not mend (a missing policy row, a
				   revoked grant); nothing stored; see verr */
	STORE_RETRY		/* database unavailable or busy: nothing stored */
};

/* The case a report opened, as committed. */
struct stored_case {
	char		 case_no[32];
	char		 unit[16];
	char		 unit_name[256];
	Gr__Level	 level;
	Gr__CaseState	 state;
	int64_t		 opened_at;
	int64_t		 response_due;
	int64_t		 resolve_due;
	int64_t		 event_id;	/* its latest event: case_event.id */
};

/* A case as it stands, for the dispatch feed and the worker's updates. */
struct case_view {
	char		 case_no[32];
	char		 report_id[32];
	Gr__CaseState	 state;
	Gr__Level	 level;
	char		 unit[16];
	char		 unit_name[256];
	char		 grid_code[16];
	char		 worker_id[40];
	char		 category[4];
	char		 item[8];
	Gr__Colour	 colour;
	unsigned	 people;
	char		 summary[512];
	int64_t		 opened_at;
	int64_t		 response_due;
	int64_t		 resolve_due;
	char		 route_rule[32];
	char		 route_reason[512];
	int64_t		 event_at;
	char		 event_actor[72];
	char		 event_note[2048];
	int		 resolved_on_spot;
	char		 department[512];
	unsigned	 satisfaction;	/* 0: none yet */
	char		 action_id[32];
	int64_t		 accepted_at;	/* 0: not accepted in this round */
	int64_t		 event_id;	/* the latest event's case_event.id */
};

enum act_result {
	ACT_APPLIED,		/* committed; the view is the case after it */
	ACT_DUPLICATE,		/* this action id was applied before */
	ACT_REFUSED,		/* not allowed (see verr): unknown case, another
				   unit's case, illegal transition, incomplete */
	ACT_FAILED,		/* the database failed; nothing changed */
	ACT_RETRY		/* database unavailable: try again later */
};

struct store;

/* Connect with a libpq connection string; NULL on failure (logged). */
struct store	*store_open(const char *conninfo);
void		 store_close(struct store *);

/* 1 while the connection is up.  store_reconnect() tries once: 0 when
 * connected again. */
int		 store_ok(struct store *);
int		 store_reconnect(struct store *);

/*
 * Store a validated report and open its routed case in one transaction,
 * idempotently on the report id.  Checks what only the database knows (the
 * worker is registered and active for the grid, the codes exist), then
 * routes the report with the rules; rt says where it went.
 */
enum store_result store_report(struct store *, const Gr__Report *,
		    const struct ruleset *, struct route *, struct stored_case *,
		    struct verr *);

/* One report of a batch: r in; the rest out. */
struct store_item {
	const Gr__Report	*r;
	enum store_result	 result;
	struct route		 rt;
	struct stored_case	 c;
	struct verr		 e;
	struct route_facts	 facts;
};

enum store_batch_result {
	BATCH_DONE,		/* each item has its result (never STORE_FAILED
				   or STORE_RETRY); the new ones committed */
	BATCH_RETRY,		/* database unavailable or busy: nothing stored */
	BATCH_SINGLY		/* an error that may be one report's fault:
				   nothing stored; store each with
				   store_report() to find which */
};

/*
 * Store validated reports, no two of which conflict (store_conflicts():
 * gr_find_repeat would not see the other), in one transaction: the locks
 * of their matters and the reads sent together, then the writes sent
 * together (libpq's pipeline mode), then the commit.  Per report as
 * store_report(): idempotent, duplicates and rejections told.
 */
enum store_batch_result store_batch(struct store *, struct store_item *,
		    size_t, const struct ruleset *);

/*
 * store_batch() in two halves, so that the caller can do other work (not
 * on this store) while PostgreSQL reads: store_batch_send() sends the
 * batch's reads, store_batch_finish() takes their results, writes and
 * commits.  Every store_batch_send() is followed by store_batch_finish()
 * with the same items before any other call on the store.
 */
void		 store_batch_send(struct store *, struct store_item *, size_t);
enum store_batch_result store_batch_finish(struct store *,
		    struct store_item *, size_t, const struct ruleset *);

/* Whether b must wait for a to be committed, so that the two cannot share
 * a batch: the same id, or a report the repeat search (gr_find_repeat)
 * would find for b: an explicit link, the same grid and category, or a
 * petitioner's phone or ID number. */
int		 store_conflicts(const Gr__Report *a, const Gr__Report *b);

/* A lock of a batch's matters (collector/store.c, "Matter locks"): the
 * hash of a key its repeat search finds reports by. */
struct matter_key {
	uint32_t	 h;
	int		 exclusive;	/* 0: shared, for a report linked to */
};

/* The matter locks of the n reports of a batch, in the order they are
 * taken (by hash), one per hash (exclusive if any report wants it).  Two
 * reports' locks meet, one of them exclusive, exactly when one conflicts
 * with the other (store_conflicts()).  Returns their number; *out is to be
 * freed. */
size_t		 store_matter_keys(const struct store_item *, size_t,
		    struct matter_key **out);

/* Whether plans made when report had planned_pages pages are to be made
 * again now that it has pages (-1: not known). */
int		 store_plans_due(int64_t planned_pages, int64_t pages);

/* Replace rs with the enabled routing rules, in priority order.  0, or -1
 * with rs unchanged. */
int		 store_load_rules(struct store *, struct ruleset *);

/* What was notified since the last call: STORE_NOTICE_RULES when the
 * routing rules changed (NOTIFY gr_route_rules).  Never blocks. */
#define STORE_NOTICE_RULES	0x1
int		 store_notices(struct store *);

/*
 * Apply a validated dispatcher action in one transaction; the database
 * (gr_case_act) enforces units, transitions and the data each needs.  On
 * ACT_APPLIED and ACT_DUPLICATE, v holds the case as it now stands.
 */
enum act_result	 store_action(struct store *, const Gr__Action *,
		    struct case_view *v, struct verr *);

/* A case the sweeper supervised: its number and the unit it was with. */
struct swept {
	char	case_no[32];
	char	old_unit[16];
	int	level;
};

/*
 * Supervise the overdue cases (gr_sweep), with the clock offset_s seconds
 * ahead of the database's for drills.  Changes at most max cases, filling
 * an entry for each; returns how many, or -1 when the database failed.
 */
int		 store_sweep(struct store *, long offset_s, struct swept *,
		    int max);

/* The case as it stands, outside any transaction; 0 or -1. */
int		 store_case_view(struct store *, const char *case_no,
		    struct case_view *);

/* An alert raised by the database (schema/0010_alerts.sql) for the
 * county's dispatch feed. */
#define ALERT_BATCH	32
#define ALERT_RELATED_MAX 16	/* earlier cases named in one alert */
struct alert_row {
	uint64_t	 id;
	Gr__AlertKind	 kind;
	char		 case_no[32];
	char		 county[8];
	char		 township[16];
	char		 township_name[256];
	char		 related[512];	/* case numbers, space-separated */
	char		 note[512];
	int64_t		 raised_at;
};

/*
 * The alerts raised by the reports the last store_batch() (BATCH_DONE) or
 * store_report() (STORE_NEW) committed, in the order raised, for the caller
 * to publish: *n of them, valid until the next of those calls.  None after
 * any other result.
 */
const struct alert_row *store_new_alerts(struct store *, int *n);

/*
 * Alerts the broker has: they are marked published in the transaction of
 * the next store_batch() that stores a report, or by store_alerts_flush().
 * Keeps up to STORE_MARKS_MAX waiting; returns how many of ids it kept (the
 * rest is published again later, by store_alerts_take()).
 */
#define STORE_MARKS_MAX	4096
int		 store_alerts_published(struct store *, const uint64_t *ids,
		    int n);
/* Mark the waiting alerts published now, in a transaction of their own; 0
 * (also when none waits), or -1 with the connection down or failing (they
 * keep waiting). */
int		 store_alerts_flush(struct store *);

/*
 * The alerts left unpublished (their collector died before it marked them,
 * or the broker refused them): begin a transaction and take up to max of
 * those raised at least settled_s seconds ago, locked from other
 * collectors; returns how many (the transaction stays open), or -1.
 * store_alerts_done() then marks them published and commits, or, when
 * published is 0, rolls back so that they are taken again later.
 */
int		 store_alerts_take(struct store *, struct alert_row *, int max,
		    int settled_s);
int		 store_alerts_done(struct store *, const struct alert_row *,
		    int n, int published);

/* The numbers of the cases unit has that are not closed or refused, oldest
 * first, at most max; how many, or -1 when the database failed. */
int		 store_unit_cases(struct store *, const char *unit,
		    char (*case_nos)[32], int max);

/* Keep a failed message.  0 when committed, -1 when the database is
 * unavailable (retry later). */
int		 store_dead_letter(struct store *, const char *topic,
		    const char *reason, const char *detail,
		    const char *report_id, const char *worker_id,
		    const uint8_t *payload, size_t len);

#endif
