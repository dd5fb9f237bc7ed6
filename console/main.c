/* main.c -- dispatch-console: a township or county dispatcher's console.
 *
 *   dispatch-console [options] inbox | show CASE | alerts | watch | sync
 *   dispatch-console [options] accept | refuse | assign | escalate |
 *       resolve | follow-up | close | reopen | extend CASE [action fields]
 *
 * It speaks MQTT like the field agent (dispatchers need no database
 * account): the unit's dispatch feed comes into a local cache, actions go
 * to gr/v1/action/{unit} and the collector answers each on the feed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "codec.h"
#include "config.h"
#include "feed.h"
#include "log.h"
#include "taxonomy.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

#ifndef GR_VERSION
#define GR_VERSION "0.1.0"
#endif

/* Exit codes (also in --help and the README). */
#define EXIT_OK		0	/* done; for an action: applied */
#define EXIT_FAIL	1	/* cache or system failure */
#define EXIT_USAGE	2	/* bad command line or configuration */
#define EXIT_INVALID	3	/* the action is incomplete; nothing sent */
#define EXIT_REFUSED	4	/* the collector refused the action */
#define EXIT_PENDING	5	/* kept, not answered yet: sent again by sync */

#define LINGER_MS	300	/* quiet time that ends fetching the feed */
#define WATCH_POLL_MS	300	/* how soon watch sees a signal */
#define RETRY_MAX_S	60	/* watch: the longest wait between attempts */
#define FETCH_MAX_MS	10000	/* fetching a feed that is never quiet */

enum { OPT_NOTE = 1000, OPT_DEPT, OPT_SAT, OPT_DAYS, OPT_ALL };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "unit", required_argument, NULL, 'u' },
	{ "actor", required_argument, NULL, 'a' },
	{ "broker", required_argument, NULL, 'b' },
	{ "cache", required_argument, NULL, 'C' },
	{ "wait", required_argument, NULL, 'W' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "note", required_argument, NULL, OPT_NOTE },
	{ "department", required_argument, NULL, OPT_DEPT },
	{ "satisfaction", required_argument, NULL, OPT_SAT },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "all", no_argument, NULL, OPT_ALL },
	{ NULL, 0, NULL, 0 }
};
static const char shortopts[] = "c:u:a:b:C:W:l:hV";

/* What an action needs besides the case: checked before anything is sent;
 * the collector checks again, with the case's state. */
#define NEED_NOTE	0x1
#define NEED_DEPT	0x2
#define NEED_SAT	0x4
#define NEED_DAYS	0x8
#define NO_CASE		0x10	/* of the unit, not of one case */

static const struct {
	const char	*name;
	Gr__ActionKind	 kind;
	int		 needs;
	const char	*label;
} actions[] = {
	{ "accept", GR__ACTION_KIND__ACCEPT, 0, "受理 accepted" },
	{ "refuse", GR__ACTION_KIND__REFUSE, NEED_NOTE, "不予受理 refused" },
	{ "assign", GR__ACTION_KIND__ASSIGN, NEED_DEPT, "交办 assigned" },
	{ "escalate", GR__ACTION_KIND__ESCALATE, 0, "上报 escalated" },
	{ "resolve", GR__ACTION_KIND__RESOLVE, NEED_NOTE, "办结 resolved" },
	{ "follow-up", GR__ACTION_KIND__FOLLOW_UP, NEED_SAT,
	  "回访 follow-up recorded" },
	{ "close", GR__ACTION_KIND__CLOSE, 0, "结案 closed" },
	{ "reopen", GR__ACTION_KIND__REOPEN, NEED_NOTE, "重新办理 reopened" },
	{ "extend", GR__ACTION_KIND__EXTEND, NEED_DAYS | NEED_NOTE,
	  "延期 extended" },
	{ "refresh", GR__ACTION_KIND__SNAPSHOT, NO_CASE,
	  "已重新获取本单位案件 the unit's cases fetched again" },
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))
#define REFRESH (NACTIONS - 1)	/* the last entry */

static const char *const state_labels[] = {
	"?", "已接收 received", "待受理 routed", "已受理 accepted",
	"已交办 assigned", "已办结 resolved", "已回访 visited", "已结案 closed",
	"已上报 escalated", "督办中 supervised", "不予受理 refused",
	"重新办理 reopened", "复查 review", "复核 re-review"
};
static const char *const colour_labels[] = { "-", "绿 green", "黄 yellow",
    "红 red" };
