/* grload.c -- benchmark load generator: simulated grid workers publish
 * Reports at QoS 1 and time each one until its Ack comes back; and an echo
 * responder that answers every Report at once, without a database, so that
 * the broker and the client code can be measured alone; or, with -D, after
 * storing each batch of them durably in one plain table and answering the
 * batch as the collector does (an Ack per report, the dispatch entries one
 * message per unit): the raw end-to-end ceiling, with none of the
 * collector's checks, routing, cases or alerts.
 *
 *   grload run -b URI -p PAIRS [-a AGENTS] [-n COUNT] [-d SECONDS]
 *       [-r RATE] [-w WINDOW] [-t TIMEOUT] [-o IDS] [-l LABEL] [-P SECONDS]
 *       [-T TRACE] [-N]
 *   grload echo -b URI [-g GROUP] [-D CONNINFO] [-N]
 *   grload db -D CONNINFO -p PAIRS [-n COUNT] [-d SECONDS] [-B BATCH]
 *
 * db is the database alone on the collector's own path: the same reports,
 * decoded, handed in batches of BATCH to collector/store.c's store_batch()
 * on one connection, without MQTT.
 *
 * PAIRS holds "worker grid" lines: a worker must be registered for the
 * grid it reports for.  Each simulated agent is one MQTT connection with
 * its own worker id; it publishes to gr/v1/report/{worker} and reads
 * gr/v1/ack/{worker}, and never has more than WINDOW reports unanswered.
 * It sends COUNT reports, or what it can in SECONDS, then waits for the
 * last Acks; run exits 0 only when every report it sent was stored and
 * acknowledged exactly once within the timeout. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../../collector/notify.h"
#include "../../collector/store.h"
#include "codec.h"
#include "log.h"
#include "mqtt.h"
#include "pgarr.h"
#include "queue.h"
#include "topic.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

#define MAX_AGENTS	1000
#define MAX_GRIDS	8
#define MAX_COUNT	10000000L

/* One report an agent has published and not yet seen answered. */
struct slot {
	char		 id[ULID_LEN + 1];
	int64_t		 sent_us;
	int		 used;
};

struct agent {
	struct load	*ld;
	int		 idx;		/* in the PAIRS order */
	struct mqtt	*m;
	int		 connected;	/* by connect_agent() */
	char		 error[160];
	char		 worker[33];
	char		 report_topic[TOPIC_MAX];
	char		 ack_topic[TOPIC_MAX];
	const char	*subs[1];	/* mqtt keeps this pointer */
	char		 grids[MAX_GRIDS][16];
	int		 ngrids;
	struct slot	*slots;		/* window of them */
	int		 inflight;
};

struct load {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	struct agent	*agents;
	int		 nagents;
	int		 window;
	FILE		*ids;		/* stored report ids, or NULL */
	uint32_t	*lat_us;	/* one per answered report */
	uint32_t	*sent_ms;	/* its publish, ms after t0_us */
	int64_t		 t0_us;		/* the first publish */
	long		 nlat;
	long		 inflight;	/* over all agents */
	long		 inflight_max;
	long		 stored, duplicates, rejected, unmatched, pubfail;
	int64_t		 last_ack_us;
	int64_t		 every_us;	/* progress lines, 0: none */
	int64_t		 next_us;
	long		 last_stored;
	long		 last_nlat;	/* answers before the last line */
	long		 phone_base;	/* random: each run its own petitioners */
};

static volatile sig_atomic_t quit;

static void	sleep_us(int64_t);
static int	broker_port(const char *);
static int	read_pairs(const char *, struct agent **, int *);
static struct slot *slot_find(struct agent *, const char *);
static void	on_ack(void *, const char *, const void *, size_t);
static void	on_published(void *, const char *, int, int);
static uint8_t	*make_report(const struct agent *, const char *, long,
		    size_t *);
static void	*connect_agent(void *);
static void	progress(struct load *, const char *, int64_t, long);
static int	cmp_u32(const void *, const void *);
static double	pct_ms(const uint32_t *, long, double);
static int	cmd_run(int, char **);
static void	on_signal(int);
struct echo;
static void	echo_answer(struct echo *, const char *, const Gr__Report *,
		    struct case_view *);
static Gr__Report *echo_decode(struct echo *, const char *, const void *,
		    size_t, char *, size_t);
static void	on_echo(void *, const char *, const void *, size_t);
static int	sink_batch(struct echo *, struct qmsg **, size_t);
static int	cmd_echo(int, char **);
static int	cmd_db(int, char **);
static void	*connect_range(void *);
static void	on_idle_msg(void *, const char *, const void *, size_t);
static int	cmd_idle(int, char **);
static void	usage(FILE *);


