/* main.c -- the collector: options, signals, the main loop and the drain.
 *
 * Messages arrive on Paho's thread and wait in two bounded queues.  The
 * store workers (workers.c) take the reports, store them in batches and
 * publish each Ack only after the commit; the main loop applies the
 * dispatchers' actions, sweeps overdue cases, republishes alerts left
 * unpublished and reloads the rules. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "mqtt.h"
#include "queue.h"
#include "store.h"
#include "topic.h"
#include "util.h"
#include "workers.h"

#ifndef GR_VERSION
#define GR_VERSION "0.1.0"
#endif

#define DRAIN_MS	10000

static volatile sig_atomic_t quit;
static volatile sig_atomic_t reload;

static void	usage(FILE *);
static void	on_signal(int);
static int	read_config(struct collector_conf *, const char *, int,
		    char **, struct collector_conf *, unsigned char *, char *,
		    size_t);
static int	do_reload(struct collector_conf *, const char *, int, char **,
		    struct ingest *);
static void	db_back(struct ingest *);

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "broker", required_argument, NULL, 'b' },
	{ "db", required_argument, NULL, 'd' },
	{ "client-id", required_argument, NULL, 'i' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "option", required_argument, NULL, 'o' },
	{ "check", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};
static const char shortopts[] = "c:b:d:i:l:o:nhV";

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: collector [-nhV] [-c file] [-b uri] [-d conninfo] "
	    "[-i client-id] [-l level] [-o key=value]\n"
	    "\n"
	    "Subscribes to grid workers' reports, validates and stores them in\n"
	    "PostgreSQL, routes each by the routing rules, and answers with an\n"
	    "Ack; applies dispatchers' actions on cases and tells everyone.\n"
	    "\n"
	    "  -c, --config FILE      read 'key value' settings from FILE\n"
	    "  -b, --broker URI       MQTT broker (tcp://host:port, ssl://...)\n"
	    "  -d, --db CONNINFO      libpq connection string (password: use\n"
	    "                         PGPASSWORD or PGPASSFILE, not this flag)\n"
	    "  -i, --client-id ID     MQTT client id\n"
	    "  -l, --log-level LEVEL  error, warn, info or debug\n"
	    "  -o, --option KEY=VALUE any setting of the config file\n"
	    "  -n, --check            check the configuration and exit\n"
	    "  -h, --help             show this help\n"
	    "  -V, --version          show the version\n"
	    "\n"
	    "Signals: SIGHUP reads the config file again and applies log_level,\n"
	    "batch_max, sweep_interval, snapshot_interval and clock_offset at once\n"
	    "(other settings at the next start; a flag still wins over the file),\n"
	    "and reloads the routing rules (a change to table route_rule reloads\n"
	    "them too); SIGTERM and SIGINT drain (stop taking reports, store and\n"
	    "acknowledge those taken, exit).\n");
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
}

/*
 * Defaults, then the config file, then the flags: at startup, and again
 * on SIGHUP.  With filed not NULL (a SIGHUP), it is given the settings
 * before the flags, unchecked, and named (collector_nopts flags) what the
 * file names: the one reading of the file serves both.  0, or -1 with err
 * filled and c and filed freed.
 */
static int
read_config(struct collector_conf *c, const char *path, int argc, char **argv,
    struct collector_conf *filed, unsigned char *named, char *err,
    size_t size)
{
	char *eq;
	const char *name = NULL;
	int ch, rc = 0;

	memset(c, 0, sizeof(*c));
	conf_defaults(collector_opts, collector_nopts, c);
	if (path != NULL && conf_load_named(collector_opts, collector_nopts, c,
	    path, named, err, size) < 0)
		rc = -1;
	if (filed != NULL) {
		memset(filed, 0, sizeof(*filed));
		if (rc == 0)
			conf_copy(collector_opts, collector_nopts, filed, c);
	}
	optind = 0;		/* glibc: scan argv afresh (BSD: optreset) */
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		char *val = optarg;

		switch (ch) {
		case 'b': name = "broker"; break;
		case 'd': name = "db"; break;
		case 'i': name = "client_id"; break;
		case 'l': name = "log_level"; break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL) {
				snprintf(err, size, "-o takes key=value");
				rc = -1;
				continue;
			}
			*eq = '\0';
			name = optarg;
			val = eq + 1;
			break;
		default:
			continue;
		}
		if (conf_set(collector_opts, collector_nopts, c, name, val,
		    err, size) < 0)
			rc = -1;
		if (ch == 'o')
			optarg[strlen(optarg)] = '=';
	}
	if (rc == 0)
		rc = collector_conf_check(c, err, size);
	if (rc < 0) {
		conf_free(collector_opts, collector_nopts, c);
		if (filed != NULL)
			conf_free(collector_opts, collector_nopts, filed);
	}
	return rc;
}

