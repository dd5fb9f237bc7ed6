/* main.c -- field-agent: the grid worker's reporting client.
 *
 *   field-agent [options] report --category 02 --colour yellow ...
 *   field-agent [options] report --file FILE | --interactive
 *   field-agent [options] sync | run | outbox | categories | config
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "compose.h"
#include "config.h"
#include "deliver.h"
#include "log.h"
#include "outbox.h"
#include "prompt.h"
#include "taxonomy.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

#ifndef GR_VERSION
#define GR_VERSION "0.1.0"
#endif

/* Exit codes (also in the README and --help). */
#define EXIT_OK		0	/* done; for report: stored by the collector */
#define EXIT_FAIL	1	/* outbox or system failure */
#define EXIT_USAGE	2	/* bad command line or configuration */
#define EXIT_INVALID	3	/* the report breaks a rule; nothing queued */
#define EXIT_REJECTED	4	/* the collector rejected the report */
#define EXIT_QUEUED	5	/* safe in the outbox, not acknowledged yet */

enum { OPT_FIELD = 1000, OPT_LANG, OPT_RESEND };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "worker", required_argument, NULL, 'w' },
	{ "device", required_argument, NULL, 'd' },
	{ "broker", required_argument, NULL, 'b' },
	{ "outbox", required_argument, NULL, 'o' },
	{ "wait", required_argument, NULL, 'W' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "file", required_argument, NULL, 'f' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "resend", required_argument, NULL, OPT_RESEND },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	/* report fields */
	{ "category", required_argument, NULL, OPT_FIELD },
	{ "item", required_argument, NULL, OPT_FIELD },
	{ "grid", required_argument, NULL, OPT_FIELD },
	{ "colour", required_argument, NULL, OPT_FIELD },
	{ "people", required_argument, NULL, OPT_FIELD },
	{ "amount", required_argument, NULL, OPT_FIELD },
	{ "summary", required_argument, NULL, OPT_FIELD },
	{ "description", required_argument, NULL, OPT_FIELD },
	{ "party", required_argument, NULL, OPT_FIELD },
	{ "lat", required_argument, NULL, OPT_FIELD },
	{ "lon", required_argument, NULL, OPT_FIELD },
	{ "address", required_argument, NULL, OPT_FIELD },
	{ "occurred", required_argument, NULL, OPT_FIELD },
	{ "channel", required_argument, NULL, OPT_FIELD },
	{ "link", required_argument, NULL, OPT_FIELD },
	{ "on-spot", no_argument, NULL, OPT_FIELD },
	{ NULL, 0, NULL, 0 }
};
static const char shortopts[] = "c:w:d:b:o:W:l:f:ihV";

/* Where a report comes from. */
struct source {
	struct draft	*flags;		/* when fields were given as flags */
	const char	*file;		/* "key: value" records; "-": stdin */
	int		 interactive;
};

static volatile sig_atomic_t stop;

static void	usage(FILE *);
static void	on_signal(int);
static int	cmd_report(struct agent_conf *, struct source *);
static int	queue_draft(struct outbox *, const struct agent_conf *,
		    struct draft *, const char *, char (**)[32], size_t *);
static int	read_drafts(const char *, struct draft ***, long **, size_t *);
static void	drafts_free(struct draft **, size_t);
static int	cmd_sync(struct agent_conf *);
static int	cmd_run(struct agent_conf *);
static void	run_event(void *, enum deliver_event, const Gr__Notice *,
		    const char *);
