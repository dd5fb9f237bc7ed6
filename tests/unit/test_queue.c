/* test_queue.c -- unit tests of the bounded hand-over queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"

struct pusher {
	struct queue	*q;
	volatile int	 done;
};

static int64_t	 mono_now(void);
static void	 sleep_ms(int);
static void	*push_one(void *);
static void	*wake_later(void *);
static void	 test_fifo(void **);
static void	 test_payload_copied(void **);
static void	 test_pop_timeout(void **);
static void	 test_bounded_push_blocks(void **);
static void	 test_close(void **);
static void	 test_unbounded(void **);
static void	 test_wake(void **);
static void	 test_wake_before_pop(void **);
static void	 test_free_with_messages(void **);
static void	 test_wait_and_order(void **);

static int64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void *
push_one(void *arg)
{
	struct pusher *p = arg;

	queue_push(p->q, "gr/v1/report/w03", "third", 5);
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *
wake_later(void *arg)
{
	sleep_ms(100);
	queue_wake(arg);
	return NULL;
}

static void
test_fifo(void **state)
{
	struct queue *q = queue_new(8);
	struct qmsg *m;
	char topic[32];

	(void)state;
	assert_int_equal(queue_len(q), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(topic, sizeof(topic), "gr/v1/report/w%02d", i);
		queue_push(q, topic, &i, sizeof(i));
	}
	assert_int_equal(queue_len(q), 5);
	for (int i = 0; i < 5; i++) {
		int v;

		m = queue_pop(q, 0);
		assert_non_null(m);
		snprintf(topic, sizeof(topic), "gr/v1/report/w%02d", i);
		assert_string_equal(m->topic, topic);
		assert_int_equal(m->len, sizeof(int));
		memcpy(&v, m->payload, sizeof(v));
		assert_int_equal(v, i);
		assert_null(m->next);
		qmsg_free(m);
		assert_int_equal(queue_len(q), (size_t)(4 - i));
	}
	assert_null(queue_pop(q, 0));
	/* Empty, then used again: head and tail were reset. */
	queue_push(q, "a", "x", 1);
	queue_push(q, "b", "", 0);
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "a");
	qmsg_free(m);
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "b");
	assert_int_equal(m->len, 0);
	qmsg_free(m);
	queue_free(q);
}

static void
test_payload_copied(void **state)
{
	struct queue *q = queue_new(2);
	char topic[16] = "t/1", payload[8] = "abc";
	struct qmsg *m;

	(void)state;
	queue_push(q, topic, payload, 3);
	topic[0] = 'X';
	payload[0] = 'X';
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "t/1");
	assert_memory_equal(m->payload, "abc", 3);
	qmsg_free(m);
	queue_free(q);
}

static void
test_pop_timeout(void **state)
{
	struct queue *q = queue_new(1);
	int64_t t0, dt;

	(void)state;
	t0 = mono_now();
	assert_null(queue_pop(q, 150));
	dt = mono_now() - t0;
	assert_true(dt >= 140);
	assert_true(dt < 2000);
	t0 = mono_now();
	assert_null(queue_pop(q, 0));
	assert_true(mono_now() - t0 < 100);
	queue_free(q);
}

static void
test_bounded_push_blocks(void **state)
{
	struct queue *q = queue_new(2);
	struct pusher p = { q, 0 };
	struct qmsg *m;
	pthread_t th;

	(void)state;
	queue_push(q, "gr/v1/report/w01", "first", 5);
	queue_push(q, "gr/v1/report/w02", "second", 6);
	assert_int_equal(pthread_create(&th, NULL, push_one, &p), 0);
	sleep_ms(150);
	/* Full: the third push waits. */
	assert_int_equal(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 0);
	assert_int_equal(queue_len(q), 2);
	m = queue_pop(q, 1000);
	assert_string_equal(m->topic, "gr/v1/report/w01");
	qmsg_free(m);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.done, 1);
	assert_int_equal(queue_len(q), 2);
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "gr/v1/report/w02");
	qmsg_free(m);
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "gr/v1/report/w03");
	assert_memory_equal(m->payload, "third", 5);
	qmsg_free(m);
	queue_free(q);
}

/* Closing releases a push blocked on a full queue and refuses later ones,
 * counting both; what was queued is still taken. */