/*
 * SIGHUP: read the settings again as at startup and apply those that can
 * change while running; each other setting that changed is named in the
 * log and keeps its value until the next start.  A setting the file
 * changes but a flag fixes is named too (kept-flag).  Settings that do not
 * read or check change nothing (-1).
 */
static int
do_reload(struct collector_conf *c, const char *path, int argc, char **argv,
    struct ingest *in)
{
	struct collector_conf fresh, filed;
	unsigned char *named;
	char err[256];
	int changed = 0, later = 0, kept = 0;
	int before = log_level_parse(c->log_level), after;

	reload = 0;
	if (path == NULL) {
		log_info("event=reload result=nothing-to-reload "
		    "note=\"no config file\"");
		return 0;
	}
	/* and the file alone, over the defaults, unchecked: what it names
	 * and a flag keeps from changing is said */
	named = xcalloc(collector_nopts, 1);
	if (read_config(&fresh, path, argc, argv, &filed, named, err,
	    sizeof(err)) < 0) {
		log_error("event=reload result=kept-old error=\"%s\"", err);
		free(named);
		return -1;
	}
	for (size_t i = 0; i < collector_nopts; i++) {
		const struct conf_opt *o = &collector_opts[i];

		if (conf_same(o, c, &fresh)) {
			if (named[i] && !conf_same(o, c, &filed)) {
				log_warn("event=reload setting=%s "
				    "result=kept-flag note=\"a flag given at "
				    "start wins over the file\"", o->name);
				kept++;
			}
			continue;
		}
		if (!(o->flags & CONF_LIVE)) {
			log_warn("event=reload setting=%s result=at-next-start",
			    o->name);
			later++;
			continue;
		}
		conf_move(o, c, &fresh);
		changed++;
	}
	conf_free(collector_opts, collector_nopts, &fresh);
	conf_free(collector_opts, collector_nopts, &filed);
	free(named);
	ingest_set_batch_max(in->shared, (size_t)c->batch_max);
	in->snapshot_interval_ms = c->snapshot_interval * 1000L;
	/* the answer shows at the old level or the new, whichever shows
	 * more: a reload to "warn" is seen to have happened */
	after = log_level_parse(c->log_level);
	log_set_level(after > before ? after : before);
	log_info("event=reload result=ok changed=%d at_next_start=%d "
	    "kept_by_flag=%d log_level=%s batch_max=%ld sweep_interval=%ld "
	    "snapshot_interval=%ld clock_offset=%ld", changed, later, kept,
	    c->log_level, c->batch_max, c->sweep_interval,
	    c->snapshot_interval, c->clock_offset);
	log_set_level(after);
	return 0;
}

/* Paho's thread: reports to the store workers, actions to the main loop. */
struct inbox {
	struct queue	*actions;
	struct queue	*reports;
};

static void
to_inbox(void *arg, const char *topic, const void *payload, size_t len)
{
	struct inbox *ib = arg;

	queue_push(ingest_is_action(topic) ? ib->actions : ib->reports, topic,
	    payload, len);
}

/*
 * Reconnect a lost database connection, and then take in what changed
 * while it was away, which sent no notice: the routing rules, and the
 * alerts raised meanwhile.
 */
static void
db_back(struct ingest *in)
{
	if (store_ok(in->store) || store_reconnect(in->store) < 0)
		return;
	ingest_reload_rules(in, "reconnect");
	while (ingest_alerts(in, ALERT_SETTLED_S) == ALERT_BATCH)
		;
}