static const char *const alert_labels[] = { "?", "重访 repeat",
    "群体性 group", "一案双查 double check" };

struct fields {
	const char	*note;
	const char	*department;
	long		 satisfaction;	/* 0: not given */
	long		 days;
	int		 all;
};

static volatile sig_atomic_t quit;

static int	blank(const char *);
static int	cmd_action(const struct console_conf *, struct cache *, size_t,
		    const char *, const struct fields *);

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: dispatch-console [options] COMMAND [CASE] [action fields]\n"
"\n"
"Commands:\n"
"  inbox [--all]   this unit's cases not closed or refused: overdue first,\n"
"                  then new, then by deadline (--all: every case the feed\n"
"                  brought, any unit)\n"
"  show CASE       a case and its history\n"
"  alerts          alerts (重访, 群体性, 一案双查) on this unit's feed\n"
"  watch           stay connected and print each update as it arrives\n"
"  sync            fetch the feed, send the actions not answered yet\n"
"                  (a case's one after the other) and say each answer\n"
"  config          show the effective configuration\n"
"Actions on CASE (the collector applies them and answers):\n"
"  accept                       受理\n"
"  refuse --note REASON         不予受理\n"
"  assign --department NAME     交办\n"
"  escalate [--note TEXT]       上报 to the county\n"
"  resolve --note TEXT          办结\n"
"  follow-up --satisfaction 1-5 回访 with the petitioner's score\n"
"  close                        结案\n"
"  reopen --note REASON         重新办理\n"
"  extend --days 1-30 --note REASON   延期 (once per case)\n"
"  (--note is accepted by every action)\n"
"  refresh                      ask the collector for the unit's cases again\n"
"                               (done by inbox when the cache has none)\n"
"\n"
"Options:\n"
"  -c, --config FILE    'key value' settings (unit, actor, broker, cache,\n"
"                       client_id, username, password_file, cafile,\n"
"                       certfile, keyfile, log_level, wait)\n"
"  -u, --unit CODE      9-digit township or 6-digit county code\n"
"  -a, --actor ID       this dispatcher's id, recorded with each action\n"
"  -b, --broker URI     tcp://host:port or ssl://host:port\n"
"  -C, --cache FILE     case cache (default ~/.dispatch-console.db)\n"
"  -W, --wait SECONDS   how long to wait for the collector (default 10)\n"
"  -l, --log-level L    error, warn, info or debug\n"
"  -h, --help           -V, --version\n"
"\n"
"Exit status: 0 done (an action: applied), 1 failure, 2 usage, 3 incomplete\n"
"action (nothing sent), 4 refused by the collector (sync: a kept action\n"
"was), 5 kept but not answered yet (sent again by the next command that\n"
"connects, which says how each kept action was answered).\n");
}

/* Only a flag: watch sees it within WATCH_POLL_MS. */
static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static const char *
label(const char *const *v, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? v[i] : "?";
}
#define STATE(i) label(state_labels, sizeof(state_labels) / \
	sizeof(state_labels[0]), (i))
#define COLOUR(i) label(colour_labels, 4, (i))

static void
print_case_line(void *arg, const struct case_row *r)
{
	char d[32];
	const struct taxon *t = taxonomy_find(r->category);

	(void)arg;
	printf("%s%-20s %-18s %-10s %3u人 %-8s 期限 %s  %s\n",
	    r->overdue ? "! " : "  ", r->case_no, STATE(r->state),
	    COLOUR(r->colour), r->people, t != NULL ? t->name_zh : r->category,
	    cst_deadline(d, sizeof(d), r->resolve_due), r->summary);
}

static void
print_event(void *arg, const struct event_row *e)
{
	char at[32];

	(void)arg;
	printf("  %s  %-18s %-12s %s%s%s\n", cst_time(at, sizeof(at), e->at),
	    STATE(e->state), e->actor, e->note, e->unit[0] ? "  @" : "",
	    e->unit);
}

static void
print_alert(void *arg, const struct alert_row_c *a)
{
	char at[32];

	(void)arg;
	printf("%s  %-22s %s %s (%s)  %s%s%s\n", cst_time(at, sizeof(at),
	    a->raised_at), label(alert_labels, 4, a->kind), a->case_no,
	    a->township_name, a->township, a->note,
	    a->related[0] ? "  related: " : "", a->related);
}