static void
test_close(void **state)
{
	struct queue *q = queue_new(1);
	struct pusher p = { q, 0 };
	struct qmsg *m;
	pthread_t th;

	(void)state;
	queue_push(q, "gr/v1/report/w01", "first", 5);
	assert_int_equal(pthread_create(&th, NULL, push_one, &p), 0);
	queue_close(q);
	assert_int_equal(pthread_join(th, NULL), 0);
	queue_push(q, "gr/v1/report/w04", "fourth", 6);
	assert_int_equal(queue_len(q), 1);
	m = queue_pop(q, 0);
	assert_string_equal(m->topic, "gr/v1/report/w01");
	qmsg_free(m);
	assert_null(queue_pop(q, 0));
	/* the full queue let neither in, blocked before the close or not */
	assert_int_equal(queue_dropped(q), 2);
	queue_free(q);
}

/* An unbounded queue never blocks a push. */
static void
test_unbounded(void **state)
{
	struct queue *q = queue_new(QUEUE_UNBOUNDED);
	struct qmsg *m;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++)
		queue_push(q, "gr/v1/ack/w01", &i, sizeof(i));
	assert_int_equal(queue_len(q), 5000);
	for (i = 0; i < 5000; i++) {
		m = queue_pop(q, 0);
		assert_memory_equal(m->payload, &i, sizeof(i));
		qmsg_free(m);
	}
	queue_free(q);
}

static void
test_wake(void **state)
{
	struct queue *q = queue_new(4);
	pthread_t th;
	int64_t t0, dt;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, wake_later, q), 0);
	t0 = mono_now();
	assert_null(queue_pop(q, 10000));
	dt = mono_now() - t0;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(dt >= 90);
	assert_true(dt < 5000);
	/* The wake was used up: the next pop waits its full time. */
	t0 = mono_now();
	assert_null(queue_pop(q, 100));
	assert_true(mono_now() - t0 >= 90);
	queue_free(q);
}

static void
test_wake_before_pop(void **state)
{
	struct queue *q = queue_new(4);
	struct qmsg *m;
	int64_t t0;

	(void)state;
	queue_wake(q);
	t0 = mono_now();
	assert_null(queue_pop(q, 5000));
	assert_true(mono_now() - t0 < 1000);
	/* A wake does not hide a waiting message. */
	queue_push(q, "t", "m", 1);
	queue_wake(q);
	m = queue_pop(q, 5000);
	assert_non_null(m);
	assert_string_equal(m->topic, "t");
	qmsg_free(m);
	queue_free(q);
}

static void
test_free_with_messages(void **state)
{
	struct queue *q = queue_new(0);		/* cap 0 means 1 */
	struct pusher p = { q, 0 };
	pthread_t th;

	(void)state;
	queue_push(q, "t", "payload", 7);
	assert_int_equal(queue_len(q), 1);
	assert_int_equal(pthread_create(&th, NULL, push_one, &p), 0);
	sleep_ms(100);
	assert_int_equal(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 0);
	qmsg_free(queue_pop(q, 0));
	assert_int_equal(pthread_join(th, NULL), 0);
	/* queue_free releases what is still queued (checked by ASan). */
	queue_free(q);
	queue_free(NULL);
	qmsg_free(NULL);
}

static void *
push_later(void *arg)
{
	sleep_ms(50);
	queue_push(arg, "gr/v1/report/w09", "later", 5);
	return NULL;
}

/* queue_wait() waits without taking; every message has its place. */
static void
test_wait_and_order(void **state)
{
	struct queue *q = queue_new(4);
	struct qmsg *a, *b;
	pthread_t th;

	(void)state;
	assert_int_equal(queue_wait(q, 50), 0);
	queue_push(q, "t1", "a", 1);
	queue_push(q, "t2", "b", 1);
	assert_int_equal(queue_wait(q, 5000), 1);
	assert_int_equal(queue_len(q), 2);
	a = queue_pop(q, 0);
	b = queue_pop(q, 0);
	assert_string_equal(a->topic, "t1");
	assert_true(a->seq > 0);
	assert_int_equal(b->seq, a->seq + 1);
	qmsg_free(a);
	qmsg_free(b);
	/* a wake ends the wait, with nothing there */
	queue_wake(q);
	assert_int_equal(queue_wait(q, 5000), 0);
	/* a message pushed meanwhile ends it, and stays */
	assert_int_equal(pthread_create(&th, NULL, push_later, q), 0);
	assert_int_equal(queue_wait(q, 5000), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	a = queue_pop(q, 0);
	assert_non_null(a);
	assert_int_equal(a->seq, 3);
	qmsg_free(a);
	queue_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_payload_copied),
		cmocka_unit_test(test_pop_timeout),
		cmocka_unit_test(test_bounded_push_blocks),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_unbounded),
		cmocka_unit_test(test_wake),
		cmocka_unit_test(test_wake_before_pop),
		cmocka_unit_test(test_free_with_messages),
		cmocka_unit_test(test_wait_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
