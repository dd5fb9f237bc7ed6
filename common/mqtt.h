/* mqtt.h -- a small MQTT v5 client over Paho's MQTTAsync, shared by the
 * collector and the field agent: connect, subscribe again on every
 * reconnect, publish with a completion callback carrying the broker's
 * reason code. */
#ifndef GR_MQTT_H
#define GR_MQTT_H

#include <stddef.h>

struct mqtt;

struct mqtt_opts {
	const char	*uri;		/* tcp://127.0.0.1:1883 or ssl://... */
	const char	*client_id;
	const char	*username;	/* NULL: none */
	const char	*password;
	const char	*cafile;	/* TLS: pinned CA */
	const char	*certfile;	/* TLS: client certificate */
	const char	*keyfile;
	int		 clean_start;
	int		 session_expiry;	/* seconds, with !clean_start */
	int		 keepalive;		/* seconds */
	int		 max_inflight;
	int		 auto_reconnect;
	int		 buffer_offline;	/* queue publishes while offline */
	int		 nodelay;	/* TCP_NODELAY on the broker socket */
	/*
	 * Publish from a thread of the client's own, so that mqtt_publish()
	 * never waits on Paho.  Needed when the message callback may block
	 * (a full bounded queue): Paho holds its lock through the callback,
	 * and a thread that would empty the queue must not wait for it.
	 */
	int		 publish_thread;
	const char	**subs;		/* topics to subscribe at QoS 1 */
	int		 nsubs;
};

/*
 * Where and how a program reaches the broker, as its settings give it
 * (conf.h's CONF_MQTT_ENDPOINT makes the options of a member of this type).
 */
struct mqtt_endpoint {
	char	*broker;	/* tcp://host:port or ssl://host:port */
	char	*username;
	char	*password_file;
	char	*cafile;	/* TLS: the CA to pin */
	char	*certfile;	/* TLS: a client certificate */
	char	*keyfile;
	char	*password;	/* read from password_file; not an option */
};

/* 0 when e names a broker mqtt_connect() can reach (tcp://, mqtt://,
 * ssl://, mqtts://) with a client certificate and key both or neither;
 * -1 with a message in err otherwise. */
int	mqtt_endpoint_check(const struct mqtt_endpoint *e, char *err,
	    size_t size);
/* Fill the connection fields of o (uri, credentials, TLS) from e. */
void	mqtt_opts_endpoint(struct mqtt_opts *o, const struct mqtt_endpoint *e);

/* Called on Paho's thread for every message; payload is valid only during
 * the call. */
typedef void	(*mqtt_msg_fn)(void *arg, const char *topic,
		    const void *payload, size_t len);
/* Called on Paho's thread when a QoS 1 publish completes: ok is 1 when the
 * broker accepted it, else 0 with the v5 reason code (135: not authorised)
 * or Paho's error code (negative; then, with publish_thread, on the
 * publisher thread).  tag is the one given to mqtt_publish(). */
typedef void	(*mqtt_pub_fn)(void *arg, const char *tag, int ok, int reason);
/* A reason that is the broker's refusal (MQTT v5: 0x80 and up), not a
 * failure of the client or the connection (negative, Paho's codes): only
 * a refusal is final; the rest is sent again. */
#define MQTT_REFUSED(reason)	((reason) >= 0x80)

/*
 * Callbacks that hand over to the main thread through a struct queue
 * (common/queue.h), given as arg: mqtt_to_queue() queues each message;
 * mqtt_refusal_to_queue() queues the broker's refusal of a publish as a
 * message whose topic is the publish's tag and whose payload the int
 * reason code, and nothing else (a lost connection means resend).
 */
void		 mqtt_to_queue(void *q, const char *topic, const void *,
		    size_t);
void		 mqtt_refusal_to_queue(void *q, const char *tag, int ok,
		    int reason);

/* The options are copied, but not the strings and the subs array they
 * point to: those must outlive the client. */
struct mqtt	*mqtt_new(const struct mqtt_opts *, mqtt_msg_fn, void *arg);

/* Connect and subscribe; wait at most timeout_ms.  0 when connected and
 * subscribed, -1 otherwise with a reason from mqtt_error(). */
int		 mqtt_connect(struct mqtt *, int timeout_ms);
int		 mqtt_is_connected(struct mqtt *);
/* After mqtt_connect(): 1 when the broker resumed a session of this client
 * id (what was published meanwhile follows), 0 when it started a new one
 * (a first connect, or the old one expired or was lost), -1 unknown. */
int		 mqtt_session_present(struct mqtt *);
/* The last error, copied into buf. */
const char	*mqtt_error(struct mqtt *, char *buf, size_t size);
/* 1 when the broker refused the subscriptions on the last (re)connect:
 * connected, but nothing will arrive. */
int		 mqtt_subscription_refused(struct mqtt *);

/* Queue a publish.  0 when queued (cb, if not NULL, reports the outcome
 * later with tag, at most 39 characters, e.g. a report id), -1 when it
 * could not be queued (with publish_thread, never: a failure is reported
 * to cb).  A publish Paho drops unanswered at mqtt_free() gets no
 * callback. */
int		 mqtt_publish(struct mqtt *, const char *topic, const void *,
		    size_t, int qos, mqtt_pub_fn cb, void *cbarg,
		    const char *tag);

/* How many publishes are queued or in flight, not yet answered. */
long		 mqtt_inflight(struct mqtt *);

/* Drop the subscriptions, and do not take them again on reconnect, so
 * that no new message arrives; waits at most timeout_ms.  0 when Paho
 * answered (with publish_thread the request goes ahead of the queued
 * publishes); once per client. */
int		 mqtt_unsubscribe(struct mqtt *, int timeout_ms);

/* Wait until no publish is in flight or timeout_ms passes; 0 when idle. */
int		 mqtt_wait_idle(struct mqtt *, int timeout_ms);

/*
 * Turn Nagle's algorithm off on every TCP socket of this process connected
 * to the given peer port; returns how many were changed.  Debian's Paho
 * never sets TCP_NODELAY (DESIGN.md 11) and gives no hook to do it, so the
 * sockets are found after connecting (opts.nodelay does it on every
 * connect): otherwise small QoS 1 messages wait up to 40 ms on delayed
 * ACKs.  Affects only sockets to that port, so mind other clients of the
 * same process.
 */
int		 mqtt_nodelay_port(int port);

/* Disconnect (waiting at most timeout_ms for in-flight messages) and free.
 * With publish_thread, what is queued is handed to Paho first: the message
 * callback must not be blocked then (queue_close() its queue first). */
void		 mqtt_free(struct mqtt *, int timeout_ms);

#endif
