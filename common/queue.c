/* queue.c -- bounded hand-over of received messages to the main loop. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "util.h"

struct queue {
	pthread_mutex_t	 lock;
	pthread_cond_t	 nonempty;
	pthread_cond_t	 nonfull;
	struct qmsg	*head, *tail;
	size_t		 len, cap;
	uint64_t	 seq;		/* of the last message pushed */
	int		 woken;
	int		 closed;
	size_t		 dropped;	/* pushes refused once closed */
};

struct queue *
queue_new(size_t cap)
{
	struct queue *q = xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->lock, NULL);
	cond_init(&q->nonempty);
	cond_init(&q->nonfull);
	q->cap = cap > 0 ? cap : 1;
	return q;
}

void
queue_free(struct queue *q)
{
	struct qmsg *m, *next;

	if (q == NULL)
		return;
	for (m = q->head; m != NULL; m = next) {
		next = m->next;
		qmsg_free(m);
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	free(q);
}

void
queue_push(struct queue *q, const char *topic, const void *payload, size_t len)
{
	struct qmsg *m = xcalloc(1, sizeof(*m));

	m->topic = xstrdup(topic);
	m->payload = xmalloc(len);
	if (len > 0)
		memcpy(m->payload, payload, len);
	m->len = len;
	m->t_us = mono_us();
	pthread_mutex_lock(&q->lock);
	while (q->len >= q->cap && !q->closed)
		pthread_cond_wait(&q->nonfull, &q->lock);
	if (q->closed) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		qmsg_free(m);
		return;
	}
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->len++;
	m->seq = ++q->seq;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/* Lock q and wait at most timeout_ms for a message or a wake; returns
 * with the lock held. */
static void
lock_waiting(struct queue *q, int timeout_ms)
{
	struct timespec ts;

	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (q->head == NULL && !q->woken)
		if (pthread_cond_timedwait(&q->nonempty, &q->lock, &ts) ==
		    ETIMEDOUT)
			break;
	q->woken = 0;
}

struct qmsg *
queue_pop(struct queue *q, int timeout_ms)
{
	struct qmsg *m;

	lock_waiting(q, timeout_ms);
	if ((m = q->head) != NULL) {
		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->len--;
		m->next = NULL;
		pthread_cond_signal(&q->nonfull);
	}
	pthread_mutex_unlock(&q->lock);
	return m;
}

int
queue_wait(struct queue *q, int timeout_ms)
{
	int ready;

	lock_waiting(q, timeout_ms);
	ready = q->head != NULL;
	pthread_mutex_unlock(&q->lock);
	return ready;
}

size_t
queue_len(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
}

size_t
queue_dropped(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->dropped;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
queue_wake(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->woken = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

void
qmsg_free(struct qmsg *m)
{
	if (m == NULL)
		return;
	free(m->topic);
	free(m->payload);
	free(m);
}