/* For watch: one line per notice that was news. */
static void
print_notice(void *arg, const Gr__Notice *n)
{
	char at[32];

	(void)arg;
	switch (n->body_case) {
	case GR__NOTICE__BODY_UPDATE:
		printf("%s  %s %s  %s%s%s\n", cst_time(at, sizeof(at),
		    n->update->event_at), n->update->case_no, STATE(n->update->state),
		    n->update->event_actor ? n->update->event_actor : "",
		    n->update->event_note ? ": " : "",
		    n->update->event_note ? n->update->event_note : "");
		break;
	case GR__NOTICE__BODY_ALERT:
		printf("%s  ALERT %s %s  %s\n", cst_time(at, sizeof(at),
		    n->alert->raised_at), label(alert_labels, 4, n->alert->kind),
		    n->alert->case_no ? n->alert->case_no : "-",
		    n->alert->note ? n->alert->note : "");
		break;
	case GR__NOTICE__BODY_RESULT:
		printf("action %s on %s: %s%s%s\n", n->result->action_id ?
		    n->result->action_id : "-", n->result->case_no ?
		    n->result->case_no : "-", n->result->ok ? "applied" :
		    "refused", n->result->message ? ": " : "",
		    n->result->message ? n->result->message : "");
		break;
	default:
		break;
	}
	fflush(stdout);
}

/* connect_sync()'s ways */
#define CS_MAIN		0x1	/* the console's session, not watch's */
#define CS_RECONNECT	0x2	/* Paho connects again: see feed_open() */

/* Connect, send what waits and take the feed in.  NULL when offline
 * (said on stderr), which leaves the cache as it was. */
