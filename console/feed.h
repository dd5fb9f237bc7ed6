/* feed.h -- the dispatcher console's MQTT session: its unit's dispatch feed
 * in (case updates, action results, alerts), its actions out.  The session
 * is persistent, so what the collector published while the console was
 * closed arrives at the next connect. */
#ifndef GR_CONSOLE_FEED_H
#define GR_CONSOLE_FEED_H

#include "cache.h"
#include "config.h"
#include "gr.pb-c.h"

struct feed;

/* Connect within timeout_ms; NULL when the broker cannot be reached, with
 * the reason in err.  With reconnect, a lost connection is made again
 * (Paho's automatic reconnect); without, by feed_reconnect(). */
struct feed	*feed_open(const struct console_conf *, struct cache *,
		    int timeout_ms, int reconnect, char *err, size_t errsize);
void		 feed_close(struct feed *);
int		 feed_connected(struct feed *);
/* 1 when the broker kept no session for this console when it connected:
 * a first connect, or one after the session expired or the broker lost
 * it, when what was published since the last connect is lost. */
int		 feed_session_new(struct feed *);
/* Connect again, with the same session, within timeout_ms, and send again
 * every action not answered yet (the old connection may not have handed
 * it to the broker): 0, or -1 with the feed as it was (not connected). */
int		 feed_reconnect(struct feed *, int timeout_ms);

/* Take what arrives into the cache until nothing has come for quiet_ms,
 * or for max_ms in all (a busy feed is never quiet; the rest waits for the
 * next call); fn (may be NULL) sees each notice, each entry of a list
 * alone, news or not (another console on the same cache may have recorded
 * it first).  An answer sends the actions that waited for it
 * (feed_send_pending()).  Returns how many messages were news, or -1 when
 * the cache failed. */
typedef void	(*notice_fn)(void *, const Gr__Notice *);
int		 feed_take(struct feed *, int quiet_ms, int max_ms, notice_fn,
		    void *arg);

/* Wait up to wait_ms for the collector's answer to action id; applies
 * everything that arrives meanwhile, and sends what waited for an answer.
 * 1 answered, 0 not yet, -1 error. */
int		 feed_await(struct feed *, const char *id, int wait_ms);

/* Send the actions the collector has not answered, oldest first (each
 * keeps its id, so a resend is applied once), but not one this connection
 * sent already, nor one on a case with an earlier action unanswered: that
 * one goes when the earlier is answered, so that collectors sharing the
 * action topic judge a case's actions in the order they were taken.
 * Returns how many were sent, or -1. */
int		 feed_send_pending(struct feed *);
/* 1 when action id was sent on this connection. */
int		 feed_sent(const struct feed *, const char *id);


#endif