int
main(int argc, char **argv)
{
	struct collector_conf conf;
	struct mqtt_opts mo;
	struct sigaction sa;
	struct ingest in;
	struct ingest_shared shared;
	struct ingest_stats st;
	struct inbox inbox;
	struct workers_conf wc;
	struct workers *workers = NULL;
	struct queue *q, *rq;
	struct store *store = NULL;
	struct mqtt *mqtt = NULL;
	struct metrics *metrics = NULL;
	struct qmsg *batch[INGEST_BATCH_MAX];
	size_t nbatch = 0, late, left = 0;
	const char *subs[] = { TOPIC_REPORT_SHARED, TOPIC_ACTION_SHARED };
	const char *config_path = NULL;
	char client_id[96], host[64], errbuf[256];
	long backoff = BACKOFF_MIN_MS;
	int64_t next_sweep;
	int ch, check_only = 0, status = 0, notices;

	log_init("collector", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'n': check_only = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("collector %s\n", GR_VERSION); return 0;
		case 'b': case 'd': case 'i': case 'l': case 'o': break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "collector: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (read_config(&conf, config_path, argc, argv, NULL, NULL, errbuf,
	    sizeof(errbuf)) < 0)
		fatalx("event=config error=\"%s\"", errbuf);
	log_set_level(log_level_parse(conf.log_level));
	if (conf.mq.password_file != NULL &&
	    (conf.mq.password = read_secret(conf.mq.password_file)) == NULL)
		fatal("event=config error=\"cannot read %s\"",
		    conf.mq.password_file);
	if (check_only) {
		printf("configuration OK\n");
		free(conf.mq.password);
		conf_free(collector_opts, collector_nopts, &conf);
		return 0;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (conf.client_id != NULL)
		strlcpy_gr(client_id, conf.client_id, sizeof(client_id));
	else {
		if (gethostname(host, sizeof(host)) < 0)
			strlcpy_gr(host, "host", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(client_id, sizeof(client_id), "collector-%s-%ld", host,
		    (long)getpid());
	}

	while (!quit && (store = store_open(conf.db)) == NULL) {
		pause_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    backoff * 2;
	}
	if (!quit && (metrics = metrics_new((int)conf.metrics_port)) == NULL)
		fatalx("event=startup error=\"cannot listen on metrics_port "
		    "%ld\"", conf.metrics_port);
	ingest_shared_init(&shared, (size_t)conf.batch_max);
	q = inbox.actions = queue_new((size_t)conf.queue_max);
	rq = inbox.reports = queue_new((size_t)conf.queue_max);
	metrics_watch(metrics, rq);
	memset(&mo, 0, sizeof(mo));
	mqtt_opts_endpoint(&mo, &conf.mq);
	mo.client_id = client_id;
	mo.clean_start = 1;	/* shared subscriptions: see DESIGN.md 11 */
	mo.keepalive = 30;
	mo.max_inflight = (int)conf.max_inflight;
	mo.auto_reconnect = 1;
	mo.buffer_offline = 1;
	mo.nodelay = conf.tcp_nodelay;
	/* to_inbox() blocks on a full inbox; the store workers, which empty
	 * it, must never wait for Paho meanwhile. */
	mo.publish_thread = 1;
	mo.subs = subs;
	mo.nsubs = 2;
	if (!quit && (mqtt = mqtt_new(&mo, to_inbox, &inbox)) == NULL)
		fatalx("event=startup error=\"bad broker URI\"");
	backoff = BACKOFF_MIN_MS;
	while (!quit && mqtt_connect(mqtt, 10000) < 0) {
		log_warn("event=mqtt-connect broker=%s error=\"%s\"",
		    conf.mq.broker, mqtt_error(mqtt, errbuf, sizeof(errbuf)));
		pause_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    backoff * 2;
	}
	memset(&wc, 0, sizeof(wc));
	wc.n = conf.store_workers > 0 ? (int)conf.store_workers :
	    workers_for_machine();
	if (store != NULL) {
		ingest_init(&in, store, mqtt, metrics, &shared, -1);
		in.snapshot_interval_ms = conf.snapshot_interval * 1000L;
		if (!quit && ingest_reload_rules(&in, "startup") < 0)
			fatalx("event=startup error=\"cannot load the routing "
			    "rules; is the schema migrated?\"");
		/* those a collector left: none of ours can be waiting */
		while (!quit && ingest_alerts(&in, 0) == ALERT_BATCH)
			;
		wc.db = conf.db;
		wc.q = rq;
		wc.mqtt = mqtt;
		wc.metrics = metrics;
		wc.shared = &shared;
		if (!quit)
			workers = workers_start(&wc);
	}
	if (!quit)
		log_info("event=started version=%s broker=%s client_id=%s "
		    "store_workers=%d", GR_VERSION, conf.mq.broker, client_id,
		    wc.n);

	backoff = BACKOFF_MIN_MS;
	next_sweep = mono_ms();
	while (!quit) {
		if (conf.sweep_interval > 0 && mono_ms() >= next_sweep) {
			/*
			 * A connection lost while no report came: the sweep
			 * (escalations) and the notices must not wait for
			 * the next report to bring the database back.
			 */
			db_back(&in);
			/* A full batch leaves more: sweep again next turn. */
			next_sweep = ingest_sweep(&in, conf.clock_offset) ==
			    SWEEP_BATCH ? mono_ms() :
			    mono_ms() + conf.sweep_interval * 1000;
			/* alerts a collector left unpublished */
			while (ingest_alerts(&in, ALERT_SETTLED_S) ==
			    ALERT_BATCH)
				;
		}
		if (reload) {
			long interval = conf.sweep_interval;
			int rc = do_reload(&conf, config_path, argc, argv,
			    &in);

			if (config_path != NULL)	/* a file was read */
				metrics_reload(in.metrics, rc == 0);
			/* a new interval counts from a sweep now */
			if (conf.sweep_interval != interval)
				next_sweep = mono_ms();
			ingest_reload_rules(&in, "sighup");
		}
		notices = store_notices(store);
		if (notices & STORE_NOTICE_RULES)
			ingest_reload_rules(&in, "notify");
		if (mqtt_subscription_refused(mqtt)) {
			/* Connected but deaf: let the supervisor restart us. */
			log_error("event=subscription-lost error=\"%s\"",
			    mqtt_error(mqtt, errbuf, sizeof(errbuf)));
			status = 1;
			break;
		}
		if (atomic_exchange(&shared.reload_wanted, 0))
			ingest_reload_rules(&in, "reconnect");
		if ((nbatch = ingest_take(&in, q, batch, nbatch, 200)) == 0) {
			ingest_idle(&in);
			continue;
		}
		if (ingest_batch(&in, batch, &nbatch) == 0) {
			backoff = BACKOFF_MIN_MS;
			continue;
		}
		/*
		 * The database is away or busy (deadlock, no space): hold the
		 * message and try again, reconnecting only a lost connection.
		 */
		log_warn("event=db-unavailable connected=%d queued=%zu "
		    "retry_ms=%ld", store_ok(store), queue_len(q) + nbatch,
		    backoff);
		pause_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    backoff * 2;
		db_back(&in);
	}

	if (mqtt != NULL && store != NULL) {
		if (mqtt_unsubscribe(mqtt, 2000) < 0)
			log_warn("event=unsubscribe-unanswered note=\"reports "
			    "may come in until the disconnect\"");
		log_info("event=draining queued=%zu", queue_len(rq) +
		    queue_len(q) + nbatch);
		memset(&st, 0, sizeof(st));
		workers_stop(workers, DRAIN_MS, &st);
		(void)ingest_drain(&in, q, batch, nbatch, mono_ms() + DRAIN_MS);
		/* the drains said what they left */
		left = queue_len(q) + queue_len(rq);
		ingest_stats_add(&st, &in.stats);
		mqtt_wait_idle(mqtt, 5000);
		if (ingest_idle(&in) < 0)
			log_warn("event=alert-marks-lost note=\"published "
			    "again at a sweep\"");
		log_info("event=stopped received=%lu stored=%lu duplicates=%lu "
		    "rejected=%lu failed=%lu actions=%lu actions_refused=%lu "
		    "alerts=%lu", st.received, st.stored, st.duplicates,
		    st.rejected, st.failed, st.actions, st.actions_refused,
		    st.alerts);
		ingest_cleanup(&in);
	} else
		while (nbatch > 0)
			qmsg_free(batch[--nbatch]);
	queue_close(q);		/* release Paho's thread if it waits on us */
	queue_close(rq);
	mqtt_free(mqtt, 2000);
	/* What came in after the drain was acknowledged to the broker: say so
	 * (the senders send it again, no Ack having come). */
	if ((late = queue_len(q) + queue_len(rq) + queue_dropped(q) +
	    queue_dropped(rq) - left) > 0)
		log_warn("event=drain-incomplete unstored=%zu note=\"came in "
		    "after the drain; their senders send them again\"",
		    late);
	metrics_watch(metrics, NULL);
	queue_free(q);
	queue_free(rq);
	ingest_shared_free(&shared);
	store_close(store);
	metrics_free(metrics);
	free(conf.mq.password);
	conf_free(collector_opts, collector_nopts, &conf);
	return status;
}
