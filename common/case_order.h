/* case_order.h -- which of two updates of one case is the later, for the
 * copies of cases kept on a device (the console's cache, the agent's
 * outbox), both SQLite. */
#ifndef GR_CASE_ORDER_H
#define GR_CASE_ORDER_H

#include <stdint.h>

#include "gr.pb-c.h"

/*
 * An SQL condition, true when an update (its event_at new_at, its event_id
 * new_id, NULL when it has none) is later than the one the stored row
 * holds, in columns at, id and id_for (the at of the update that gave id).
 *
 * Updates overtake each other on the way; the later one wins.  The event
 * id orders them as the database committed them.  The event time need
 * not: it is the start of the writing transaction, and a sweep that
 * started before an action can commit after it.  So the ids are compared
 * when both updates have one and the stored id belongs to the stored row
 * (an older program, which compares times only, may have applied a later
 * update without its id).  Otherwise the times are compared with at_op:
 * "<" keeps the first of two updates with the same time, "<=" the last.
 */
#define CASE_UPDATE_NEWER(row, at, id, id_for, new_at, new_id, at_op)	\
	"(CASE WHEN " new_id " IS NOT NULL AND " row "." id " IS NOT NULL" \
	" AND " row "." id_for " IS " row "." at			\
	" THEN " new_id " > " row "." id				\
	" ELSE coalesce(" row "." at ", 0) " at_op " " new_at " END)"


/* The update's event id, as SQLite stores it; 0 when it has none. */
static inline int64_t
case_event_id(const Gr__CaseEntry *e)
{
	return e->has_event_id && e->event_id <= INT64_MAX ?
	    (int64_t)e->event_id : 0;
}

#endif