static struct feed *
connect_sync(const struct console_conf *c, struct cache *cache,
    notice_fn fn, int how)
{
	char err[256];
	struct feed *f;
	int ms = c->wait > 0 ? (int)(c->wait * 1000) : 1000;

	if ((f = feed_open(c, cache, ms > 10000 ? 10000 : ms,
	    (how & CS_RECONNECT) != 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dispatch-console: offline (%s): showing the "
		    "cases as last fetched\n", err);
		return NULL;
	}
	/* The broker lost the session of a console that knows cases: their
	 * updates since are lost, and the next inbox asks for the unit's
	 * cases again (noted in the cache, for whichever command comes). */
	if ((how & CS_MAIN) && feed_session_new(f) &&
	    cache_case_count(cache) > 0) {
		fprintf(stderr, "dispatch-console: the broker kept no session "
		    "for this console (it expired, or the broker lost it): "
		    "the updates published since the last connection are "
		    "lost; `inbox` or `refresh` fetches the unit's cases "
		    "again\n");
		if (cache_set_snapshot_due(cache, 1) < 0)
			fprintf(stderr, "dispatch-console: case cache: %s\n",
			    cache_error(cache));
	}
	if (feed_take(f, LINGER_MS, FETCH_MAX_MS, fn, NULL) < 0 ||
	    feed_send_pending(f) < 0)
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
	return f;
}

static int
cmd_inbox(const struct console_conf *c, struct cache *cache, int all)
{
	struct feed *f = connect_sync(c, cache, NULL, CS_MAIN | CS_RECONNECT);
	struct fields none;
	int n;

	feed_close(f);
	/* A new console knows no case yet, and one whose session the broker
	 * lost missed their updates: the collector publishes the unit's
	 * cases again. */
	if (f != NULL && (cache_case_count(cache) == 0 ||
	    cache_snapshot_due(cache) == 1)) {
		memset(&none, 0, sizeof(none));
		if (cmd_action(c, cache, REFRESH, NULL, &none) != EXIT_OK)
			fprintf(stderr, "dispatch-console: the unit's cases "
			    "could not be fetched again; try `refresh`\n");
	}
	n = cache_inbox(cache, c->unit, all, now_ms(), print_case_line, NULL);
	if (n < 0) {
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
		return EXIT_FAIL;
	}
	if (n == 0)
		printf("no open cases for unit %s\n", c->unit);
	return EXIT_OK;
}

static int
cmd_show(const struct console_conf *c, struct cache *cache,
    const char *case_no)
{
	struct case_row r;
	struct feed *f = connect_sync(c, cache, NULL, CS_MAIN | CS_RECONNECT);
	char a[32], b[32], d[32];
	const struct taxon *t, *it;
	int rc;

	feed_close(f);
	if ((rc = cache_case(cache, case_no, now_ms(), &r)) < 0) {
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
		return EXIT_FAIL;
	}
	if (rc == 1) {
		fprintf(stderr, "dispatch-console: case %s has not come on "
		    "unit %s's feed (`refresh` asks for the unit's cases "
		    "again)\n", case_no, c->unit);
		return EXIT_FAIL;
	}
	t = taxonomy_find(r.category);
	it = r.item[0] ? taxonomy_find(r.item) : NULL;
	printf("案件 case     %s%s\n", r.case_no, r.overdue ?
	    "  (逾期 overdue)" : "");
	printf("状态 state    %s\n", STATE(r.state));
	printf("办理 unit     %s %s (%s)\n", r.unit, r.unit_name,
	    r.level == GR__LEVEL__COUNTY ? "县级 county" : "乡镇 township");
	printf("类别 category %s %s%s%s\n", r.category, t ? t->name_zh : "",
	    it ? " / " : "", it ? it->name_zh : "");
	printf("风险 colour   %s, %u 人%s\n", COLOUR(r.colour), r.people,
	    r.on_spot ? ", 已就地化解 resolved on the spot" : "");
	printf("摘要 summary  %s\n", r.summary);
	printf("网格 grid     %s, 网格员 worker %s, report %s\n", r.grid,
	    r.worker, r.report_id);
	printf("路由 routing  %s: %s\n", r.route_rule, r.route_reason);
	printf("时间 dates    opened %s, respond by %s, resolve by %s\n",
	    cst_time(a, sizeof(a), r.opened_at), cst_deadline(b, sizeof(b),
	    r.response_due), cst_deadline(d, sizeof(d), r.resolve_due));
	if (r.department[0])
		printf("承办 department %s\n", r.department);
	if (r.satisfaction > 0)
		printf("满意度 satisfaction %u/5\n", r.satisfaction);
	printf("历史 history\n");
	if (cache_history(cache, case_no, print_event, NULL) < 0)
		return EXIT_FAIL;
	return EXIT_OK;
}

static int
cmd_alerts(const struct console_conf *c, struct cache *cache)
{
	struct feed *f = connect_sync(c, cache, NULL, CS_MAIN | CS_RECONNECT);
	int n;

	feed_close(f);
	if ((n = cache_alerts(cache, 200, print_alert, NULL)) < 0)
		return EXIT_FAIL;
	if (n == 0)
		printf("no alerts\n");
	return EXIT_OK;
}

static int
cmd_watch(struct console_conf *c, struct cache *cache)
{
	struct feed *f;
	char id[160];
	struct backoff bo = { 0, 0 };
	int64_t wait;

	/*
	 * A session of its own: the actions the dispatcher takes meanwhile
	 * connect with the console's usual client id, which would take this
	 * one over.  The cache keeps each notice once, whichever brings it.
	 */
	snprintf(id, sizeof(id), "%s-watch", c->client_id);
	free(c->client_id);
	c->client_id = xstrdup(id);
	/* a session of its own: new to the broker the first time */
	f = connect_sync(c, cache, print_notice, 0);

	if (f == NULL)
		return EXIT_FAIL;
	printf("watching gr/v1/dispatch/%s (Ctrl-C to stop)\n", c->unit);
	fflush(stdout);
	backoff_up(&bo);
	while (!quit) {
		if (!feed_connected(f)) {
			/* a connection that ended at once (a second watch of
			 * this unit and dispatcher took the session over) waits
			 * as a failed attempt would: see common/util.h */
			wait = backoff_next(&bo, RETRY_MAX_S);
			fprintf(stderr, "dispatch-console: connection lost; next "
			    "attempt in %.1f s\n", (double)wait / 1000);
			for (int64_t end = mono_ms() + wait; !quit &&
			    mono_ms() < end; )
				pause_ms(WATCH_POLL_MS);
			if (!quit && feed_reconnect(f, 10000) == 0) {
				backoff_up(&bo);
				fprintf(stderr, "dispatch-console: connected "
				    "again\n");
			}
			continue;
		}
		if (feed_take(f, WATCH_POLL_MS, WATCH_POLL_MS, print_notice,
		    NULL) < 0)
			break;
	}
	feed_close(f);
	return quit ? EXIT_OK : EXIT_FAIL;
}

static const char *
action_name(int kind)
{
	for (size_t i = 0; i < NACTIONS; i++)
		if ((int)actions[i].kind == kind)
			return actions[i].name;
	return "action";
}

/*
 * Tell how the collector answered the actions of kept (those unanswered
 * when this run began) that have an answer now: a line each on out, each
 * after prefix.  Returns how many were refused, or -1 when the cache
 * failed.
 */
static int
tell_kept(struct cache *cache, const char *unit,
    const struct action_row *kept, size_t n, FILE *out, const char *prefix)
{
	struct action_row a;
	int refused = 0, rc;

	for (size_t i = 0; i < n; i++) {
		if ((rc = cache_action(cache, kept[i].id, &a)) < 0)
			return -1;
		if (rc != 0 || !a.answered)
			continue;
		if (a.ok)
			fprintf(out, "%s%s %s: applied\n", prefix,
			    action_name(a.kind), a.case_no[0] ? a.case_no :
			    unit);
		else {
			fprintf(out, "%s%s %s: refused (%s): %s\n", prefix,
			    action_name(a.kind), a.case_no[0] ? a.case_no :
			    unit, a.reason, a.message);
			refused++;
		}
	}
	return refused;
}

/*
 * Send what is kept and wait, for wait seconds in all, for the answers;
 * say each.  A case's actions go one after the other (feed_send_pending()).
 */
static int
cmd_sync(const struct console_conf *c, struct cache *cache)
{
	struct feed *f;
	struct action_row *v;
	size_t n = 0, left;
	int64_t deadline = mono_ms() + c->wait * 1000;
	int refused, failed = 0;

	if (cache_actions_pending(cache, &v, &n) < 0)
		return EXIT_FAIL;
	if ((f = connect_sync(c, cache, NULL, CS_MAIN | CS_RECONNECT)) ==
	    NULL) {
		cache_actions_free(v, n);
		return EXIT_PENDING;
	}
	/* in the order they were taken: each sends the next of its case */
	for (size_t i = 0; i < n && failed == 0; i++)
		if (feed_await(f, v[i].id, (int)(deadline > mono_ms() ?
		    deadline - mono_ms() : 0)) < 0)
			failed = 1;
	feed_close(f);
	refused = tell_kept(cache, c->unit, v, n, stdout, "");
	cache_actions_free(v, n);
	if (failed || refused < 0 ||
	    cache_actions_pending(cache, &v, &left) < 0) {
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
		return EXIT_FAIL;
	}
	cache_actions_free(v, left);
	if (left > 0)
		printf("%zu action(s) not answered yet\n", left);
	else if (refused == 0)
		printf("up to date\n");
	/* a refusal is news the dispatcher must read; the rest goes again */
	return refused > 0 ? EXIT_REFUSED : left > 0 ? EXIT_PENDING : EXIT_OK;
}

/* 1 when s is missing or only blanks (ASCII or the ideographic space of
 * a Chinese keyboard): no reason, no department. */
static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)	/* U+3000 */
			s += 3;
		else
			return *s == '\0';
	}
}

