/* main.c -- field-agent: the grid worker's reporting client.
 *
 *   field-agent [options] report --category 02 --colour yellow ...
 *   field-agent [options] sync | outbox | categories | config
 */
#include <errno.h>
#include <getopt.h>
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

enum { OPT_FIELD = 1000 };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "worker", required_argument, NULL, 'w' },
	{ "device", required_argument, NULL, 'd' },
	{ "broker", required_argument, NULL, 'b' },
	{ "outbox", required_argument, NULL, 'o' },
	{ "wait", required_argument, NULL, 'W' },
	{ "log-level", required_argument, NULL, 'l' },
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
static const char shortopts[] = "c:w:d:b:o:W:l:hV";

static void	usage(FILE *);
static int	cmd_report(struct agent_conf *, struct draft *);
static int	cmd_sync(struct agent_conf *);
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
"  report      check a report, keep it in the outbox, send it, wait for the Ack\n"
"  sync        send everything not yet acknowledged and wait for the Acks\n"
"  outbox      list the reports in the outbox with their state and case\n"
"  categories  list the dispute categories and items\n"
"  config      show the effective configuration\n"
"\n"
"Options:\n"
"  -c, --config FILE    'key value' settings (worker, device, grids, broker,\n"
"                       outbox, username, password_file, cafile, certfile,\n"
"                       keyfile, log_level, wait)\n"
"  -w, --worker ID      grid worker id        -d, --device ID   device id\n"
"  -b, --broker URI     tcp://host:port or ssl://host:port\n"
"  -o, --outbox FILE    outbox database (default ~/.field-agent-outbox.db)\n"
"  -W, --wait SECONDS   how long to wait for Acks (default 10)\n"
"  -l, --log-level L    error, warn, info or debug\n"
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
"Exit status: 0 done (report stored), 1 failure, 2 usage, 3 invalid report\n"
"(nothing queued), 4 rejected by the collector, 5 queued in the outbox but\n"
"not acknowledged yet (it is sent again by the next report or sync).\n");
}

static struct outbox *
open_outbox(const struct agent_conf *c)
{
	char err[512];
	struct outbox *ob = outbox_open(c->outbox, err, sizeof(err));

	if (ob == NULL)
		fprintf(stderr, "field-agent: %s\n", err);
	return ob;
}

static void
print_item(const struct outbox_item *it)
{
	char due[32] = "-";

	if (it->resolve_due > 0) {
		time_t t = (time_t)(it->resolve_due / 1000) + 8 * 3600 - 1;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(due, sizeof(due), "%Y-%m-%d", &tm);
	}
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

static int
cmd_report(struct agent_conf *c, struct draft *d)
{
	struct outbox *ob;
	struct deliver_result res;
	struct outbox_item it;
	struct verr e;
	uint8_t *buf;
	size_t len;
	int64_t now = now_ms();
	int rc;

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
		fprintf(stderr, "field-agent: report not queued: %s [%s]\n",
		    e.detail, e.reason);
		return EXIT_INVALID;
	}
	if (!agent_conf_has_grid(c, d->r.grid_code)) {
		fprintf(stderr, "field-agent: report not queued: grid %s is not "
		    "one of this worker's grids (%s) [%s]\n", d->r.grid_code,
		    c->grids, VR_NOT_REGISTERED);
		return EXIT_INVALID;
	}
	buf = codec_pack(&d->r.base, &len);
	if (len > REPORT_MAX_BYTES) {
		fprintf(stderr, "field-agent: report not queued: %zu bytes, at "
		    "most %d [%s]\n", len, REPORT_MAX_BYTES, VR_TOO_LARGE);
		free(buf);
		return EXIT_INVALID;
	}
	if ((ob = open_outbox(c)) == NULL) {
		free(buf);
		return EXIT_FAIL;
	}
	rc = outbox_add(ob, d->id, now, d->r.summary, buf, len);
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "field-agent: report not queued: the outbox "
		    "could not store it (disk full?)\n");
		outbox_close(ob);
		return EXIT_FAIL;
	}
	log_info("event=queued report=%s", d->id);
	if (deliver_sync(ob, c, (int)c->wait * 1000, 0, &res) < 0 ||
	    outbox_get(ob, d->id, &it) != 1) {
		fprintf(stderr, "field-agent: outbox error; report %s is kept\n",
		    d->id);
		outbox_close(ob);
		return EXIT_FAIL;
	}
	outbox_close(ob);
	print_item(&it);
	if (!res.connected)
		fprintf(stderr, "field-agent: broker %s not reachable; the "
		    "report is kept and sent by the next sync\n", c->broker);
	return it.state == OB_STORED ? EXIT_OK : it.state == OB_REJECTED ?
	    EXIT_REJECTED : EXIT_QUEUED;
}

static int
cmd_sync(struct agent_conf *c)
{
	struct outbox *ob;
	struct deliver_result res;
	int rc;

	if ((ob = open_outbox(c)) == NULL)
		return EXIT_FAIL;
	rc = deliver_sync(ob, c, (int)c->wait * 1000, 1, &res);
	outbox_close(ob);
	if (rc < 0) {
		fprintf(stderr, "field-agent: outbox error\n");
		return EXIT_FAIL;
	}
	printf("sent %d, acknowledged %d, refused by the broker %d, case "
	    "updates %d, still waiting %d%s\n", res.sent, res.acked,
	    res.refused, res.updates, res.pending, res.connected ? "" :
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
	const char *config_path = NULL, *cmd;
	char err[512];
	int ch, idx, rc = EXIT_OK, nfields = 0;

	log_init("field-agent", LOG_LVL_WARN);
	agent_conf_defaults(&conf);
	compose_init(&d);
	/* The config file first, so that flags override it. */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == 'h') {
			usage(stdout);
			goto out;
		}
		if (ch == 'V') {
			printf("field-agent %s\n", GR_VERSION);
			goto out;
		}
		if (ch == '?') {
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
		if (ch == 'c')
			config_path = optarg;
	}
	if (config_path != NULL && conf_load(agent_opts, agent_nopts, &conf,
	    config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "field-agent: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const char *name = NULL;

		switch (ch) {
		case 'w': name = "worker"; break;
		case 'd': name = "device"; break;
		case 'b': name = "broker"; break;
		case 'o': name = "outbox"; break;
		case 'W': name = "wait"; break;
		case 'l': name = "log_level"; break;
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
		    "outbox, categories or config\n");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	cmd = argv[optind];
	if (nfields > 0 && strcmp(cmd, "report") != 0) {
		fprintf(stderr, "field-agent: report fields go with the report "
		    "command\n");
		rc = EXIT_USAGE;
		goto out;
	}
	log_set_level(log_level_parse(conf.log_level) >= 0 ?
	    log_level_parse(conf.log_level) : LOG_LVL_WARN);

	if (strcmp(cmd, "categories") == 0)
		rc = cmd_categories();
	else if (strcmp(cmd, "config") == 0)
		conf_print(agent_opts, agent_nopts, &conf, stdout);
	else if (strcmp(cmd, "report") == 0 || strcmp(cmd, "sync") == 0 ||
	    strcmp(cmd, "outbox") == 0) {
		if (agent_conf_check(&conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "field-agent: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		if (conf.password_file != NULL &&
		    (conf.password = read_file(conf.password_file, 4096,
		    NULL)) == NULL) {
			fprintf(stderr, "field-agent: cannot read password file "
			    "%s: %s\n", conf.password_file, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
		if (conf.password != NULL)
			conf.password[strcspn(conf.password, "\r\n")] = '\0';
		rc = cmd[0] == 'r' ? cmd_report(&conf, &d) :
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
