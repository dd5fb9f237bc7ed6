/* mqtt.c -- a small MQTT v5 client over Paho's MQTTAsync. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <MQTTAsync.h>

#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "util.h"

struct mqtt {
	MQTTAsync	 client;
	struct mqtt_opts opts;
	mqtt_msg_fn	 on_msg;
	void		*arg;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 connected;	/* and subscribed */
	int		 session_present; /* of mqtt_connect(): 1, 0 or -1 */
	int		 failed;	/* the last attempt failed */
	int		 disconnected;	/* disconnect completed */
	int		 unsubscribed;	/* by mqtt_unsubscribe() */
	int		 sub_refused;	/* the last (re)subscription failed */
	int		 unsub_done;
	int		 unsub_failed;
	long		 inflight;	/* queued or with Paho, unanswered */
	struct pub_ctx	*pending;	/* publishes Paho has not answered */
	char		 error[160];
	/* With opts.publish_thread: what waits for the publisher. */
	pthread_t	 publisher;
	pthread_cond_t	 pub_cond;
	struct pub_req	*pub_head, *pub_tail;
	int		 pub_stop;
};

/* A publish handed to the publisher thread, with copies of its bytes; no
 * topic: the unsubscription of mqtt_unsubscribe(). */
struct pub_req {
	char		*topic;
	void		*payload;
	size_t		 len;
	int		 qos;
	struct pub_ctx	*pc;
	struct pub_req	*next;
};

/* One publish in flight; listed so that mqtt_free() can release those
 * Paho drops unanswered. */
struct pub_ctx {
	struct mqtt	*m;
	mqtt_pub_fn	 cb;
	void		*arg;
	char		 tag[40];
	struct pub_ctx	*prev, *next;
};

static void	set_error(struct mqtt *, const char *, int);
static int	failure_code(const MQTTAsync_failureData5 *);
static void	sub_error(struct mqtt *, const char *, int);
static void	on_connected(void *, char *);
static void	on_connect_success(void *, MQTTAsync_successData5 *);
static void	on_connect_failure(void *, MQTTAsync_failureData5 *);
static void	on_connection_lost(void *, char *);
static int	on_message(void *, char *, int, MQTTAsync_message *);
static void	on_subscribed(void *, MQTTAsync_successData5 *);
static void	on_subscribe_failure(void *, MQTTAsync_failureData5 *);
static void	on_published(void *, MQTTAsync_successData5 *);
static void	on_publish_failure(void *, MQTTAsync_failureData5 *);
static void	on_disconnected(void *, MQTTAsync_successData5 *);
static void	on_disconnect_failure(void *, MQTTAsync_failureData5 *);
static void	on_unsubscribed(void *, MQTTAsync_successData5 *);
static void	on_unsubscribe_failure(void *, MQTTAsync_failureData5 *);
static void	pub_done(struct pub_ctx *, int, int);
static void	pub_unlink(struct mqtt *, struct pub_ctx *);
static int	pub_send(struct mqtt *, const char *, const void *, size_t,
		    int, struct pub_ctx *);
static void	*publisher_main(void *);
static void	unsub_send(struct mqtt *);
static void	pub_append(struct mqtt *, struct pub_req *);
static void	pub_prepend(struct mqtt *, struct pub_req *);
static void	global_init(void);

static void
sub_error(struct mqtt *m, const char *what, int code)
{
	pthread_mutex_lock(&m->lock);
	m->sub_refused = 1;
	pthread_mutex_unlock(&m->lock);
	set_error(m, what, code);
}