static int
cmd_action(const struct console_conf *c, struct cache *cache, size_t ai,
    const char *case_no, const struct fields *fl)
{
	Gr__Action a = GR__ACTION__INIT;
	struct action_row res;
	struct verr e;
	struct feed *f;
	char id[ULID_LEN + 1];
	uint8_t *buf;
	size_t len;
	const char *what = case_no != NULL ? case_no : c->unit;
	int needs = actions[ai].needs, rc, held;

	if ((needs & NEED_NOTE) && blank(fl->note)) {
		fprintf(stderr, "dispatch-console: %s needs --note (the "
		    "reason)\n", actions[ai].name);
		return EXIT_INVALID;
	}
	if ((needs & NEED_DEPT) && blank(fl->department)) {
		fprintf(stderr, "dispatch-console: assign needs --department\n");
		return EXIT_INVALID;
	}
	if ((needs & NEED_SAT) && fl->satisfaction == 0) {
		fprintf(stderr, "dispatch-console: follow-up needs "
		    "--satisfaction 1 to 5\n");
		return EXIT_INVALID;
	}
	if ((needs & NEED_DAYS) && fl->days == 0) {
		fprintf(stderr, "dispatch-console: extend needs --days 1 to "
		    "30\n");
		return EXIT_INVALID;
	}
	if (ulid_make(id, now_ms()) < 0) {
		fprintf(stderr, "dispatch-console: no random bytes for the "
		    "action's id\n");
		return EXIT_FAIL;
	}
	a.has_schema_version = 1;
	a.schema_version = REPORT_SCHEMA_VERSION;
	a.id = id;
	a.unit = c->unit;
	a.actor = c->actor;
	a.case_no = (char *)(uintptr_t)case_no;
	a.has_kind = 1;
	a.kind = actions[ai].kind;
	a.note = (char *)(uintptr_t)fl->note;
	a.department = (char *)(uintptr_t)fl->department;
	if (fl->satisfaction > 0) {
		a.has_satisfaction = 1;
		a.satisfaction = (uint32_t)fl->satisfaction;
	}
	if (fl->days > 0) {
		a.has_extension_days = 1;
		a.extension_days = (uint32_t)fl->days;
	}
	a.has_at = 1;
	a.at = now_ms();
	/* The collector's own checks, shared: nothing malformed leaves. */
	if (validate_action(&a, c->unit, &e) < 0) {
		fprintf(stderr, "dispatch-console: %s\n", e.detail);
		return EXIT_INVALID;
	}
	buf = codec_pack(&a.base, &len);
	rc = cache_action_add(cache, id, case_no != NULL ? case_no : "",
	    a.kind, buf, len, now_ms());
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
		return EXIT_FAIL;
	}
	if ((f = connect_sync(c, cache, NULL, CS_MAIN | CS_RECONNECT)) ==
	    NULL) {
		printf("%s %s: kept; sent when the broker is reachable\n",
		    actions[ai].name, what);
		return EXIT_PENDING;
	}
	rc = feed_await(f, id, (int)c->wait * 1000);
	/* the case update that follows an applied action */
	if (rc == 1)
		feed_take(f, LINGER_MS, FETCH_MAX_MS, NULL, NULL);
	held = rc == 0 && !feed_sent(f, id);
	feed_close(f);
	if (held) {
		printf("%s %s: kept until the case's earlier action is "
		    "answered; `sync` sends it then\n", actions[ai].name,
		    what);
		return EXIT_PENDING;
	}
	if (rc <= 0 || cache_action(cache, id, &res) != 0) {
		printf("%s %s: sent, no answer yet; `sync` sends it again\n",
		    actions[ai].name, what);
		return rc < 0 ? EXIT_FAIL : EXIT_PENDING;
	}
	/* the unit's cases came again: what a lost session missed is in */
	if (ai == REFRESH && res.ok && cache_set_snapshot_due(cache, 0) < 0)
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
	if (!res.ok) {
		fprintf(stderr, "dispatch-console: %s %s refused (%s): %s\n",
		    actions[ai].name, what, res.reason, res.message);
		return EXIT_REFUSED;
	}
	printf("%s: %s%s%s\n", what, actions[ai].label, res.message[0] ?
	    ": " : "", res.message);
	return EXIT_OK;
}