static void
sleep_us(int64_t us)
{
	struct timespec ts;

	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

/* The TCP port of a tcp://host:port URI, or -1. */
static int
broker_port(const char *uri)
{
	const char *c = strrchr(uri, ':');
	long p;

	if (c == NULL || parse_long(c + 1, 1, 65535, &p) < 0)
		return -1;
	return (int)p;
}

/* Read "worker grid" lines into one agent per worker.  0 or -1. */
static int
read_pairs(const char *path, struct agent **agentsp, int *np)
{
	FILE *fp = fopen(path, "r");
	struct agent *a = NULL;
	char line[256], w[64], g[64];
	int n = 0, i;

	if (fp == NULL) {
		fprintf(stderr, "grload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	a = xcalloc(MAX_AGENTS, sizeof(*a));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%63s %63s", w, g) != 2 || w[0] == '#')
			continue;
		if (!topic_id_valid(w) || strlen(w) >= sizeof(a->worker) ||
		    strlen(g) != 15) {
			fprintf(stderr, "grload: %s: bad line: %s", path, line);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (strcmp(a[i].worker, w) == 0)
				break;
		if (i == n) {
			if (n == MAX_AGENTS)
				continue;
			a[n].idx = n;
			strlcpy_gr(a[n++].worker, w, sizeof(a->worker));
		}
		if (a[i].ngrids < MAX_GRIDS)
			strlcpy_gr(a[i].grids[a[i].ngrids++], g,
			    sizeof(a->grids[0]));
	}
	fclose(fp);
	if (n == 0) {
		fprintf(stderr, "grload: %s: no worker-grid pairs\n", path);
		free(a);
		return -1;
	}
	*agentsp = a;
	*np = n;
	return 0;

fail:
	fclose(fp);
	free(a);
	return -1;
}

/* The agent's unanswered report with this id; call with the lock held. */
static struct slot *
slot_find(struct agent *a, const char *id)
{
	for (int i = 0; i < a->ld->window; i++)
		if (a->slots[i].used && strcmp(a->slots[i].id, id) == 0)
			return &a->slots[i];
	return NULL;
}

/* An Ack (or case update) for this agent's worker, on Paho's thread. */
static void
on_ack(void *arg, const char *topic, const void *payload, size_t len)
{
	struct agent *a = arg;
	struct load *ld = a->ld;
	int64_t now = mono_us();
	Gr__Notice *n;
	struct slot *s;

	(void)topic;
	n = gr__notice__unpack(NULL, len, payload);
	if (n == NULL || n->body_case != GR__NOTICE__BODY_ACK ||
	    n->ack->report_id == NULL) {
		if (n != NULL)
			gr__notice__free_unpacked(n, NULL);
		return;
	}
	pthread_mutex_lock(&ld->lock);
	if ((s = slot_find(a, n->ack->report_id)) == NULL) {
		ld->unmatched++;	/* a second Ack, or a stranger's */
	} else {
		switch (n->ack->status) {
		case GR__ACK_STATUS__STORED:
			ld->stored++;
			if (ld->ids != NULL)
				fprintf(ld->ids, "%s\n", s->id);
			break;
		case GR__ACK_STATUS__DUPLICATE:
			ld->duplicates++;
			break;
		default:
			ld->rejected++;
			if (ld->rejected <= 5)
				fprintf(stderr, "grload: report %s rejected: "
				    "%s %s\n", s->id, n->ack->reason ?
				    n->ack->reason : "-", n->ack->message ?
				    n->ack->message : "-");
			break;
		}
		ld->sent_ms[ld->nlat] = (uint32_t)((s->sent_us - ld->t0_us) /
		    1000);
		ld->lat_us[ld->nlat++] = (uint32_t)(now - s->sent_us);
		s->used = 0;
		a->inflight--;
		ld->inflight--;
		ld->last_ack_us = now;
		pthread_cond_broadcast(&ld->cond);
	}
	pthread_mutex_unlock(&ld->lock);
	gr__notice__free_unpacked(n, NULL);
}

/* The broker refused a report (e.g. ACL): no Ack will come for it. */
static void
on_published(void *arg, const char *tag, int ok, int reason)
{
	struct agent *a = arg;
	struct load *ld = a->ld;
	struct slot *s;

	if (ok)
		return;
	pthread_mutex_lock(&ld->lock);
	ld->pubfail++;
	if (ld->pubfail <= 5)
		fprintf(stderr, "grload: publish of %s failed (reason %d)\n",
		    tag, reason);
	if ((s = slot_find(a, tag)) != NULL) {
		s->used = 0;
		a->inflight--;
		ld->inflight--;
		pthread_cond_broadcast(&ld->cond);
	}
	pthread_mutex_unlock(&ld->lock);
}

/*
 * A valid Report number i of agent a, packed into a malloc'd buffer the
 * caller frees.  The mix is that of a county's everyday traffic: the
 * township-level classes in turn, mostly yellow and green, one in ten red
 * (routed to the county), and a petitioner of its own (phone) each, so
 * that repeats are found only by grid and class, as they would be.
 */
static uint8_t *
make_report(const struct agent *a, const char *id, long i, size_t *lenp)
{
	static char *const cats[][2] = { { "01", "0101" }, { "02", "0201" },
	    { "03", "0301" }, { "05", "0501" }, { "06", "0601" },
	    { "07", "0701" }, { "09", "0901" }, { "10", "1001" },
	    { "11", "1101" }, { "12", "1201" }, { "13", "1301" },
	    { "14", "1401" }, { "15", "1501" }, { "17", "1701" },
	    { "18", "1801" }, { "19", "1901" }, { "20", "2001" },
	    { "21", "2101" } };
	static char summary[] = "建筑工地拖欠农民工工资, 工人到村委会反映";
	static char description[] = "某建筑工地包工头拖欠十余名农民工"
	    "近三个月工资, 工人多次讨要未果, 情绪激动, 网格员现场了解情况"
	    "并登记, 需相关部门协调处理。";
	static char address[] = "陆良县中枢街道东门社区";
	static char name1[] = "张某", name2[] = "某建筑公司";
	Gr__Report r = GR__REPORT__INIT;
	Gr__Location loc = GR__LOCATION__INIT;
	Gr__Party p1 = GR__PARTY__INIT, p2 = GR__PARTY__INIT;
	Gr__Party *parties[2] = { &p1, &p2 };
	char device[48], phone[16];
	int64_t now = now_ms();
	size_t c = (size_t)i % (sizeof(cats) / sizeof(cats[0]));

	snprintf(device, sizeof(device), "bench-%s", a->worker);
	/* each agent its own petitioners: none repeats another's */
	snprintf(phone, sizeof(phone), "139%08ld",
	    (a->ld->phone_base + (long)a->idx * 1000003L + i) % 100000000);
	r.has_schema_version = 1;
	r.schema_version = REPORT_SCHEMA_VERSION;
	r.id = (char *)(uintptr_t)id;
	r.worker_id = (char *)(uintptr_t)a->worker;
	r.device_id = device;
	r.grid_code = (char *)(uintptr_t)a->grids[i % a->ngrids];
	r.has_created_at = 1;
	r.created_at = now;
	r.has_occurred_at = 1;
	r.occurred_at = now - 3600 * 1000;
	r.category = cats[c][0];
	r.item = cats[c][1];
	r.has_colour = 1;
	r.colour = i % 10 == 0 ? GR__COLOUR__RED : i % 10 < 4 ?
	    GR__COLOUR__GREEN : GR__COLOUR__YELLOW;
	r.has_people = 1;
	r.people = (uint32_t)(1 + i % 4);
	if (c == 0) {
		r.has_amount_fen = 1;
		r.amount_fen = 8600000;
	}
	r.summary = summary;
	r.description = description;
	p1.has_role = 1;
	p1.role = GR__PARTY_ROLE__PETITIONER;
	p1.name = name1;
	p1.phone = phone;
	p2.has_role = 1;
	p2.role = GR__PARTY_ROLE__RESPONDENT;
	p2.organisation = name2;
	p2.name = name2;
	r.n_parties = 2;
	r.parties = parties;
	loc.has_lat = 1;
	loc.lat = 25.03 + (double)(i % 100) / 10000;
	loc.has_lon = 1;
	loc.lon = 103.67;
	loc.address = address;
	r.location = &loc;
	r.has_channel = 1;
	r.channel = GR__CHANNEL__GRID_VISIT;
	return codec_pack(&r.base, lenp);
}

/*
 * Connect one agent (a thread of its own).  Paho's MQTTAsync serves every
 * client of a process from one receive thread that polls with a 1 s
 * timeout and is not woken for a new socket: connecting agents one after
 * another costs about 2 s each, connecting them all at once 2 s in all.
 */
static void *
connect_agent(void *arg)
{
	struct agent *a = arg;

	if (mqtt_connect(a->m, 20000) == 0)
		a->connected = 1;
	else
		mqtt_error(a->m, a->error, sizeof(a->error));
	return NULL;
}

/* Every every_us, one line on stderr: what was sent and stored so far, and
 * the rate and the slowest answer since the last line, so that a stage's
 * slow moments can be placed in time.  Call with the lock held. */
/* -T: each answer's publish (ms after the first) and its latency (ms), in
 * the order the answers came.  0, or -1 when the file could not be
 * written. */
static int
write_trace(const char *path, const struct load *ld, long n)
{
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "grload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "# sent_ms latency_ms\n");
	for (long i = 0; i < n; i++)
		fprintf(fp, "%u %.3f\n", ld->sent_ms[i], ld->lat_us[i] / 1000.0);
	if (fclose(fp) != 0) {
		fprintf(stderr, "grload: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/*
 * Where the slowest 1 % of the answers were sent: in how many of the
 * run's quarter-seconds, and how many the worst of them held.  A p99 set
 * by a few pauses (a plan made again, a WAL file created) shows as few
 * quarter-seconds holding many; a slow path as slow answers everywhere.
 * A line for the caller to free, or NULL for fewer than 100 answers.
 */
static char *
tail(const struct load *ld, long n)
{
	uint32_t *sorted, limit, last = 0;
	long slow = 0, k, buckets, spans = 0, worst = 0, *count;
	char *line;

	if (n < 100)
		return NULL;
	sorted = xcalloc((size_t)n, sizeof(*sorted));
	memcpy(sorted, ld->lat_us, (size_t)n * sizeof(*sorted));
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_u32);
	limit = sorted[n - n / 100];	/* the slowest n / 100 and their ties */
	free(sorted);
	for (long i = 0; i < n; i++)
		if (ld->sent_ms[i] > last)
			last = ld->sent_ms[i];
	buckets = last / 250 + 1;
	count = xcalloc((size_t)buckets, sizeof(*count));
	for (long i = 0; i < n; i++)
		if (ld->lat_us[i] >= limit) {
			k = ld->sent_ms[i] / 250;
			slow++;
			if (count[k]++ == 0)
				spans++;
			if (count[k] > worst)
				worst = count[k];
		}
	free(count);
	if (asprintf(&line, "the slowest 1 %% (%ld answers, %.2f ms and over) "
	    "were sent in %ld of the run's %ld quarter-seconds, at most %ld "
	    "in one", slow, limit / 1000.0, spans, buckets, worst) < 0)
		fatal("event=out-of-memory");
	return line;
}

static void
progress(struct load *ld, const char *label, int64_t t0, long sent)
{
	int64_t now = mono_us();
	uint32_t slowest = 0;
	char answer[32] = "none";	/* a stall shows as such */

	if (ld->every_us == 0 || now < ld->next_us)
		return;
	for (long i = ld->last_nlat; i < ld->nlat; i++)
		if (ld->lat_us[i] > slowest)
			slowest = ld->lat_us[i];
	if (ld->nlat > ld->last_nlat)
		snprintf(answer, sizeof(answer), "%.1f ms", slowest / 1000.0);
	fprintf(stderr, "grload %s: %5.1f s: sent %ld, stored %ld, "
	    "%.0f/s and slowest answer %s in the last %.0f s\n", label,
	    (double)(now - t0) / 1e6, sent, ld->stored,
	    (double)(ld->stored - ld->last_stored) * 1e6 /
	    (double)(now - ld->next_us + ld->every_us), answer,
	    (double)ld->every_us / 1e6);
	ld->last_stored = ld->stored;
	ld->last_nlat = ld->nlat;
	ld->next_us = now + ld->every_us;
}

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* The p-th percentile (nearest rank) of sorted microseconds, in ms. */
static double
pct_ms(const uint32_t *v, long n, double p)
{
	long k;

	if (n == 0)
		return 0;
	k = (long)(p / 100.0 * (double)n + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return v[k] / 1000.0;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "broker", required_argument, NULL, 'b' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "agents", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "progress", required_argument, NULL, 'P' },
		{ "rate", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ids", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "trace", required_argument, NULL, 'T' },
		{ "no-nodelay", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct load ld;
	const char *trace = NULL;
	char *tail_line = NULL;
	struct agent *agents = NULL;
	const char *uri = NULL, *pairs = NULL, *ids = NULL, *label = "run";
	long nagents = 0, count = 10000, rate = 0, window = 4, timeout = 60;
	long sent = 0, stalls = 0, answered, i, duration = 0, every = 0;
	int64_t t0, t_sent, t_end, due, lag, lag_max = 0, waited_since;
	double elapsed, send_s, cpu_s;
	struct rusage ru0, ru1;
	int ch, nodelay = 1, port, fixed = 0, status = 0, rr = 0, nworkers;
	pthread_t *threads;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:p:a:n:d:r:w:t:o:l:P:T:N", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b': uri = optarg; break;
		case 'p': pairs = optarg; break;
		case 'o': ids = optarg; break;
		case 'l': label = optarg; break;
		case 'T': trace = optarg; break;
		case 'N': nodelay = 0; break;
		case 'a':
			if (parse_long(optarg, 1, MAX_AGENTS, &nagents) < 0)
				goto usage;
			break;
		case 'n':
			if (parse_long(optarg, 1, MAX_COUNT, &count) < 0)
				goto usage;
			break;
		case 'd':
			if (parse_long(optarg, 0, 86400, &duration) < 0)
				goto usage;
			break;
		case 'P':
			if (parse_long(optarg, 0, 3600, &every) < 0)
				goto usage;
			break;
		case 'r':
			if (parse_long(optarg, 0, 1000000, &rate) < 0)
				goto usage;
			break;
		case 'w':
			if (parse_long(optarg, 1, 1000, &window) < 0)
				goto usage;
			break;
		case 't':
			if (parse_long(optarg, 1, 3600, &timeout) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (uri == NULL || pairs == NULL || optind != argc)
		goto usage;
	if ((port = broker_port(uri)) < 0 || strncmp(uri, "tcp://", 6) != 0) {
		fprintf(stderr, "grload: broker must be tcp://host:port\n");
		return 2;
	}
	if (read_pairs(pairs, &agents, &nworkers) < 0)
		return 2;
	if (nagents == 0)
		nagents = nworkers;
	if (nagents > nworkers) {
		fprintf(stderr, "grload: %ld agents asked, %d workers in %s "
		    "(each agent needs a worker id of its own)\n", nagents,
		    nworkers, pairs);
		free(agents);
		return 2;
	}

	memset(&ld, 0, sizeof(ld));
	pthread_mutex_init(&ld.lock, NULL);
	cond_init(&ld.cond);
	ld.agents = agents;
	ld.nagents = (int)nagents;
	ld.window = (int)window;
	if (getrandom(&ld.phone_base, sizeof(ld.phone_base), 0) !=
	    sizeof(ld.phone_base))
		fatal("event=getrandom");
	ld.phone_base = (long)((unsigned long)ld.phone_base % 100000000);
	ld.lat_us = xcalloc((size_t)count, sizeof(*ld.lat_us));
	ld.sent_ms = xcalloc((size_t)count, sizeof(*ld.sent_ms));
	if (ids != NULL && (ld.ids = fopen(ids, "w")) == NULL) {
		fprintf(stderr, "grload: %s: %s\n", ids, strerror(errno));
		return 2;
	}

	for (int k = 0; k < ld.nagents; k++) {
		struct agent *a = &agents[k];
		struct mqtt_opts mo;
		char cid[64];

		a->ld = &ld;
		a->slots = xcalloc((size_t)window, sizeof(*a->slots));
		topic_make(a->report_topic, sizeof(a->report_topic),
		    TOPIC_REPORT, a->worker);
		topic_make(a->ack_topic, sizeof(a->ack_topic), TOPIC_ACK,
		    a->worker);
		a->subs[0] = a->ack_topic;
		snprintf(cid, sizeof(cid), "grload-%s-%ld", a->worker,
		    (long)getpid());
		memset(&mo, 0, sizeof(mo));
		mo.uri = uri;
		mo.client_id = cid;
		mo.clean_start = 1;
		mo.keepalive = 30;
		mo.max_inflight = (int)window;
		/* Also lifts Paho's default cap of 100 queued publishes. */
		mo.buffer_offline = 1;
		mo.subs = a->subs;
		mo.nsubs = 1;
		/* A lost connection fails the run: no resends, no reconnect. */
		if ((a->m = mqtt_new(&mo, on_ack, a)) == NULL) {
			fprintf(stderr, "grload: bad broker URI %s\n", uri);
			status = 1;
			ld.nagents = k;
			goto out;
		}
	}
	threads = xcalloc((size_t)ld.nagents, sizeof(*threads));
	for (int k = 0; k < ld.nagents; k++)
		if (pthread_create(&threads[k], NULL, connect_agent,
		    &agents[k]) != 0)
			fatal("event=pthread-create");
	for (int k = 0; k < ld.nagents; k++) {
		pthread_join(threads[k], NULL);
		if (!agents[k].connected) {
			fprintf(stderr, "grload: agent %s cannot connect: %s\n",
			    agents[k].worker, agents[k].error);
			status = 1;
		}
	}
	free(threads);
	if (status != 0)
		goto out;
	if (nodelay)
		fixed = mqtt_nodelay_port(port);

	/* Send, paced or at full speed, never more than window per agent. */
	getrusage(RUSAGE_SELF, &ru0);
	t0 = mono_us();
	ld.t0_us = t0;
	waited_since = 0;
	pthread_mutex_lock(&ld.lock);
	ld.last_ack_us = t0;
	ld.every_us = every * 1000000;
	ld.next_us = t0 + ld.every_us;
	for (i = 0; i < count; ) {
		struct agent *a = NULL;
		struct slot *s = NULL;
		uint8_t *buf;
		size_t len;
		int k;

		progress(&ld, label, t0, sent);
		if (duration > 0 && mono_us() - t0 >= duration * 1000000)
			break;
		if (rate > 0) {
			due = t0 + (int64_t)((double)i * 1e6 / (double)rate);
			if ((lag = mono_us() - due) < 0) {
				pthread_mutex_unlock(&ld.lock);
				sleep_us(-lag);
				pthread_mutex_lock(&ld.lock);
			} else if (lag > lag_max)
				lag_max = lag;
		}
		for (k = 0; k < ld.nagents; k++) {
			a = &agents[(rr + k) % ld.nagents];
			if (a->inflight < ld.window)
				break;
		}
		if (k == ld.nagents) {
			struct timespec ts;

			/* Every window is full: wait for an Ack. */
			if (waited_since == 0) {
				waited_since = mono_us();
				stalls++;
			}
			if (mono_us() - ld.last_ack_us > timeout * 1000000) {
				fprintf(stderr, "grload: no Ack for %lds, "
				    "giving up after %ld sent\n", timeout, sent);
				break;
			}
			deadline_after(&ts, 100);
			pthread_cond_timedwait(&ld.cond, &ld.lock, &ts);
			continue;
		}
		waited_since = 0;
		rr = (int)((a - agents) + 1) % ld.nagents;
		for (k = 0; k < ld.window; k++)
			if (!a->slots[k].used) {
				s = &a->slots[k];
				break;
			}
		if (ulid_make(s->id, now_ms()) < 0)
			fatal("event=ulid");
		s->used = 1;
		a->inflight++;
		if (++ld.inflight > ld.inflight_max)
			ld.inflight_max = ld.inflight;
		pthread_mutex_unlock(&ld.lock);

		buf = make_report(a, s->id, i, &len);
		s->sent_us = mono_us();
		if (mqtt_publish(a->m, a->report_topic, buf, len, 1,
		    on_published, a, s->id) < 0) {
			pthread_mutex_lock(&ld.lock);
			ld.pubfail++;
			s->used = 0;
			a->inflight--;
			ld.inflight--;
		} else {
			pthread_mutex_lock(&ld.lock);
			sent++;
		}
		free(buf);
		i++;
	}
	t_sent = mono_us();

	/* Wait for the last Acks. */
	while (ld.inflight > 0 &&
	    mono_us() - ld.last_ack_us < timeout * 1000000) {
		struct timespec ts;

		deadline_after(&ts, 100);
		pthread_cond_timedwait(&ld.cond, &ld.lock, &ts);
		progress(&ld, label, t0, sent);
	}
	t_end = ld.inflight > 0 ? mono_us() : ld.last_ack_us;
	answered = ld.nlat;
	pthread_mutex_unlock(&ld.lock);
	getrusage(RUSAGE_SELF, &ru1);
	cpu_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
	    ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
	    ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;

	if (trace != NULL && write_trace(trace, &ld, answered) < 0)
		status = 1;
	tail_line = tail(&ld, answered);
	qsort(ld.lat_us, (size_t)answered, sizeof(*ld.lat_us), cmp_u32);
	elapsed = (double)(t_end - t0) / 1e6;
	send_s = (double)(t_sent - t0) / 1e6;
	printf("grload %s: %d agents, window %d, %s, %ld reports%s, "
	    "TCP_NODELAY %s (%d sockets)\n", label, ld.nagents, ld.window,
	    rate > 0 ? "paced" : "full speed", count, sent < count &&
	    duration > 0 ? " (sending stopped at the time limit)" : "",
	    nodelay ? "on" : "off (as Paho leaves it)", fixed);
	if (rate > 0)
		printf("  offered     %ld/s asked, %.0f/s achieved, "
		    "max lag %.1f ms\n", rate, send_s > 0 ? sent / send_s : 0,
		    lag_max / 1000.0);
	printf("  sent        %ld\n", sent);
	printf("  acked       %ld (stored %ld, duplicate %ld, rejected %ld)\n",
	    answered, ld.stored, ld.duplicates, ld.rejected);
	printf("  unanswered  %ld, extra Acks %ld, publish failures %ld\n",
	    ld.inflight, ld.unmatched, ld.pubfail);
	printf("  elapsed     %.3f s (sending %.3f s), window full %ld times, "
	    "in flight at most %ld, grload CPU %.2f s\n", elapsed, send_s,
	    stalls, ld.inflight_max, cpu_s);
	printf("  throughput  %.0f reports/s stored and acked\n",
	    elapsed > 0 ? ld.stored / elapsed : 0);
	printf("  latency ms  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
	    pct_ms(ld.lat_us, answered, 50), pct_ms(ld.lat_us, answered, 90),
	    pct_ms(ld.lat_us, answered, 99), pct_ms(ld.lat_us, answered, 100));
	if (tail_line != NULL)
		printf("  tail        %s\n", tail_line);
	printf("result label=%s agents=%d window=%d rate=%ld count=%ld "
	    "sent=%ld acked=%ld stored=%ld duplicates=%ld rejected=%ld "
	    "unanswered=%ld extra=%ld pubfail=%ld elapsed=%.3f "
	    "offered=%.0f rps=%.0f p50=%.2f p90=%.2f p99=%.2f max=%.2f "
	    "inflight_max=%ld cpu=%.2f\n", label, ld.nagents, ld.window, rate, count,
	    sent, answered, ld.stored, ld.duplicates, ld.rejected, ld.inflight,
	    ld.unmatched, ld.pubfail, elapsed, send_s > 0 ? sent / send_s : 0,
	    elapsed > 0 ? ld.stored / elapsed : 0,
	    pct_ms(ld.lat_us, answered, 50), pct_ms(ld.lat_us, answered, 90),
	    pct_ms(ld.lat_us, answered, 99), pct_ms(ld.lat_us, answered, 100),
	    ld.inflight_max, cpu_s);
	fflush(stdout);
	if (ld.stored != sent || ld.duplicates != 0 || ld.unmatched != 0 ||
	    ld.pubfail != 0 || (sent < count && duration == 0)) {
		fprintf(stderr, "grload %s: FAILED: %ld of %ld reports stored "
		    "and acknowledged exactly once within %lds\n", label,
		    ld.stored, sent, timeout);
		status = 1;
	}

out:
	for (int k = 0; k < ld.nagents; k++)
		mqtt_free(agents[k].m, 1000);
	for (int k = 0; k < (int)nagents; k++)
		free(agents[k].slots);
	if (ld.ids != NULL && fclose(ld.ids) != 0) {
		fprintf(stderr, "grload: %s: %s\n", ids, strerror(errno));
		status = 1;
	}
	free(ld.lat_us);
	free(ld.sent_ms);
	free(tail_line);
	free(agents);
	pthread_mutex_destroy(&ld.lock);
	pthread_cond_destroy(&ld.cond);
	return status;

usage:
	usage(stderr);
	return 2;
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

struct echo {
	struct mqtt	*m;
	PGconn		*db;		/* -D: the sink's connection */
	struct dispatch_list *list;	/* -D: a batch's dispatch entries */
	pthread_mutex_t	 lock;
	unsigned long	 replies, bad, pubfail, stored, batches, dbfail;
};

/* Reports the sink stores with one statement at most. */
#define SINK_BATCH	100

static char echo_unit_name[] = "中枢街道", echo_rule[] = "territorial",
    echo_reason[] = "属地管理", echo_actor[] = "echo";

/* A report's case as the collector's dispatch entry has it. */
static void
echo_view(struct case_view *v, const Gr__Report *r, const char *case_no,
    const char *unit)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->case_no, sizeof(v->case_no), "%s", case_no);
	snprintf(v->report_id, sizeof(v->report_id), "%s", r->id);
	v->state = GR__CASE_STATE__ROUTED;
	v->level = GR__LEVEL__TOWNSHIP;
	snprintf(v->unit, sizeof(v->unit), "%s", unit);
	snprintf(v->unit_name, sizeof(v->unit_name), "%s", echo_unit_name);
	snprintf(v->grid_code, sizeof(v->grid_code), "%s", r->grid_code);
	snprintf(v->worker_id, sizeof(v->worker_id), "%s", r->worker_id);
	snprintf(v->category, sizeof(v->category), "%s", r->category);
	snprintf(v->item, sizeof(v->item), "%s", r->item ? r->item : "");
	snprintf(v->summary, sizeof(v->summary), "%s", r->summary);
	snprintf(v->route_rule, sizeof(v->route_rule), "%s", echo_rule);
	snprintf(v->route_reason, sizeof(v->route_reason), "%s", echo_reason);
	snprintf(v->event_actor, sizeof(v->event_actor), "%s", echo_actor);
}

/* Count n publishes that could not be queued. */
static void
echo_failed(struct echo *e, unsigned long n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&e->lock);
	e->pubfail += n;
	pthread_mutex_unlock(&e->lock);
}

/*
 * A Report to the worker's Ack topic: its Ack, of about the same size as
 * the collector's, and v filled with its case (collector/notify.c sends
 * it: at once for the broker alone, a message per unit for a batch).
 */
static void
echo_answer(struct echo *e, const char *worker, const Gr__Report *r,
    struct case_view *v)
{
	Gr__Notice n = GR__NOTICE__INIT;
	Gr__Ack ack = GR__ACK__INIT;
	char t[TOPIC_MAX], case_no[32], unit[16], text[160];
	unsigned long seq;
	uint8_t *buf;
	size_t blen;

	pthread_mutex_lock(&e->lock);
	seq = ++e->replies;
	pthread_mutex_unlock(&e->lock);
	snprintf(case_no, sizeof(case_no), "530322-2026-%06lu", seq);
	snprintf(unit, sizeof(unit), "%.9s", r->grid_code);
	snprintf(text, sizeof(text), "已登记: 案件号 %s, 转 %s 办理", case_no,
	    echo_unit_name);

	ack.has_schema_version = 1;
	ack.schema_version = REPORT_SCHEMA_VERSION;
	ack.report_id = (char *)(uintptr_t)r->id;
	ack.has_status = 1;
	ack.status = GR__ACK_STATUS__STORED;
	ack.case_no = case_no;
	ack.routed_unit = unit;
	ack.routed_unit_name = echo_unit_name;
	ack.has_routed_level = 1;
	ack.routed_level = GR__LEVEL__TOWNSHIP;
	ack.message = text;
	n.body_case = GR__NOTICE__BODY_ACK;
	n.ack = &ack;
	buf = codec_pack(&n.base, &blen);
	if (topic_make(t, sizeof(t), TOPIC_ACK, worker) < 0 ||
	    mqtt_publish(e->m, t, buf, blen, 1, NULL, NULL, NULL) < 0)
		echo_failed(e, 1);
	free(buf);
	echo_view(v, r, case_no, unit);
}

/* The Report of a report topic, or NULL (counted as unreadable). */
static Gr__Report *
echo_decode(struct echo *e, const char *topic, const void *payload,
    size_t len, char *worker, size_t wsize)
{
	Gr__Report *r = NULL;

	if (topic_parse(topic, TOPIC_REPORT, worker, wsize) < 0 ||
	    (r = gr__report__unpack(NULL, len, payload)) == NULL ||
	    r->id == NULL || r->grid_code == NULL ||
	    strlen(r->grid_code) < 9 || !token_valid(r->id, NULL, 1, 64)) {
		if (r != NULL)
			gr__report__free_unpacked(r, NULL);
		pthread_mutex_lock(&e->lock);
		e->bad++;
		pthread_mutex_unlock(&e->lock);
		return NULL;
	}
	return r;
}

/* Without -D, on Paho's thread: answer each Report at once. */
static void
on_echo(void *arg, const char *topic, const void *payload, size_t len)
{
	struct echo *e = arg;
	static __thread struct case_view v;	/* Paho's thread */
	Gr__Report *r;
	char worker[64];

	if ((r = echo_decode(e, topic, payload, len, worker,
	    sizeof(worker))) == NULL)
		return;
	echo_answer(e, worker, r, &v);
	if (notify_case(e->m, TOPIC_DISPATCH, v.unit, &v) < 0)
		echo_failed(e, 1);
	gr__report__free_unpacked(r, NULL);
}

/*
 * With -D: store the batch b of received Reports with one INSERT (one
 * transaction, one WAL flush, synchronous_commit as the server has it),
 * then answer each: what any subscriber that stores durably before it
 * acknowledges must do at least.  -1 when the database failed; nothing of
 * the batch is answered then, and the agents time out.
 */
static int
sink_batch(struct echo *e, struct qmsg **b, size_t n)
{
	static const char sql[] =
	    "INSERT INTO bench_raw (id, worker_id, body)"
	    " SELECT i, w, decode(h, 'hex')"
	    " FROM unnest($1::text[], $2::text[], $3::text[]) AS b(i, w, h)"
	    " ON CONFLICT (id) DO NOTHING";
	static const char hexd[] = "0123456789abcdef";
	Gr__Report *r[SINK_BATCH];
	static struct case_view v;	/* the sink's one thread */
	char worker[SINK_BATCH][64];
	struct pgarr a[3];
	char *hex;
	size_t k = 0, i, j;
	PGresult *res;
	int rc = 0;

	memset(a, 0, sizeof(a));
	for (i = 0; i < n && i < SINK_BATCH; i++) {
		if ((r[k] = echo_decode(e, b[i]->topic, b[i]->payload,
		    b[i]->len, worker[k], sizeof(worker[k]))) == NULL)
			continue;
		hex = xmalloc(2 * b[i]->len + 1);
		for (j = 0; j < b[i]->len; j++) {
			hex[2 * j] = hexd[b[i]->payload[j] >> 4];
			hex[2 * j + 1] = hexd[b[i]->payload[j] & 15];
		}
		hex[2 * j] = '\0';
		pgarr_put(&a[0], r[k]->id);
		pgarr_put(&a[1], worker[k]);
		pgarr_put(&a[2], hex);
		free(hex);
		k++;
	}
	if (k > 0) {
		const char *vals[3];

		for (i = 0; i < 3; i++)
			vals[i] = pgarr_end(&a[i]);
		res = PQexecParams(e->db, sql, 3, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "grload sink: %s",
			    PQresultErrorMessage(res));
			rc = -1;
		}
		PQclear(res);
	}
	for (i = 0; i < 3; i++)
		pgarr_free(&a[i]);
	pthread_mutex_lock(&e->lock);
	if (rc == 0) {
		e->stored += k;
		e->batches += k > 0;
	} else
		e->dbfail += k;
	pthread_mutex_unlock(&e->lock);
	if (rc == 0) {
		for (i = 0; i < k; i++) {
			echo_answer(e, worker[i], r[i], &v);
			echo_failed(e, (unsigned long)notify_view_add(e->m,
			    e->list, v.unit, &v));
		}
		echo_failed(e, (unsigned long)notify_dispatch_flush(e->m,
		    e->list));
	}
	for (i = 0; i < k; i++)
		gr__report__free_unpacked(r[i], NULL);
	return rc;
}

static int
cmd_echo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "broker", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "db", required_argument, NULL, 'D' },
		{ "no-nodelay", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct echo e;
	struct mqtt_opts mo;
	struct sigaction sa;
	struct queue *q = NULL;
	struct qmsg *b[SINK_BATCH];
	const char *uri = NULL, *group = "collectors", *conninfo = NULL,
	    *subs[1];
	char sub[TOPIC_MAX], cid[64], errbuf[160];
	int ch, nodelay = 1, port, fixed = 0;
	size_t n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:g:D:N", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': uri = optarg; break;
		case 'g': group = optarg; break;
		case 'D': conninfo = optarg; break;
		case 'N': nodelay = 0; break;
		default: usage(stderr); return 2;
		}
	}
	if (uri == NULL || optind != argc || !topic_id_valid(group)) {
		usage(stderr);
		return 2;
	}
	if ((port = broker_port(uri)) < 0 || strncmp(uri, "tcp://", 6) != 0) {
		fprintf(stderr, "grload: broker must be tcp://host:port\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	memset(&e, 0, sizeof(e));
	e.list = xcalloc(1, sizeof(*e.list));
	pthread_mutex_init(&e.lock, NULL);
	if (conninfo != NULL) {
		e.db = PQconnectdb(conninfo);
		if (PQstatus(e.db) != CONNECTION_OK) {
			fprintf(stderr, "grload echo: database: %s",
			    PQerrorMessage(e.db));
			PQfinish(e.db);
			free(e.list);
			return 1;
		}
		q = queue_new(1000);
	}
	snprintf(sub, sizeof(sub), "$share/%s/gr/v1/report/+", group);
	snprintf(cid, sizeof(cid), "grload-echo-%ld", (long)getpid());
	subs[0] = sub;
	memset(&mo, 0, sizeof(mo));
	mo.uri = uri;
	mo.client_id = cid;
	mo.clean_start = 1;		/* as the collector */
	mo.keepalive = 30;
	mo.max_inflight = 1000;		/* the collector's defaults */
	mo.buffer_offline = 1;		/* else Paho queues at most 100 */
	mo.subs = subs;
	mo.nsubs = 1;
	if ((e.m = q != NULL ? mqtt_new(&mo, mqtt_to_queue, q) :
	    mqtt_new(&mo, on_echo, &e)) == NULL ||
	    mqtt_connect(e.m, 10000) < 0) {
		fprintf(stderr, "grload echo: cannot connect: %s\n",
		    e.m ? mqtt_error(e.m, errbuf, sizeof(errbuf)) : "bad URI");
		mqtt_free(e.m, 0);
		if (q != NULL)
			queue_free(q);
		PQfinish(e.db);
		free(e.list);
		return 1;
	}
	if (nodelay)
		fixed = mqtt_nodelay_port(port);
	printf("event=echo-ready subscription=%s nodelay_sockets=%d "
	    "store=%s\n", sub, fixed, q != NULL ? "bench_raw" : "none");
	fflush(stdout);
	while (!quit) {
		if (q == NULL) {
			sleep_us(100000);
			continue;
		}
		/* whatever has come, up to a batch, never waiting to fill it */
		for (n = 0; n < SINK_BATCH &&
		    (b[n] = queue_pop(q, n == 0 ? 100 : 0)) != NULL; n++)
			;
		if (n > 0 && sink_batch(&e, b, n) < 0)
			quit = 1;
		while (n > 0)
			qmsg_free(b[--n]);
	}
	mqtt_unsubscribe(e.m, 2000);
	if (q != NULL)
		queue_close(q);
	mqtt_wait_idle(e.m, 5000);
	pthread_mutex_lock(&e.lock);
	printf("event=echo-stopped replies=%lu unreadable=%lu "
	    "publish_failures=%lu", e.replies, e.bad, e.pubfail);
	if (q != NULL)
		printf(" stored=%lu batches=%lu unstored=%lu", e.stored,
		    e.batches, e.dbfail);
	printf("\n");
	pthread_mutex_unlock(&e.lock);
	mqtt_free(e.m, 2000);
	if (q != NULL) {
		while ((b[0] = queue_pop(q, 0)) != NULL)
			qmsg_free(b[0]);
		queue_free(q);
	}
	PQfinish(e.db);
	free(e.list);
	pthread_mutex_destroy(&e.lock);
	return 0;
}

/*
 * grload db: batches of reports, one from each of BATCH agents in turn
 * (as in the collector, a report that conflicts with another of its batch,
 * store_conflicts(), waits for a later one), stored with
 * store_batch() and timed from the call to its return (the commit).
 */
static int
cmd_db(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	struct load ld;
	struct agent *agents = NULL;
	struct store *st = NULL;
	struct ruleset rules;
	struct store_item *items = NULL;
	Gr__Report **reps = NULL;
	const char *conninfo = NULL, *pairs = NULL;
	long count = 20000, seconds = 40, batch = 36, done = 0, nb = 0,
	    *sent = NULL, next = 0;
	uint32_t *lat = NULL;
	int64_t start, stop;
	int ch, nagents, skipped, rc = 1;
	size_t k, j;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "D:p:n:d:B:", opts, NULL)) != -1) {
		switch (ch) {
		case 'D': conninfo = optarg; break;
		case 'p': pairs = optarg; break;
		case 'n':
			if (parse_long(optarg, 1, 100000000, &count) < 0)
				goto usage;
			break;
		case 'd':
			if (parse_long(optarg, 1, 86400, &seconds) < 0)
				goto usage;
			break;
		case 'B':
			if (parse_long(optarg, 1, 100, &batch) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (conninfo == NULL || pairs == NULL || optind != argc)
		goto usage;
	if (read_pairs(pairs, &agents, &nagents) < 0)
		return 1;
	memset(&ld, 0, sizeof(ld));
	if (getrandom(&ld.phone_base, sizeof(ld.phone_base), 0) !=
	    sizeof(ld.phone_base))
		ld.phone_base = (long)getpid();
	ld.phone_base = (long)((unsigned long)ld.phone_base % 100000000);
	for (int i = 0; i < nagents; i++)
		agents[i].ld = &ld;
	memset(&rules, 0, sizeof(rules));
	if ((st = store_open(conninfo)) == NULL ||
	    store_load_rules(st, &rules) < 0) {
		fprintf(stderr, "grload db: cannot open the database or load "
		    "its routing rules\n");
		goto out;
	}
	items = xcalloc((size_t)batch, sizeof(*items));
	reps = xcalloc((size_t)batch, sizeof(*reps));
	sent = xcalloc((size_t)nagents, sizeof(*sent));
	lat = xcalloc((size_t)count + 1, sizeof(*lat));	/* a batch or more */
	start = mono_us();
	stop = start + seconds * 1000000;
	while (done < count && mono_us() < stop) {
		/* a batch: the next agents in turn, no two of a matter */
		k = 0;
		for (skipped = 0; k < (size_t)batch && done + (long)k < count &&
		    skipped < nagents; next++) {
			struct agent *a = &agents[next % nagents];
			long *i = &sent[next % nagents];
			char id[ULID_LEN + 1];
			uint8_t *buf;
			size_t len;

			if (ulid_make(id, now_ms()) < 0) {
				fprintf(stderr, "grload db: no ULID\n");
				goto drop;
			}
			buf = make_report(a, id, *i, &len);
			reps[k] = gr__report__unpack(NULL, len, buf);
			free(buf);
			if (reps[k] == NULL)
				goto drop;
			for (j = 0; j < k; j++)
				if (store_conflicts(reps[j], reps[k]))
					break;
			if (j < k) {	/* made again for a later batch */
				gr__report__free_unpacked(reps[k], NULL);
				skipped++;
				continue;
			}
			(*i)++;
			memset(&items[k], 0, sizeof(items[k]));
			items[k].r = reps[k];
			k++;
		}
		{
			int64_t t0 = mono_us();
			enum store_batch_result br;

			br = store_batch(st, items, k, &rules);
			lat[nb++] = (uint32_t)(mono_us() - t0);
			for (j = 0; j < k; j++) {
				if (br == BATCH_DONE &&
				    items[j].result == STORE_NEW)
					done++;
				else if (br == BATCH_DONE) {
					fprintf(stderr, "grload db: report "
					    "%s not stored as new (%d)\n",
					    reps[j]->id, (int)items[j].result);
					br = BATCH_RETRY;
				}
				gr__report__free_unpacked(reps[j], NULL);
			}
			if (br != BATCH_DONE) {
				fprintf(stderr, "grload db: a batch failed\n");
				goto out;
			}
		}
	}
	{
		double el = (double)(mono_us() - start) / 1e6;

		qsort(lat, (size_t)nb, sizeof(*lat), cmp_u32);
		printf("result label=db batch=%ld batches=%ld stored=%ld "
		    "elapsed=%.3f rps=%.0f batch_p50=%.2f batch_p99=%.2f "
		    "batch_max=%.2f\n", batch, nb, done, el,
		    el > 0 ? (double)done / el : 0.0, pct_ms(lat, nb, 50),
		    pct_ms(lat, nb, 99), nb > 0 ? lat[nb - 1] / 1000.0 : 0.0);
	}
	rc = 0;
	goto out;
drop:
	while (k > 0)
		gr__report__free_unpacked(reps[--k], NULL);
out:
	ruleset_free(&rules);
	if (st != NULL)
		store_close(st);
	free(items);
	free(reps);
	free(sent);
	free(lat);
	free(agents);
	return rc;
usage:
	usage(stderr);
	return 2;
}

/* grload idle: many idle agents, each with a persistent session. */
struct idle_range {
	struct mqtt	**m;
	int		  from, to;
	int		  ok;
	char		  error[160];
};

/* Connect clients from..to-1 one after another (one thread per range). */
static void *
connect_range(void *arg)
{
	struct idle_range *r = arg;

	for (int i = r->from; i < r->to && !quit; i++) {
		if (mqtt_connect(r->m[i], 30000) == 0)
			r->ok++;
		else if (r->error[0] == '\0')
			mqtt_error(r->m[i], r->error, sizeof(r->error));
	}
	return NULL;
}

static void
on_idle_msg(void *arg, const char *topic, const void *payload, size_t len)
{
	(void)arg;
	(void)topic;
	(void)payload;
	(void)len;
}

/*
 * Open COUNT persistent sessions (clean start off, session expiry one
 * hour, keepalive 60 s, each subscribed to the Ack topic of a worker id of
 * its own), print "idle-ready" on stdout, hold them for SECONDS or until
 * SIGTERM/SIGINT while checking every second that each is still
 * connected, then close them.  Exit 0 only when every session connected
 * and none was lost while held.
 */
static int
cmd_idle(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	const char *uri = NULL, *prefix = "idle";
	long count = 10000, seconds = 3600, nthreads = 32;
	struct mqtt **m;
	char (*topics)[TOPIC_MAX];
	const char **subs;
	struct idle_range *rg;
	pthread_t *th;
	struct rlimit rl;
	int64_t t0, t1;
	long connected = 0, min_up, up, lost_checks = 0;
	int ch, status = 0;

	while ((ch = getopt_long(argc, argv, "b:n:d:c:T:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'b': uri = optarg; break;
		case 'c': prefix = optarg; break;
		case 'n':
			if (parse_long(optarg, 1, 1000000, &count) < 0)
				goto bad;
			break;
		case 'd':
			if (parse_long(optarg, 1, 86400, &seconds) < 0)
				goto bad;
			break;
		case 'T':
			if (parse_long(optarg, 1, 1024, &nthreads) < 0)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	if (uri == NULL || optind != argc)
		goto bad;
	/* One descriptor per session, and some to spare. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if ((rlim_t)count + 64 > rl.rlim_cur) {
			fprintf(stderr, "grload: %ld sessions need more than "
			    "the %lu open files allowed (ulimit -n)\n", count,
			    (unsigned long)rl.rlim_cur);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	m = xcalloc((size_t)count, sizeof(*m));
	topics = xcalloc((size_t)count, sizeof(*topics));
	subs = xcalloc((size_t)count, sizeof(*subs));
	for (long i = 0; i < count; i++) {
		struct mqtt_opts mo;
		char cid[64];

		snprintf(cid, sizeof(cid), "%s-%ld", prefix, i);
		topic_make(topics[i], sizeof(topics[i]), TOPIC_ACK, cid);
		subs[i] = topics[i];
		memset(&mo, 0, sizeof(mo));
		mo.uri = uri;
		mo.client_id = cid;
		mo.clean_start = 0;
		mo.session_expiry = 3600;
		mo.keepalive = 60;
		mo.max_inflight = 4;
		mo.subs = &subs[i];
		mo.nsubs = 1;
		if ((m[i] = mqtt_new(&mo, on_idle_msg, NULL)) == NULL) {
			fprintf(stderr, "grload: bad broker URI %s\n", uri);
			return 2;
		}
	}
	if (nthreads > count)
		nthreads = count;
	rg = xcalloc((size_t)nthreads, sizeof(*rg));
	th = xcalloc((size_t)nthreads, sizeof(*th));
	t0 = mono_us();
	for (long k = 0; k < nthreads; k++) {
		rg[k].m = m;
		rg[k].from = (int)(count * k / nthreads);
		rg[k].to = (int)(count * (k + 1) / nthreads);
		if (pthread_create(&th[k], NULL, connect_range, &rg[k]) != 0)
			fatal("event=pthread-create");
	}
	for (long k = 0; k < nthreads; k++) {
		pthread_join(th[k], NULL);
		connected += rg[k].ok;
		if (rg[k].error[0] != '\0' && status == 0) {
			fprintf(stderr, "grload: idle session cannot connect: "
			    "%s\n", rg[k].error);
			status = 1;
		}
	}
	t1 = mono_us();
	printf("idle-ready sessions=%ld connected=%ld connect_s=%.1f "
	    "nofile=%lu\n", count, connected,
	    (double)(t1 - t0) / 1e6, (unsigned long)rl.rlim_cur);
	fflush(stdout);
	if (connected != count)
		status = 1;

	/* Hold them: every second, how many are still connected. */
	min_up = connected;
	for (long s = 0; s < seconds && !quit && status == 0; s++) {
		sleep_us(1000000);
		up = 0;
		for (long i = 0; i < count; i++)
			up += mqtt_is_connected(m[i]);
		if (up < min_up)
			min_up = up;
		if (up < count)
			lost_checks++;
	}
	t1 = mono_us();
	printf("result idle sessions=%ld connected=%ld min_connected=%ld "
	    "checks_with_loss=%ld held_s=%.1f\n", count, connected, min_up,
	    lost_checks, (double)(t1 - t0) / 1e6);
	fflush(stdout);
	if (min_up != count)
		status = 1;
	/* Leave the sessions on the broker: close without waiting. */
	for (long i = 0; i < count; i++)
		mqtt_free(m[i], 0);
	free(m);
	free(topics);
	free(subs);
	free(rg);
	free(th);
	return status;

bad:
	usage(stderr);
	return 2;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: grload run -b tcp://HOST:PORT -p PAIRS [-a agents] "
	    "[-n count] [-d seconds]\n"
	    "                  [-r rate] [-w window] [-t timeout] "
	    "[-o ids-file] [-l label]\n"
	    "                  [-P seconds] [-T trace-file] [-N]\n"
	    "       grload echo -b tcp://HOST:PORT [-g group] [-D conninfo] "
	    "[-N]\n"
	    "       grload idle -b tcp://HOST:PORT [-n sessions] [-d seconds] "
	    "[-c prefix] [-T threads]\n"
	    "       grload db -D conninfo -p PAIRS [-n count] [-d seconds] "
	    "[-B batch]\n"
	    "\n"
	    "run: one MQTT connection per worker of PAIRS (\"worker grid\" "
	    "lines) publishes\n"
	    "COUNT Reports (default 10000), or what it can in -d SECONDS, at "
	    "RATE\n"
	    "reports/s in all (0: full speed), at most WINDOW unanswered per "
	    "agent\n"
	    "(default 4), and times each until its Ack; exits 1 unless all "
	    "sent are\n"
	    "stored and acknowledged once before no Ack has come for TIMEOUT "
	    "seconds\n"
	    "(default 60).  -o writes the stored ids; -P prints progress "
	    "every SECONDS;\n"
	    "-T writes each answer's publish time (ms after the first) and "
	    "latency (ms).\n"
	    "echo: answers every Report on $share/GROUP/gr/v1/report/+ "
	    "(default group\n"
	    "collectors) at once with an Ack and a dispatch entry; no "
	    "database.\n"
	    "With -D, it first stores each batch of what has come (up to 100) "
	    "with one\n"
	    "INSERT into the table bench_raw (id text PRIMARY KEY, worker_id "
	    "text,\n"
	    "body bytea) of that database, and answers the batch as the "
	    "collector does:\n"
	    "an Ack per report, the dispatch entries one message per unit.  "
	    "The raw\n"
	    "end-to-end ceiling.\n"
	    "-N leaves Nagle's algorithm on, as Paho does.\n"
	    "db: the database alone on the collector's path: COUNT reports "
	    "(default 20000)\n"
	    "in batches of BATCH (default 36) to store_batch() on one "
	    "connection, no MQTT.\n"
	    "idle: holds SESSIONS idle persistent sessions (default 10000) "
	    "for SECONDS or\n"
	    "until SIGTERM, checking each second that all are connected.\n");
}

int
main(int argc, char **argv)
{
	log_init("grload", LOG_LVL_WARN);
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "echo") == 0)
		return cmd_echo(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "idle") == 0)
		return cmd_idle(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "db") == 0)
		return cmd_db(argc - 1, argv + 1);
	usage(argc >= 2 && strcmp(argv[1], "-h") == 0 ? stdout : stderr);
	return 2;
}
