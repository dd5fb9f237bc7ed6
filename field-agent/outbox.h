/* outbox.h -- the durable on-device outbox (SQLite, WAL, synchronous=FULL).
 *
 * Every report is stored here before anything is sent, and stays until the
 * collector's Ack arrives.  A rejected report is kept with its reason and
 * is never sent again.  Workers sharing a handheld may share an outbox:
 * each row is its worker's, and a handle sees, sends and lists only the
 * rows of the worker it was opened for. */
#ifndef GR_OUTBOX_H
#define GR_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gr.pb-c.h"

enum outbox_state { OB_QUEUED, OB_SENT, OB_STORED, OB_REJECTED };

struct outbox_item {
	char		 id[32];
	char		 case_no[32];
	char		 unit[16];
	char		 unit_name[96];
	char		 reason[48];
	char		 message[256];
	char		 summary[512];
	char		 case_state[24];	/* latest case update; "" if none */
	enum outbox_state state;
	int		 duplicate;	/* the Ack said it was stored before */
	int64_t		 seq;		/* position in the outbox */
	int64_t		 created_at;
	int64_t		 resolve_due;
	uint8_t		*payload;	/* only from outbox_pending() */
	size_t		 len;
};

struct outbox;

/* Open or create the outbox at path, readable by its owner only, for
 * worker's reports.  NULL with a message in err on failure. */
struct outbox	*outbox_open(const char *path, const char *worker, char *err,
		    size_t errsize);
void		 outbox_close(struct outbox *);

/* Add a packed report; committed to disk before returning (or with the
 * transaction around it).  0 or -1 (see outbox_error()). */
int		 outbox_add(struct outbox *, const char *id, int64_t created,
		    const char *summary, const uint8_t *, size_t);

/* A transaction around several outbox_add(): all or none are kept.
 * 0 or -1. */
int		 outbox_begin(struct outbox *);
int		 outbox_commit(struct outbox *);
void		 outbox_rollback(struct outbox *);

/* The position (seq) of the last report added through this handle. */
int64_t		 outbox_last_seq(struct outbox *);

/* SQLite's message for the last failure, e.g. "database or disk is full". */
const char	*outbox_error(struct outbox *);
/* 1 when the last outbox_begin() failed because another program held the
 * outbox for longer than the wait (5 s): nothing was done, try again
 * later; 0 otherwise. */
int		 outbox_busy(struct outbox *);

/* Take the delivery lock of this outbox's worker, so that one program at a
 * time talks to the broker for him (the others watch the outbox): 1 taken,
 * 0 held by another process, -1 error.  Released by outbox_unlock(), by
 * outbox_close() and when the process dies. */
int		 outbox_lock(struct outbox *);
void		 outbox_unlock(struct outbox *);

/* The reports still to deliver (queued or sent), oldest first, at most
 * max.  The caller frees them with outbox_items_free(). */
int		 outbox_pending(struct outbox *, size_t max,
		    struct outbox_item **, size_t *n);
/* The same, from the report after position seq (0: from the start), to
 * walk a long outbox page by page. */
int		 outbox_pending_after(struct outbox *, int64_t seq, size_t max,
		    struct outbox_item **, size_t *n);
/* The same, but only those never sent or last sent before sent_before
 * (ms): what is due for a (re)send.  One last sent later than now was
 * sent before the clock was set back, and is due too. */
int		 outbox_due_after(struct outbox *, int64_t seq,
		    int64_t sent_before, size_t max, struct outbox_item **,
		    size_t *n);
/* How many reports are still to deliver; -1 on error. */
long		 outbox_count_pending(struct outbox *);
/* The same among the reports at positions up to seq (0: all). */
long		 outbox_count_pending_upto(struct outbox *, int64_t seq);
void		 outbox_items_free(struct outbox_item *, size_t);

int		 outbox_mark_sent(struct outbox *, const char *id, int64_t now);

/* The broker refused to take the report (MQTT v5 reason code, e.g. 135
 * not authorised): it stays queued, with the reason shown. */
int		 outbox_mark_refused(struct outbox *, const char *id, int code,
		    int64_t now);

/* Record an Ack.  1 when it matched a report of this outbox, 0 when not,
 * -1 on error. */
int		 outbox_apply_ack(struct outbox *, const Gr__Ack *, int64_t now);

/* Record a case update (a CaseEntry for one of this outbox's reports):
 * its state, unit and deadline, unless a later update is already in.
 * 1 when it matched, 0 when not, -1 on error. */
int		 outbox_apply_update(struct outbox *, const Gr__CaseEntry *,
		    int64_t now);

/* One report's row; 1 found, 0 not, -1 error. */
int		 outbox_get(struct outbox *, const char *id,
		    struct outbox_item *);

/* Print every report, newest last. */
int		 outbox_list(struct outbox *, FILE *);

const char	*outbox_state_name(enum outbox_state);

#endif
