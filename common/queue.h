/* queue.h -- the hand-over of received messages from the MQTT thread to
 * a program's main loop.  The collector's queue is bounded: a full queue
 * blocks the MQTT thread, which stops reading the socket (back-pressure,
 * not growth).  A client with a persistent session takes an unbounded one
 * (QUEUE_UNBOUNDED) instead: what the broker kept for it comes in ahead of
 * the acknowledgment of its subscription, so a callback blocked on a full
 * queue would hold up the connect that the main loop waits for.  The
 * broker bounds that backlog (max_queued_messages). */
#ifndef GR_QUEUE_H
#define GR_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct qmsg {
	char		*topic;
	uint8_t		*payload;
	size_t		 len;
	int64_t		 t_us;	/* when it was pushed: mono_us() */
	uint64_t	 seq;	/* its place in the queue's order, from 1 */
	int		 deferred;	/* a store worker set it aside once */
	struct qmsg	*next;
};

struct queue;

#define QUEUE_UNBOUNDED	SIZE_MAX

struct queue	*queue_new(size_t cap);
void		 queue_free(struct queue *);

/* Copy topic and payload in; blocks while a bounded queue is full.  After
 * queue_close() it drops the message and returns at once. */
void		 queue_push(struct queue *, const char *topic, const void *,
		    size_t);

/* Take the oldest message, waiting at most timeout_ms; NULL when none.
 * The caller frees it with qmsg_free(). */
struct qmsg	*queue_pop(struct queue *, int timeout_ms);
size_t		 queue_len(struct queue *);

/* Wait at most timeout_ms for a message without taking it (several
 * threads take from one queue under a lock of their own).  1 when one is
 * there, 0 on time-out or queue_wake(). */
int		 queue_wait(struct queue *, int timeout_ms);

/* Refuse further pushes and release any thread blocked in queue_push(),
 * so that the MQTT client can be shut down; queue_pop() still returns what
 * is queued.  Call it before destroying the client that pushes. */
void		 queue_close(struct queue *);

/* How many pushes queue_close() refused. */
size_t		 queue_dropped(struct queue *);

/* Wake a waiting queue_pop() early (after a signal). */
void		 queue_wake(struct queue *);

void		 qmsg_free(struct qmsg *);

#endif