static void
set_error(struct mqtt *m, const char *what, int code)
{
	const char *text = code > 0 ?
	    MQTTReasonCode_toString((enum MQTTReasonCodes)code) :
	    MQTTAsync_strerror(code);

	pthread_mutex_lock(&m->lock);
	snprintf(m->error, sizeof(m->error), "%s (code %d: %s)", what, code,
	    text != NULL ? text : "unknown");
	m->failed = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* The port of a broker URI, scheme://host:port; the scheme's default
 * when none is given. */
static int
uri_port(const char *uri)
{
	const char *c = strrchr(uri, ':');
	long p;

	if (c != NULL && c[1] != '/' && parse_long(c + 1, 1, 65535, &p) == 0)
		return (int)p;
	return strncmp(uri, "ssl://", 6) == 0 ||
	    strncmp(uri, "mqtts://", 8) == 0 ? 8883 : 1883;
}

int
mqtt_nodelay_port(int port)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0, one = 1;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd, type, cur;
		socklen_t tl = sizeof(type), cl = sizeof(cur);
		int peer;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
		    type != SOCK_STREAM)
			continue;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
			continue;
		if (ss.ss_family == AF_INET)
			peer = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			peer = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			continue;
		if (peer != port)
			continue;
		if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &cur, &cl) == 0 &&
		    cur)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* The broker's answer to mqtt_connect(): whether it kept a session. */
static void
on_connect_success(void *ctx, MQTTAsync_successData5 *d)
{
	struct mqtt *m = ctx;

	pthread_mutex_lock(&m->lock);
	m->session_present = d->alt.connect.sessionPresent != 0;
	pthread_mutex_unlock(&m->lock);
}