static int	cmd_outbox(struct agent_conf *);
static int	cmd_categories(void);
static void	print_item(const struct outbox_item *);
static struct outbox *open_outbox(const struct agent_conf *);

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: field-agent [options] COMMAND [report fields]\n"
"\n"
"Commands:\n"
"  report      check a report, keep it in the outbox, send it, wait for the Ack;\n"
"              its fields come from flags, from --file, or --interactive\n"
"  sync        send everything not yet acknowledged and wait for the Acks\n"
"  run         stay connected: deliver, send again what has no Ack, reconnect,\n"
"              and print Acks and case updates as they come (until SIGTERM)\n"
"  outbox      list the worker's reports in the outbox, state and case\n"
"  categories  list the dispute categories and items\n"
"  config      show the effective configuration\n"
"\n"
"Options:\n"
"  -c, --config FILE    'key value' settings (worker, device, grids, broker,\n"
"                       outbox, username, password_file, cafile, certfile,\n"
"                       keyfile, log_level, wait, resend, retry_max, lang)\n"
"  -w, --worker ID      grid worker id        -d, --device ID   device id\n"
"  -b, --broker URI     tcp://host:port or ssl://host:port\n"
"  -o, --outbox FILE    outbox database (default ~/.field-agent-outbox.db)\n"
"  -W, --wait SECONDS   how long to wait for Acks (default 10)\n"
"  -l, --log-level L    error, warn, info or debug\n"
"  -f, --file PATH      report: read reports from PATH ('-': standard input)\n"
"  -i, --interactive    report: ask for each field on the terminal (stdin)\n"
"      --lang zh|en     language of the questions (default zh)\n"
"      --resend SECONDS run: send again a report with no Ack after (default 60)\n"
"  -h, --help           -V, --version\n"
"\n"
"Report fields:\n"
"  --grid CODE (15 digits)  --category NN  --item NNNN  --colour green|yellow|red\n"
"  --people N  --summary TEXT  [--description TEXT]  [--amount YUAN]\n"
"  [--party ROLE:NAME[:PHONE[:IDNUMBER[:ORG]]]] (role: petitioner, respondent,\n"
"  other; repeatable)  [--lat DEG --lon DEG]  [--address TEXT]\n"
"  [--occurred 'YYYY-MM-DD HH:MM']  [--channel grid|letter|visit|internet|hotline]\n"
"  [--link REPORT-ID]  [--on-spot]\n"
"\n"
"Report file (--file): UTF-8, one 'key: value' line per field, keys named as\n"
"the flags without '--' (party may repeat; on-spot: yes|no), '#' comments, a\n"
"blank line between reports.  Every report is checked before any is queued:\n"
"one bad report queues none.  Example:\n"
"  grid: 530322001001001\n"
"  category: 02\n"
"  colour: yellow\n"
"  people: 12\n"
"  summary: 建筑工地拖欠12名农民工工资\n"
"  party: petitioner:张某:13900000001\n"
"\n"
"Exit status: 0 done (report stored), 1 failure, 2 usage, 3 invalid report\n"
"(nothing queued), 4 rejected by the collector, 5 queued in the outbox but\n"
"not acknowledged yet (it is sent again by the next report, sync or run).\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct outbox *
open_outbox(const struct agent_conf *c)
{
	char err[512];
	struct outbox *ob = outbox_open(c->outbox, c->worker, err,
	    sizeof(err));

	if (ob == NULL)
		fprintf(stderr, "field-agent: %s\n", err);
	return ob;
}

static void
print_item(const struct outbox_item *it)
{
	char due[CST_LEN];

	cst_deadline(due, sizeof(due), it->resolve_due);
	switch (it->state) {
	case OB_STORED:
		printf("%s: %s 案件号 %s, 转 %s (%s) 办理, 办理期限 %s\n",
		    it->id, it->duplicate ? "此前已登记 (already stored)" :
		    "已登记 (stored)", it->case_no, it->unit_name, it->unit,
		    due);
		break;
	case OB_REJECTED:
		printf("%s: 被拒绝 (rejected): %s [%s]\n", it->id, it->message,
		    it->reason);
		break;
	default:
		printf("%s: 已保存, 待发送 (queued in the outbox, not "
		    "acknowledged yet)%s%s\n", it->id, it->message[0] ?
		    ": " : "", it->message);
		break;
	}
}

/* Finish, check and add one report to the outbox (in the caller's
 * transaction); its id is appended to *ids.  EXIT_OK, or an exit code
 * with the message printed (where: which report, or ""). */
static int
queue_draft(struct outbox *ob, const struct agent_conf *c, struct draft *d,
    const char *where, char (**ids)[32], size_t *nids)
{
	struct verr e;
	uint8_t *buf;
	size_t len;
	int64_t now = now_ms();

	if (ulid_make(d->id, now) < 0) {
		fprintf(stderr, "field-agent: no random numbers: %s\n",
		    strerror(errno));
		return EXIT_FAIL;
	}
	d->r.has_schema_version = 1;
	d->r.schema_version = REPORT_SCHEMA_VERSION;
	d->r.id = d->id;
	d->r.worker_id = c->worker;
	d->r.device_id = c->device;
	d->r.has_created_at = 1;
	d->r.created_at = now;
	if (validate_report(&d->r, now, VALIDATE_TAXONOMY, &e) < 0) {
		fprintf(stderr, "field-agent: %sreport not queued: %s [%s]\n",
		    where, e.detail, e.reason);
		return EXIT_INVALID;
	}
	if (!agent_conf_has_grid(c, d->r.grid_code)) {
		fprintf(stderr, "field-agent: %sreport not queued: grid %s is "
		    "not one of this worker's grids (%s) [%s]\n", where,
		    d->r.grid_code, c->grids, VR_NOT_REGISTERED);
		return EXIT_INVALID;
	}
	buf = codec_pack(&d->r.base, &len);
	if (len > REPORT_MAX_BYTES) {
		fprintf(stderr, "field-agent: %sreport not queued: %zu bytes, "
		    "at most %d [%s]\n", where, len, REPORT_MAX_BYTES,
		    VR_TOO_LARGE);
		free(buf);
		return EXIT_INVALID;
	}
	if (outbox_add(ob, d->id, now, d->r.summary, buf, len) < 0) {
		fprintf(stderr, "field-agent: %sreport not queued: the outbox "
		    "could not store it: %s\n", where, outbox_error(ob));
		free(buf);
		return EXIT_FAIL;
	}
	free(buf);
	log_info("event=queued report=%s", d->id);
	if ((*nids & (*nids - 1)) == 0)
		*ids = xrealloc(*ids, (*nids ? *nids * 2 : 1) * sizeof(**ids));
	memcpy((*ids)[(*nids)++], d->id, sizeof((*ids)[0]));
	return EXIT_OK;
}