static int
set_long(const char *name, const char *arg, long min, long max, long *out)
{
	if (parse_long(arg, min, max, out) < 0) {
		fprintf(stderr, "dispatch-console: --%s must be a number from "
		    "%ld to %ld\n", name, min, max);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct console_conf conf;
	struct fields fl;
	struct cache *cache = NULL;
	struct action_row *kept = NULL;
	size_t nkept = 0;
	struct sigaction sa;
	const char *cmd, *arg = NULL;
	char err[512];
	int ch, rc = EXIT_OK, takes_case;
	size_t ai = NACTIONS;

	log_init("dispatch-console", LOG_LVL_WARN);
	console_conf_defaults(&conf);
	memset(&fl, 0, sizeof(fl));
	if ((rc = conf_first_pass(argc, argv, shortopts, longopts,
	    "dispatch-console", usage, console_opts, console_nopts,
	    &conf)) >= 0)
		goto out;
	rc = EXIT_OK;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *name = NULL;

		switch (ch) {
		case 'u': name = "unit"; break;
		case 'a': name = "actor"; break;
		case 'b': name = "broker"; break;
		case 'C': name = "cache"; break;
		case 'W': name = "wait"; break;
		case 'l': name = "log_level"; break;
		case OPT_NOTE: fl.note = optarg; continue;
		case OPT_DEPT: fl.department = optarg; continue;
		case OPT_ALL: fl.all = 1; continue;
		case OPT_SAT:
			if (set_long("satisfaction", optarg, 1, 5,
			    &fl.satisfaction) < 0) {
				rc = EXIT_INVALID;
				goto out;
			}
			continue;
		case OPT_DAYS:
			if (set_long("days", optarg, 1, 30, &fl.days) < 0) {
				rc = EXIT_INVALID;
				goto out;
			}
			continue;
		default:
			continue;
		}
		if (conf_set(console_opts, console_nopts, &conf, name, optarg,
		    err, sizeof(err)) < 0) {
			fprintf(stderr, "dispatch-console: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dispatch-console: give a command (see "
		    "--help)\n");
		rc = EXIT_USAGE;
		goto out;
	}
	cmd = argv[optind];
	if (optind + 1 < argc)
		arg = argv[optind + 1];
	for (size_t i = 0; i < NACTIONS; i++)
		if (strcmp(cmd, actions[i].name) == 0)
			ai = i;
	takes_case = (ai < NACTIONS && !(actions[ai].needs & NO_CASE)) ||
	    strcmp(cmd, "show") == 0;
	if (takes_case ? (arg == NULL || optind + 2 != argc) :
	    optind + 1 != argc) {
		fprintf(stderr, "dispatch-console: %s takes %s\n", cmd,
		    takes_case ? "one case number" : "no argument");
		rc = EXIT_USAGE;
		goto out;
	}
	if (arg != NULL && !validate_case_no(arg)) {
		fprintf(stderr, "dispatch-console: '%s' is not a case number "
		    "(e.g. 530322-2026-000123)\n", arg);
		rc = EXIT_USAGE;
		goto out;
	}
	log_set_level(log_level_parse(conf.log_level));
	if (strcmp(cmd, "config") == 0) {
		if (console_conf_check(&conf, err, sizeof(err)) < 0)
			fprintf(stderr, "dispatch-console: warning: %s\n", err);
		conf_print(console_opts, console_nopts, &conf, stdout);
		goto out;
	}
	if (console_conf_check(&conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "dispatch-console: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (conf.mq.password_file != NULL) {
		if ((conf.mq.password = read_secret(conf.mq.password_file)) ==
		    NULL) {
			fprintf(stderr, "dispatch-console: cannot read "
			    "password_file %s: %s\n", conf.mq.password_file,
			    strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if ((cache = cache_open(conf.cache, conf.unit, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "dispatch-console: %s\n", err);
		rc = EXIT_FAIL;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* the actions kept from before: each answered in this run is told
	 * (sync tells its own) */
	if (strcmp(cmd, "sync") != 0 && strcmp(cmd, "watch") != 0 &&
	    cache_actions_pending(cache, &kept, &nkept) < 0) {
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
		rc = EXIT_FAIL;
		goto out;
	}
	if (ai < NACTIONS)
		rc = cmd_action(&conf, cache, ai, arg, &fl);
	else if (strcmp(cmd, "inbox") == 0)
		rc = cmd_inbox(&conf, cache, fl.all);
	else if (strcmp(cmd, "show") == 0)
		rc = cmd_show(&conf, cache, arg);
	else if (strcmp(cmd, "alerts") == 0)
		rc = cmd_alerts(&conf, cache);
	else if (strcmp(cmd, "watch") == 0)
		rc = cmd_watch(&conf, cache);
	else if (strcmp(cmd, "sync") == 0)
		rc = cmd_sync(&conf, cache);
	else {
		fprintf(stderr, "dispatch-console: unknown command '%s' (see "
		    "--help)\n", cmd);
		rc = EXIT_USAGE;
	}
	if (nkept > 0 && tell_kept(cache, conf.unit, kept, nkept, stderr,
	    "dispatch-console: kept action ") < 0)
		fprintf(stderr, "dispatch-console: case cache: %s\n",
		    cache_error(cache));
out:
	cache_actions_free(kept, nkept);
	cache_close(cache);
	console_conf_free(&conf);
	return rc;
}
