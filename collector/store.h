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

/* Replace rs with the enabled routing rules, in priority order.  0, or -1
 * with rs unchanged. */
int		 store_load_rules(struct store *, struct ruleset *);

/* 1 when the routing rules changed since the last call (NOTIFY
 * gr_route_rules), else 0.  Never blocks. */
int		 store_rules_changed(struct store *);

/* Keep a failed message.  0 when committed, -1 when the database is
 * unavailable (retry later). */
int		 store_dead_letter(struct store *, const char *topic,
		    const char *reason, const char *detail,
		    const char *report_id, const char *worker_id,
		    const uint8_t *payload, size_t len);

#endif
