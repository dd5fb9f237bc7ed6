/* cache.h -- the dispatcher console's local copy of its unit's dispatch
 * feed (SQLite): cases as they stand, their history, alerts, and the
 * actions sent with the collector's answers.  Private to the user (0600). */
#ifndef GR_CONSOLE_CACHE_H
#define GR_CONSOLE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "gr.pb-c.h"

struct cache;

/* A case as the latest update told it. */
struct case_row {
	char		case_no[32];
	char		report_id[32];
	int		state;		/* Gr__CaseState */
	int		level;		/* Gr__Level */
	char		unit[16];
	char		unit_name[256];
	char		grid[16];
	char		worker[40];
	char		category[4];
	char		item[8];
	int		colour;		/* Gr__Colour */
	unsigned	people;
	char		summary[512];
	int64_t		opened_at;
	int64_t		response_due;
	int64_t		resolve_due;
	char		route_rule[32];
	char		route_reason[512];
	char		department[512];
	unsigned	satisfaction;
	int		on_spot;
	int64_t		event_at;
	int		overdue;	/* computed at the time of the query */
};

/* One event of a case's history, as the updates told it. */
struct event_row {
	int64_t		at;
	int		state;
	char		actor[72];
	char		note[2048];
	char		unit[16];
};

struct alert_row_c {
	uint64_t	id;
	int		kind;		/* Gr__AlertKind */
	char		case_no[32];
	char		township[16];
	char		township_name[256];
	char		related[512];	/* space-separated */
	char		note[512];
	int64_t		raised_at;
};

/* An action sent and kept until the collector answers it. */
struct action_row {
	char		id[32];
	char		case_no[32];
	int		kind;		/* Gr__ActionKind */
	uint8_t		*payload;	/* the encoded Action */
	size_t		len;
	int		answered;
	int		ok;
	char		reason[64];
	char		message[512];
};

/* Open or create the case cache at path, readable by its owner only, as
 * unit's: a cache is one unit's, and another unit is refused it (its
 * actions would be sent as the other's).  NULL with a message in err. */
struct cache	*cache_open(const char *path, const char *unit, char *err,
		    size_t errsize);
void		 cache_close(struct cache *);
const char	*cache_error(struct cache *);

/* Record what a notice says: a case update (and its event), an alert, the
 * answer to an action, or each entry of a list of updates and alerts.  1
 * when something was news, 0 when all was known already, -1 on a storage
 * error (a list's entries before it are kept). */
int		 cache_apply(struct cache *, const Gr__Notice *);

/* The cases now with unit that are not closed or refused (all of them
 * when all is set, passed on included): overdue first, then new, then by
 * deadline.  The
 * callback gets each row; returns the number of rows or -1. */
typedef void	(*case_fn)(void *, const struct case_row *);
int		 cache_inbox(struct cache *, const char *unit, int all,
		    int64_t now, case_fn, void *);

/* How many cases the cache holds (any unit, any state); -1 on error. */
int		 cache_case_count(struct cache *);
/* Whether the unit's cases are to be fetched again (the broker lost the
 * console's session, and with it their updates): 1 yes, 0 no, -1 error.
 * cache_set_snapshot_due() marks it (due 1) or clears it (due 0, once
 * they came): 0 or -1. */
int		 cache_snapshot_due(struct cache *);
int		 cache_set_snapshot_due(struct cache *, int due);

/* One case: 0 found, 1 unknown, -1 on error.  Its events in the order
 * they were committed (by event id; one without, from an older collector,
 * by time): the last is the case's state. */
int		 cache_case(struct cache *, const char *case_no, int64_t now,
		    struct case_row *);
typedef void	(*event_fn)(void *, const struct event_row *);
int		 cache_history(struct cache *, const char *case_no, event_fn,
		    void *);

/* The alerts, newest first, at most max. */
typedef void	(*alert_fn)(void *, const struct alert_row_c *);
int		 cache_alerts(struct cache *, int max, alert_fn, void *);

/* Keep an action before it is sent; 0 or -1. */
int		 cache_action_add(struct cache *, const char *id,
		    const char *case_no, int kind, const uint8_t *payload,
		    size_t len, int64_t now);
/* The actions not answered yet, oldest first: *out is malloc'd, free
 * with cache_actions_free().  0 or -1. */
int		 cache_actions_pending(struct cache *, struct action_row **out,
		    size_t *n);
void		 cache_actions_free(struct action_row *, size_t);
/* One action as it stands: 0 found, 1 unknown, -1 on error. */
int		 cache_action(struct cache *, const char *id,
		    struct action_row *);

#endif