/* On every connect, first or automatic, subscribe again. */
static void
on_connected(void *ctx, char *cause)
{
	struct mqtt *m = ctx;
	MQTTAsync_callOptions co = MQTTAsync_callOptions_initializer;
	int qos[16], rc, done;

	(void)cause;
	if (m->opts.nodelay)
		mqtt_nodelay_port(uri_port(m->opts.uri));
	pthread_mutex_lock(&m->lock);
	done = m->opts.nsubs == 0 || m->unsubscribed;
	pthread_mutex_unlock(&m->lock);
	if (done) {
		pthread_mutex_lock(&m->lock);
		m->connected = 1;
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	for (int i = 0; i < m->opts.nsubs; i++)
		qos[i] = 1;
	co.onSuccess5 = on_subscribed;
	co.onFailure5 = on_subscribe_failure;
	co.context = m;
	rc = MQTTAsync_subscribeMany(m->client, m->opts.nsubs,
	    (char *const *)(uintptr_t)m->opts.subs, qos, &co);
	if (rc != MQTTASYNC_SUCCESS)
		sub_error(m, "subscribe", rc);
}

static void
on_subscribed(void *ctx, MQTTAsync_successData5 *d)
{
	struct mqtt *m = ctx;
	int code = d->reasonCode;

	/* Paho fills reasonCodes only for more than one subscription. */
	if (d->alt.sub.reasonCodeCount > 1 && d->alt.sub.reasonCodes != NULL)
		for (int i = 0; i < d->alt.sub.reasonCodeCount; i++)
			if (d->alt.sub.reasonCodes[i] >= 0x80)
				code = d->alt.sub.reasonCodes[i];
	if (code >= 0x80) {
		sub_error(m, "subscription refused", code);
		return;
	}
	pthread_mutex_lock(&m->lock);
	m->connected = 1;
	m->failed = 0;
	m->sub_refused = 0;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/*
 * What a failure callback was told: the client's own error (d->code, not
 * 0), or else the broker's reason code.  Paho leaves reasonCode unset
 * when it fails a command itself (a publish whose write failed, a connect
 * given up), and sets code only then (MQTTAsyncUtils.c of 1.3.12, Debian
 * 12's).
 */
static int
failure_code(const MQTTAsync_failureData5 *d)
{
	return d->code != MQTTASYNC_SUCCESS ? d->code : (int)d->reasonCode;
}

static void
on_subscribe_failure(void *ctx, MQTTAsync_failureData5 *d)
{
	sub_error(ctx, "subscription refused", failure_code(d));
}

static void
on_connect_failure(void *ctx, MQTTAsync_failureData5 *d)
{
	set_error(ctx, "connect failed", failure_code(d));
}

static void
on_connection_lost(void *ctx, char *cause)
{
	struct mqtt *m = ctx;

	(void)cause;
	pthread_mutex_lock(&m->lock);
	m->connected = 0;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	log_warn("event=mqtt-connection-lost");
}

static int
on_message(void *ctx, char *topic, int topiclen, MQTTAsync_message *msg)
{
	struct mqtt *m = ctx;
	char *t = topiclen > 0 ? xstrndup(topic, (size_t)topiclen) : topic;

	m->on_msg(m->arg, t, msg->payload, (size_t)msg->payloadlen);
	if (t != topic)
		free(t);
	MQTTAsync_freeMessage(&msg);
	MQTTAsync_free(topic);
	return 1;
}

static void
pub_unlink(struct mqtt *m, struct pub_ctx *pc)
{
	if (pc->prev != NULL)
		pc->prev->next = pc->next;
	else
		m->pending = pc->next;
	if (pc->next != NULL)
		pc->next->prev = pc->prev;
	m->inflight--;
}

static void
pub_done(struct pub_ctx *pc, int ok, int reason)
{
	struct mqtt *m = pc->m;

	if (pc->cb != NULL)
		pc->cb(pc->arg, pc->tag, ok, reason);
	pthread_mutex_lock(&m->lock);
	pub_unlink(m, pc);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	free(pc);
}

static void
on_published(void *ctx, MQTTAsync_successData5 *d)
{
	pub_done(ctx, d->reasonCode < 0x80, d->reasonCode);
}

static void
on_publish_failure(void *ctx, MQTTAsync_failureData5 *d)
{
	pub_done(ctx, 0, failure_code(d));
}

static void
on_disconnected(void *ctx, MQTTAsync_successData5 *d)
{
	struct mqtt *m = ctx;

	(void)d;
	pthread_mutex_lock(&m->lock);
	m->disconnected = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void
on_disconnect_failure(void *ctx, MQTTAsync_failureData5 *d)
{
	(void)d;
	on_disconnected(ctx, NULL);
}

static void
on_unsubscribed(void *ctx, MQTTAsync_successData5 *d)
{
	struct mqtt *m = ctx;

	(void)d;
	pthread_mutex_lock(&m->lock);
	m->unsub_done = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

static void
on_unsubscribe_failure(void *ctx, MQTTAsync_failureData5 *d)
{
	(void)d;
	on_unsubscribed(ctx, NULL);
}

/* OpenSSL (1.1 and later) initialises itself when first used, and only
 * then: a plain tcp:// client never pays for it.  Paho's own eager
 * initialisation loads every algorithm and error string, ~3 MB resident,
 * even without TLS. */
static void
global_init(void)
{
	MQTTAsync_init_options io = MQTTAsync_init_options_initializer;

	io.do_openssl_init = 0;
	MQTTAsync_global_init(&io);
}

struct mqtt *
mqtt_new(const struct mqtt_opts *o, mqtt_msg_fn on_msg, void *arg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
	struct mqtt *m;
	int rc;

	if (o->nsubs > 16)
		fatalx("event=mqtt-new error=\"too many subscriptions\"");
	pthread_once(&once, global_init);
	m = xcalloc(1, sizeof(*m));
	m->opts = *o;
	m->session_present = -1;
	m->on_msg = on_msg;
	m->arg = arg;
	pthread_mutex_init(&m->lock, NULL);
	cond_init(&m->cond);
	co.MQTTVersion = MQTTVERSION_5;
	if (o->buffer_offline) {
		co.sendWhileDisconnected = 1;
		co.maxBufferedMessages = 100000;
	}
	rc = MQTTAsync_createWithOptions(&m->client, o->uri, o->client_id,
	    MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("event=mqtt-create uri=%s error=\"%s\"", o->uri,
		    MQTTAsync_strerror(rc));
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->cond);
		free(m);
		return NULL;
	}
	MQTTAsync_setCallbacks(m->client, m, on_connection_lost, on_message,
	    NULL);
	MQTTAsync_setConnected(m->client, m, on_connected);
	cond_init(&m->pub_cond);
	if (o->publish_thread) {
		sigset_t all, old;

		/* Signals go to the program's main thread. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		rc = pthread_create(&m->publisher, NULL, publisher_main, m);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0)
			fatalx("event=mqtt-new error=\"no publisher thread: "
			    "%s\"", strerror(rc));
	}
	return m;
}

int
mqtt_connect(struct mqtt *m, int timeout_ms)
{
	MQTTAsync_connectOptions co = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTProperty p;
	struct timespec ts;
	int rc;

	co.keepAliveInterval = m->opts.keepalive > 0 ? m->opts.keepalive : 30;
	co.cleanstart = m->opts.clean_start;
	co.automaticReconnect = m->opts.auto_reconnect;
	co.minRetryInterval = 1;
	co.maxRetryInterval = 16;
	co.connectTimeout = (timeout_ms + 999) / 1000;
	co.maxInflight = m->opts.max_inflight > 0 ? m->opts.max_inflight : 256;
	co.username = m->opts.username;
	co.password = m->opts.password;
	co.onSuccess5 = on_connect_success;
	co.onFailure5 = on_connect_failure;
	co.context = m;
	if (!m->opts.clean_start && m->opts.session_expiry > 0) {
		p.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
		p.value.integer4 = (unsigned int)m->opts.session_expiry;
		MQTTProperties_add(&props, &p);
		co.connectProperties = &props;
	}
	if (strncmp(m->opts.uri, "ssl://", 6) == 0 ||
	    strncmp(m->opts.uri, "mqtts://", 8) == 0) {
		ssl.trustStore = m->opts.cafile;
		ssl.keyStore = m->opts.certfile;
		ssl.privateKey = m->opts.keyfile;
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		co.ssl = &ssl;
	}
	pthread_mutex_lock(&m->lock);
	m->failed = 0;
	m->error[0] = '\0';
	m->session_present = -1;
	pthread_mutex_unlock(&m->lock);
	rc = MQTTAsync_connect(m->client, &co);
	MQTTProperties_free(&props);
	if (rc != MQTTASYNC_SUCCESS) {
		set_error(m, "connect", rc);
		return -1;
	}
	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&m->lock);
	while (!m->connected && !m->failed)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) ==
		    ETIMEDOUT)
			break;
	rc = m->connected ? 0 : -1;
	if (rc < 0 && !m->failed)
		snprintf(m->error, sizeof(m->error), "connect timed out");
	pthread_mutex_unlock(&m->lock);
	/* Connected but not subscribed: start the next attempt afresh. */
	if (rc < 0 && MQTTAsync_isConnected(m->client))
		MQTTAsync_disconnect(m->client, NULL);
	return rc;
}

int
mqtt_is_connected(struct mqtt *m)
{
	int c;

	pthread_mutex_lock(&m->lock);
	c = m->connected;
	pthread_mutex_unlock(&m->lock);
	return c;
}

int
mqtt_session_present(struct mqtt *m)
{
	int p;

	pthread_mutex_lock(&m->lock);
	p = m->session_present;
	pthread_mutex_unlock(&m->lock);
	return p;
}

const char *
mqtt_error(struct mqtt *m, char *buf, size_t size)
{
	pthread_mutex_lock(&m->lock);
	snprintf(buf, size, "%s", m->error[0] != '\0' ? m->error :
	    "not connected");
	pthread_mutex_unlock(&m->lock);
	return buf;
}

int
mqtt_subscription_refused(struct mqtt *m)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = m->sub_refused;
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* Hand one publish to Paho; pc is listed and counted already.  0, or
 * Paho's error code (pc stays the caller's). */
static int
pub_send(struct mqtt *m, const char *topic, const void *buf, size_t len,
    int qos, struct pub_ctx *pc)
{
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int rc;

	msg.payload = (void *)(uintptr_t)buf;
	msg.payloadlen = (int)len;
	msg.qos = qos;
	ro.onSuccess5 = on_published;
	ro.onFailure5 = on_publish_failure;
	ro.context = pc;
	rc = MQTTAsync_sendMessage(m->client, topic, &msg, &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_debug("event=mqtt-publish-failed topic=%s error=\"%s\"",
		    topic, MQTTAsync_strerror(rc));
		return rc;
	}
	return 0;
}

/* Queue r for the publisher thread; m->lock is held. */
static void
pub_append(struct mqtt *m, struct pub_req *r)
{
	if (m->pub_tail != NULL)
		m->pub_tail->next = r;
	else
		m->pub_head = r;
	m->pub_tail = r;
	pthread_cond_signal(&m->pub_cond);
}

/* Queue r for the publisher thread ahead of the rest; m->lock is held. */
static void
pub_prepend(struct mqtt *m, struct pub_req *r)
{
	if ((r->next = m->pub_head) == NULL)
		m->pub_tail = r;
	m->pub_head = r;
	pthread_cond_signal(&m->pub_cond);
}

/* The publisher thread: sends what mqtt_publish() queued, in order, until
 * mqtt_free() stops it with nothing left. */
static void *
publisher_main(void *arg)
{
	struct mqtt *m = arg;
	struct pub_req *r;
	int rc;

	pthread_mutex_lock(&m->lock);
	for (;;) {
		while (m->pub_head == NULL && !m->pub_stop)
			pthread_cond_wait(&m->pub_cond, &m->lock);
		if ((r = m->pub_head) == NULL)
			break;
		if ((m->pub_head = r->next) == NULL)
			m->pub_tail = NULL;
		pthread_mutex_unlock(&m->lock);
		if (r->topic == NULL)
			unsub_send(m);
		else if ((rc = pub_send(m, r->topic, r->payload, r->len,
		    r->qos, r->pc)) != 0) {
			log_warn("event=publish-failed topic=%s tag=%s "
			    "error=\"%s\"", r->topic, r->pc->tag,
			    MQTTAsync_strerror(rc));
			pub_done(r->pc, 0, rc);
		}
		free(r->topic);
		free(r->payload);
		free(r);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int
mqtt_publish(struct mqtt *m, const char *topic, const void *buf, size_t len,
    int qos, mqtt_pub_fn cb, void *cbarg, const char *tag)
{
	struct pub_ctx *pc;
	struct pub_req *r = NULL;

	pc = xcalloc(1, sizeof(*pc));
	pc->m = m;
	pc->cb = cb;
	pc->arg = cbarg;
	snprintf(pc->tag, sizeof(pc->tag), "%s", tag != NULL ? tag : "");
	if (m->opts.publish_thread) {
		r = xcalloc(1, sizeof(*r));
		r->topic = xstrdup(topic);
		r->payload = xmalloc(len > 0 ? len : 1);
		if (len > 0)
			memcpy(r->payload, buf, len);
		r->len = len;
		r->qos = qos;
		r->pc = pc;
	}
	pthread_mutex_lock(&m->lock);
	m->inflight++;
	pc->next = m->pending;
	if (m->pending != NULL)
		m->pending->prev = pc;
	m->pending = pc;
	if (r != NULL)
		pub_append(m, r);
	pthread_mutex_unlock(&m->lock);
	if (r != NULL)
		return 0;
	if (pub_send(m, topic, buf, len, qos, pc) != 0) {
		pthread_mutex_lock(&m->lock);
		pub_unlink(m, pc);
		pthread_mutex_unlock(&m->lock);
		free(pc);
		return -1;
	}
	return 0;
}

/* Ask Paho to drop the subscriptions; when it cannot (not connected, or
 * refused at once), unsub_done is set here. */
static void
unsub_send(struct mqtt *m)
{
	MQTTAsync_callOptions co = MQTTAsync_callOptions_initializer;
	int failed = 0;

	co.onSuccess5 = on_unsubscribed;
	co.onFailure5 = on_unsubscribe_failure;
	co.context = m;
	if (MQTTAsync_isConnected(m->client)) {
		if (MQTTAsync_unsubscribeMany(m->client, m->opts.nsubs,
		    (char *const *)(uintptr_t)m->opts.subs, &co) ==
		    MQTTASYNC_SUCCESS)
			return;
		failed = 1;
	}
	pthread_mutex_lock(&m->lock);
	m->unsub_done = 1;
	m->unsub_failed = failed;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* With publish_thread, the publisher asks Paho: the caller, which may be
 * the one to empty the queue Paho's thread waits on, waits here with a
 * time-out, never on Paho's lock. */
int
mqtt_unsubscribe(struct mqtt *m, int timeout_ms)
{
	struct pub_req *r;
	struct timespec ts;
	int rc;

	pthread_mutex_lock(&m->lock);
	m->unsubscribed = 1;
	m->unsub_done = 0;
	m->unsub_failed = 0;
	pthread_mutex_unlock(&m->lock);
	if (m->opts.nsubs == 0)
		return 0;
	if (m->opts.publish_thread) {
		/* Ahead of the publishes: no new message should come while
		 * a backlog of Acks goes out. */
		r = xcalloc(1, sizeof(*r));
		pthread_mutex_lock(&m->lock);
		pub_prepend(m, r);
		pthread_mutex_unlock(&m->lock);
	} else
		unsub_send(m);
	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&m->lock);
	while (!m->unsub_done)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) ==
		    ETIMEDOUT)
			break;
	rc = m->unsub_done && !m->unsub_failed ? 0 : -1;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

long
mqtt_inflight(struct mqtt *m)
{
	long n;

	pthread_mutex_lock(&m->lock);
	n = m->inflight;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int
mqtt_wait_idle(struct mqtt *m, int timeout_ms)
{
	struct timespec ts;
	int rc;

	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&m->lock);
	while (m->inflight > 0)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) ==
		    ETIMEDOUT)
			break;
	rc = m->inflight > 0 ? -1 : 0;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void
mqtt_free(struct mqtt *m, int timeout_ms)
{
	MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;
	struct timespec ts;

	if (m == NULL)
		return;
	if (m->opts.publish_thread) {
		/* What is queued still goes out (or fails) before the
		 * disconnect. */
		pthread_mutex_lock(&m->lock);
		m->pub_stop = 1;
		pthread_cond_signal(&m->pub_cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->publisher, NULL);
	}
	d.timeout = timeout_ms;
	d.onSuccess5 = on_disconnected;
	d.onFailure5 = on_disconnect_failure;
	d.context = m;
	if (MQTTAsync_isConnected(m->client) &&
	    MQTTAsync_disconnect(m->client, &d) == MQTTASYNC_SUCCESS) {
		deadline_after(&ts, timeout_ms + 1000);
		pthread_mutex_lock(&m->lock);
		while (!m->disconnected)
			if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) ==
			    ETIMEDOUT)
				break;
		pthread_mutex_unlock(&m->lock);
	}
	MQTTAsync_destroy(&m->client);
	/* Paho's threads are gone: what it never answered is ours to free. */
	while (m->pending != NULL) {
		struct pub_ctx *pc = m->pending;

		m->pending = pc->next;
		free(pc);
	}
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	pthread_cond_destroy(&m->pub_cond);
	free(m);
}

void
mqtt_to_queue(void *q, const char *topic, const void *payload, size_t len)
{
	queue_push(q, topic, payload, len);
}

void
mqtt_refusal_to_queue(void *q, const char *tag, int ok, int reason)
{
	if (!ok && MQTT_REFUSED(reason))
		queue_push(q, tag, &reason, sizeof(reason));
}

int
mqtt_endpoint_check(const struct mqtt_endpoint *e, char *err, size_t size)
{
	/* the schemes mqtt_connect() knows (ssl and mqtts with TLS) */
	static const char *const schemes[] = { "tcp://", "mqtt://", "ssl://",
	    "mqtts://" };
	size_t i, n = sizeof(schemes) / sizeof(schemes[0]);

	for (i = 0; e->broker != NULL && i < n; i++)
		if (strncmp(e->broker, schemes[i], strlen(schemes[i])) == 0)
			break;
	if (e->broker == NULL || i == n) {
		snprintf(err, size, "broker must be a tcp://, mqtt://, ssl:// "
		    "or mqtts:// URI");
		return -1;
	}
	if ((e->certfile == NULL) != (e->keyfile == NULL)) {
		snprintf(err, size, "certfile and keyfile go together");
		return -1;
	}
	return 0;
}

void
mqtt_opts_endpoint(struct mqtt_opts *o, const struct mqtt_endpoint *e)
{
	o->uri = e->broker;
	o->username = e->username;
	o->password = e->password;
	o->cafile = e->cafile;
	o->certfile = e->certfile;
	o->keyfile = e->keyfile;
}