static void
drafts_free(struct draft **all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		compose_free(all[i]);
		free(all[i]);
	}
	free(all);
}

/* Read every record of file ("-": standard input) into *all, the line
 * each starts on into *firsts.  EXIT_OK, or an exit code with the message
 * printed and nothing kept. */
static int
read_drafts(const char *file, struct draft ***all, long **firsts, size_t *n)
{
	struct draft *d;
	char err[512];
	long lineno = 0, first;
	size_t cap = 0;
	FILE *fp;
	int got, rc = EXIT_OK;

	*all = NULL;
	*firsts = NULL;
	*n = 0;
	if ((fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r")) == NULL) {
		fprintf(stderr, "field-agent: cannot read %s: %s\n", file,
		    strerror(errno));
		return EXIT_USAGE;
	}
	for (;;) {
		first = lineno + 1;
		d = xmalloc(sizeof(*d));
		compose_init(d);
		if ((got = compose_read(fp, d, &lineno, err, sizeof(err))) <= 0) {
			compose_free(d);
			free(d);
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*all = xrealloc(*all, cap * sizeof(**all));
			*firsts = xrealloc(*firsts, cap * sizeof(**firsts));
		}
		(*all)[*n] = d;
		(*firsts)[(*n)++] = first;
	}
	if (got < 0) {
		fprintf(stderr, "field-agent: %s: %s; nothing queued\n", file,
		    err);
		rc = EXIT_INVALID;
	} else if (*n == 0) {
		fprintf(stderr, "field-agent: %s holds no report\n", file);
		rc = EXIT_INVALID;
	}
	if (fp != stdin)
		fclose(fp);
	if (rc != EXIT_OK) {
		drafts_free(*all, *n);
		free(*firsts);
		*all = NULL;
		*firsts = NULL;
		*n = 0;
	}
	return rc;
}

static int
cmd_report(struct agent_conf *c, struct source *src)
{
	struct outbox *ob;
	struct deliver_result res;
	struct outbox_item it;
	struct draft d, **all = NULL;
	char (*ids)[32] = NULL, err[512], where[600];
	size_t nids = 0, nall = 0;
	long *firsts = NULL;
	int rc = EXIT_OK, queued = 0, rejected = 0;

	/* The questions and the file come first: the outbox is not locked
	 * while the worker thinks or the input is slow to come. */
	compose_init(&d);
	if (src->interactive) {
		int got = prompt_report(stdin, stderr, c->lang, c, &d, err,
		    sizeof(err));

		if (got <= 0) {
			fprintf(stderr, "field-agent: %s\n", err);
			compose_free(&d);
			return EXIT_INVALID;
		}
		src->flags = &d;
	}
	if (src->file != NULL && (rc = read_drafts(src->file, &all, &firsts,
	    &nall)) != EXIT_OK) {
		compose_free(&d);
		return rc;
	}
	if ((ob = open_outbox(c)) == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	/* All the reports of one command are kept together, or none. */
	if (outbox_begin(ob) < 0) {
		fprintf(stderr, "field-agent: outbox: %s\n", outbox_error(ob));
		rc = EXIT_FAIL;
	} else if (src->flags != NULL)
		rc = queue_draft(ob, c, src->flags, "", &ids, &nids);
	else
		for (size_t i = 0; i < nall && rc == EXIT_OK; i++) {
			snprintf(where, sizeof(where), "%s: report %zu "
			    "(line %ld): ", src->file, i + 1, firsts[i]);
			rc = queue_draft(ob, c, all[i], where, &ids, &nids);
		}
	if (rc == EXIT_OK && outbox_commit(ob) < 0) {
		fprintf(stderr, "field-agent: report not queued: the outbox "
		    "could not store it: %s\n", outbox_error(ob));
		rc = EXIT_FAIL;
	}
	if (rc != EXIT_OK) {
		if (nids > 0 && rc != EXIT_FAIL)
			fprintf(stderr, "field-agent: none of the %zu good "
			    "reports before it was queued either\n", nids);
		outbox_rollback(ob);
		goto out;
	}
	if (deliver_sync(ob, c, (int)c->wait * 1000, 0, outbox_last_seq(ob),
	    &res) < 0) {
		fprintf(stderr, "field-agent: outbox error; the reports are "
		    "kept\n");
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < nids; i++) {
		if (outbox_get(ob, ids[i], &it) != 1) {
			fprintf(stderr, "field-agent: outbox error; report %s "
			    "is kept\n", ids[i]);
			rc = EXIT_FAIL;
			goto out;
		}
		print_item(&it);
		queued += it.state != OB_STORED && it.state != OB_REJECTED;
		rejected += it.state == OB_REJECTED;
	}
	if (!res.connected && !res.watched)
		fprintf(stderr, "field-agent: broker %s not reachable; the "
		    "report%s kept and sent by the next sync or run\n",
		    c->mq.broker, nids > 1 ? "s are" : " is");
	rc = queued ? EXIT_QUEUED : rejected ? EXIT_REJECTED : EXIT_OK;
out:
	compose_free(&d);
	drafts_free(all, nall);
	free(firsts);
	free(ids);
	outbox_close(ob);
	return rc;
}

static const char *
state_zh(const char *s)
{
	static const char *const names[][2] = {
		{ "received", "已接收" }, { "routed", "已分流" },
		{ "accepted", "已受理" }, { "assigned", "已交办" },
		{ "resolved", "已办结" }, { "visited", "已回访" },
		{ "closed", "已结案" }, { "escalated", "已上报县级" },
		{ "supervised", "督办中" }, { "refused", "不予受理" },
		{ "reopened", "重新办理" }, { "review", "复查" },
		{ "re_review", "复核" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1];
	return "";
}

/* run's output: one line per Ack or case update on stdout, connection
 * events on stderr. */
static void
run_event(void *arg, enum deliver_event ev, const Gr__Notice *n,
    const char *text)
{
	struct outbox *ob = arg;
	struct outbox_item it;
	const ProtobufCEnumValue *v;
	const Gr__CaseEntry *u;
	char state[32] = "?";

	switch (ev) {
	case DE_CONNECTED:
		fprintf(stderr, "field-agent: connected to %s\n", text);
		break;
	case DE_OFFLINE:
		fprintf(stderr, "field-agent: offline: %s\n", text);
		break;
	case DE_ACK:
		if (outbox_get(ob, n->ack->report_id, &it) == 1)
			print_item(&it);
		break;
	case DE_UPDATE:
		u = n->update;
		if ((v = protobuf_c_enum_descriptor_get_value(
		    &gr__case_state__descriptor, (int)u->state)) != NULL) {
			snprintf(state, sizeof(state), "%s", v->name);
			for (char *p = state; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
		}
		printf("%s: 案件 %s 更新 (case update): %s %s, %s (%s)%s%s%s%s\n",
		    u->report_id, u->case_no ? u->case_no : "-", state_zh(state),
		    state, u->unit_name ? u->unit_name : "-",
		    u->unit ? u->unit : "-", u->department ? ", 承办 " : "",
		    u->department ? u->department : "",
		    u->event_note ? ": " : "",
		    u->event_note ? u->event_note : "");
		break;
	}
	fflush(stdout);
}

static int
cmd_run(struct agent_conf *c)
{
	struct outbox *ob;
	struct deliver_result res;
	struct sigaction sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((ob = open_outbox(c)) == NULL)
		return EXIT_FAIL;
	rc = deliver_run(ob, c, &stop, run_event, ob, &res);
	outbox_close(ob);
	fprintf(stderr, "field-agent: stopped: sent %d, acknowledged %d, "
	    "case updates %d, still waiting %d\n", res.sent, res.acked,
	    res.updates, res.pending);
	if (rc < 0) {
		fprintf(stderr, "field-agent: outbox error\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int
cmd_sync(struct agent_conf *c)
{
	struct outbox *ob;
	struct deliver_result res;
	int rc;

	if ((ob = open_outbox(c)) == NULL)
		return EXIT_FAIL;
	rc = deliver_sync(ob, c, (int)c->wait * 1000, 1, 0, &res);
	outbox_close(ob);
	if (rc < 0) {
		fprintf(stderr, "field-agent: outbox error\n");
		return EXIT_FAIL;
	}
	printf("sent %d, acknowledged %d, refused by the broker %d, case "
	    "updates %d, still waiting %d%s\n", res.sent, res.acked,
	    res.refused, res.updates, res.pending, res.connected ? "" :
	    res.watched ? " (delivered by the running agent)" :
	    " (broker not reachable)");
	return res.pending > 0 ? EXIT_QUEUED : EXIT_OK;
}

static int
cmd_outbox(struct agent_conf *c)
{
	struct outbox *ob;
	int rc;

	if ((ob = open_outbox(c)) == NULL)
		return EXIT_FAIL;
	rc = outbox_list(ob, stdout);
	outbox_close(ob);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static int
cmd_categories(void)
{
	for (size_t i = 0; i < taxonomy_len; i++)
		printf("%s%-4s  %s  %s%s\n", taxonomy[i].parent ? "  " : "",
		    taxonomy[i].code, taxonomy[i].name_zh, taxonomy[i].name_en,
		    taxonomy[i].county_level ? "  [county]" : "");
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct agent_conf conf;
	struct draft d;
	struct source src;
	const char *cmd;
	char err[512];
	int ch, idx, rc = EXIT_OK, nfields = 0;

	memset(&src, 0, sizeof(src));

	log_init("field-agent", LOG_LVL_WARN);
	agent_conf_defaults(&conf);
	compose_init(&d);
	if ((rc = conf_first_pass(argc, argv, shortopts, longopts,
	    "field-agent", usage, agent_opts, agent_nopts, &conf)) >= 0)
		goto out;
	rc = EXIT_OK;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const char *name = NULL;

		switch (ch) {
		case 'w': name = "worker"; break;
		case 'd': name = "device"; break;
		case 'b': name = "broker"; break;
		case 'o': name = "outbox"; break;
		case 'W': name = "wait"; break;
		case 'l': name = "log_level"; break;
		case OPT_LANG: name = "lang"; break;
		case OPT_RESEND: name = "resend"; break;
		case 'f': src.file = optarg; continue;
		case 'i': src.interactive = 1; continue;
		case OPT_FIELD:
			nfields++;
			if (compose_set(&d, longopts[idx].name,
			    optarg ? optarg : "", err, sizeof(err)) < 0) {
				fprintf(stderr, "field-agent: %s\n", err);
				rc = EXIT_INVALID;
				goto out;
			}
			continue;
		default:
			continue;
		}
		if (conf_set(agent_opts, agent_nopts, &conf, name, optarg, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "field-agent: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "field-agent: give one command: report, sync, "
		    "run, outbox, categories or config\n");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	cmd = argv[optind];
	if ((nfields > 0 || src.file != NULL || src.interactive) &&
	    strcmp(cmd, "report") != 0) {
		fprintf(stderr, "field-agent: report fields, --file and "
		    "--interactive go with the report command\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((nfields > 0) + (src.file != NULL) + src.interactive > 1) {
		fprintf(stderr, "field-agent: give the report as flags, with "
		    "--file or with --interactive, not two of them\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (src.file == NULL && !src.interactive)
		src.flags = &d;
	log_set_level(log_level_parse(conf.log_level) >= 0 ?
	    log_level_parse(conf.log_level) : LOG_LVL_WARN);

	if (strcmp(cmd, "categories") == 0)
		rc = cmd_categories();
	else if (strcmp(cmd, "config") == 0)
		conf_print(agent_opts, agent_nopts, &conf, stdout);
	else if (strcmp(cmd, "report") == 0 || strcmp(cmd, "sync") == 0 ||
	    strcmp(cmd, "run") == 0 || strcmp(cmd, "outbox") == 0) {
		if (agent_conf_check(&conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "field-agent: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		if (conf.mq.password_file != NULL &&
		    (conf.mq.password = read_secret(conf.mq.password_file)) ==
		    NULL) {
			fprintf(stderr, "field-agent: cannot read password file "
			    "%s: %s\n", conf.mq.password_file, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
		rc = strcmp(cmd, "report") == 0 ? cmd_report(&conf, &src) :
		    strcmp(cmd, "run") == 0 ? cmd_run(&conf) :
		    cmd[0] == 's' ? cmd_sync(&conf) : cmd_outbox(&conf);
	} else {
		fprintf(stderr, "field-agent: unknown command '%s'\n", cmd);
		usage(stderr);
		rc = EXIT_USAGE;
	}
out:
	compose_free(&d);
	agent_conf_free(&conf);
	return rc;
}
