/* store.c -- PostgreSQL storage of reports, cases and dead letters (libpq). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pgarr.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

struct store {
	PGconn	*conn;
	char	*conninfo;
	char	 sqlstate[6];	/* of the last failed statement */
	int	 piping;	/* run() sends into a pipeline, returns NULL */
	int	 pipe_broken;	/* a send into the pipeline failed */
	int	 reads_sent;	/* store_batch_send() sent a batch's reads */
	int64_t	 planned_ms;	/* mono_ms() of the last DISCARD PLANS */
	int64_t	 planned_pages;	/* report's pages then; -1: unknown */
	size_t	 unlooked;	/* reports sent since report's size was read */
	/* the alerts raised by the reports of the last commit */
	struct alert_row *fresh;
	int	 nfresh, fresh_cap;
	/* alerts the broker has, to mark published with the next commit */
	uint64_t marks[STORE_MARKS_MAX];
	int	 nmarks;
};

#define MS(x) "(extract(epoch FROM " x ") * 1000)::bigint"
/* how long the plans of the statements are kept (store_prepare()) */
#define PLANS_REFRESH_MS	60000
/* reports stored between two looks at the size of report (store_plans_due()) */
#define PLANS_LOOK_REPORTS	1000
/* an alert as struct alert_row holds it (alert_fill()) */
#define ALERT_COLS "SELECT id, kind, case_no, county_code, township_code," \
	" township_name, array_to_string(related[1:16], ' '), note, " \
	MS("raised_at")

static const struct {
	const char *name;
	const char *sql;
} statements[] = {
	{ "dup",
	  "SELECT r.worker_id, c.case_no, c.unit_code, d.name_zh, c.level, "
	  "c.state, " MS("c.opened_at") ", " MS("c.response_due") ", "
	  MS("c.resolve_due")
	  " FROM report r JOIN \"case\" c ON c.report_id = r.id"
	  " JOIN division d ON d.code = c.unit_code WHERE r.id = $1" },
	{ "check",
	  "SELECT w.active, g.code IS NOT NULL, wg.worker_id IS NOT NULL,"
	  " cat.county_level, ($4::text IS NULL OR it.code IS NOT NULL),"
	  " coalesce(rep.open, false), rep.case_id, rep.case_no"
	  " FROM (SELECT 1) one"
	  " LEFT JOIN gr_find_repeat($5, $2, $3, $6::text[], $7::text[]) rep"
	  "  ON true"
	  " LEFT JOIN worker w ON w.id = $1"
	  " LEFT JOIN grid g ON g.code = $2"
	  " LEFT JOIN worker_grid wg ON wg.worker_id = $1 AND wg.grid_code = $2"
	  " LEFT JOIN category cat ON cat.code = $3 AND cat.parent_code IS NULL"
	  " LEFT JOIN category it ON it.code = $4 AND it.parent_code = $3" },
	{ "report",
	  "INSERT INTO report (id, schema_version, worker_id, device_id,"
	  " grid_code, created_at, occurred_at, category, item, colour, people,"
	  " amount_fen, summary, description, lat, lon, address,"
	  " resolved_on_spot, channel, link_report_id)"
	  " VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000.0),"
	  " to_timestamp($7::bigint / 1000.0), $8, $9, $10::colour, $11, $12,"
	  " $13, $14, $15, $16, $17, $18, $19::channel, $20)"
	  " ON CONFLICT (id) DO NOTHING RETURNING id" },
	{ "party",
	  "INSERT INTO party (report_id, idx, role, name, phone, id_number,"
	  " organisation) VALUES ($1, $2, $3::party_role, $4, $5, $6, $7)" },
	{ "case",
	  "WITH yr AS (SELECT gr_case_year() AS y),"
	  " n AS (SELECT x.no AS last_no, yr.y AS year FROM yr,"
	  "  gr_case_numbers(ARRAY[$2::text], yr.y) x),"
	  " p AS (SELECT least(coalesce($9::int, response_days),"
	  "  coalesce($10::int, resolve_days)) AS resp,"
	  "  coalesce($10::int, resolve_days) AS resol,"
	  "  gr_working_days() AS working FROM deadline_policy"
	  "  WHERE colour = $6::colour),"
	  " c AS (INSERT INTO \"case\" (case_no, report_id, county_code,"
	  "  township_code, level, unit_code, state, response_due, resolve_due,"
	  "  route_rule, route_reason, repeat_of, response_days, resolve_days)"
	  "  SELECT $2 || '-' || n.year || '-' || lpad(n.last_no::text,"
	  "  greatest(6, length(n.last_no::text)), '0'), $1, $2, $3,"
	  "  $4::route_level, $5, 'routed',"
	  "  gr_deadline_in(now(), p.resp, p.working),"
	  "  gr_deadline_in(now(), p.resol, p.working), $7, $8,"
	  "  $11::bigint, p.resp, p.resol FROM n, p"
	  "  RETURNING id, case_no, opened_at, response_due, resolve_due),"
	  " e AS (INSERT INTO case_event (case_id, actor, from_state, to_state,"
	  "  note) SELECT id, 'collector', NULL::case_state, 'received'::case_state, NULL FROM c"
	  "  UNION ALL SELECT id, 'collector', 'received', 'routed',"
	  "  concat_ws('; ', $8, '重访 (repeat of ' || $12 || ')') FROM c"
	  "  RETURNING id)"
	  " SELECT c.case_no, (SELECT name_zh FROM division WHERE code = $5), "
	  MS("c.opened_at") ", " MS("c.response_due") ", " MS("c.resolve_due")
	  ", (SELECT max(id) FROM e) FROM c" },
	/*
	 * The batch's reads, set-based: "dup" and "check" above for every
	 * report of the batch in one statement, a row per report in batch
	 * order; the check runs only for a report not stored yet.  The
	 * repeat search is one call for the whole batch, stored reports
	 * included (gr_find_repeats,
	 * schema/0024_repeat_search_per_batch.sql).  The petitioners' phones
	 * and ID numbers come as array literals, one per report.  OFFSET 0
	 * keeps the duplicate lookup a lookup by key for each report: joined
	 * to the batch instead, a plan made while the tables were small (as
	 * after a TRUNCATE) hashes the whole of "case" and report.  The
	 * batch's categories and items are read once, into "cat": looked up
	 * report by report, category (two pages) was read whole for each,
	 * as the planner prefers for a table that small.
	 */
	{ "checks",
	  "WITH cat AS MATERIALIZED (SELECT c.code, c.parent_code,"
	  "  c.county_level FROM (SELECT DISTINCT x FROM"
	  "  unnest($4::text[] || $5::text[]) x) k"
	  "  JOIN category c ON c.code = k.x)"
	  " SELECT b.k, d.worker_id, d.case_no, d.unit_code, d.name_zh, d.level,"
	  " d.state, d.opened, d.response, d.resolve, ch.active, ch.grid_ok,"
	  " ch.registered, ch.county_level, ch.item_ok, ch.rep_open,"
	  " ch.rep_id, ch.rep_no"
	  " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
	  " $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY"
	  " AS b(id, w, g, cat, item, link, phones, ids, k)"
	  " LEFT JOIN gr_find_repeats($6::text[], $3::text[], $4::text[],"
	  "  $7::text[], $8::text[]) rep ON rep.k = b.k"
	  " LEFT JOIN LATERAL (SELECT r.worker_id, c.case_no, c.unit_code,"
	  "  d.name_zh, c.level, c.state, " MS("c.opened_at") " AS opened, "
	  MS("c.response_due") " AS response, " MS("c.resolve_due")
	  "  AS resolve FROM report r JOIN \"case\" c ON c.report_id = r.id"
	  "  JOIN division d ON d.code = c.unit_code WHERE r.id = b.id"
	  "  OFFSET 0) d"
	  "  ON true"
	  " LEFT JOIN cat ON cat.code = b.cat AND cat.parent_code IS NULL"
	  " LEFT JOIN cat it ON it.code = b.item AND it.parent_code = b.cat"
	  " LEFT JOIN LATERAL (SELECT w.active, g.code IS NOT NULL AS grid_ok,"
	  "  wg.worker_id IS NOT NULL AS registered, cat.county_level,"
	  "  (b.item IS NULL OR it.code IS NOT NULL) AS item_ok,"
	  "  coalesce(rep.open, false) AS rep_open, rep.case_id AS rep_id,"
	  "  rep.case_no AS rep_no"
	  "  FROM (SELECT 1) one"
	  "  LEFT JOIN worker w ON w.id = b.w"
	  "  LEFT JOIN grid g ON g.code = b.g"
	  "  LEFT JOIN worker_grid wg ON wg.worker_id = b.w AND wg.grid_code = b.g"
	  "  WHERE d.worker_id IS NULL) ch ON true"
	  " ORDER BY b.k" },
	/*
	 * The batch's writes, set-based: one statement each for all its
	 * reports, all their parties, and all their cases (case numbers
	 * taken from the county's sequence, in batch order;
	 * two events per case, in the order the per-report statement
	 * writes them).  Rows go in in batch order (ORDER BY k), so the
	 * ids, the case numbers and the per-row alert trigger's work come
	 * in the same order as the per-report statements above.  The
	 * reports go in by a plain INSERT, not the per-report statement's
	 * ON CONFLICT DO NOTHING: the checks found none of them stored,
	 * after the locks of their ids (matters_send()), which any
	 * collector storing one of them holds until its commit.  A report
	 * stored meanwhile by a writer without the locks fails the batch
	 * (23505), which is then stored one report at a time.  ON CONFLICT
	 * costs every row a speculative insertion: a look in report_pkey
	 * before the insert, a lock, and a WAL record to confirm it (about
	 * 2.5 us a report, pg_stat_statements at full speed).  The deadlines
	 * count the days the county set (schema/0040_deadline_days.sql),
	 * read once per statement (OFFSET 0 keeps its subquery from being
	 * pulled up into each row): gr_deadline_in() with the setting as an
	 * argument is inlined, where gr_deadline() would read it per case.
	 * The case keeps the lengths it was given, for a reopen.
	 */
	{ "reports",
	  "INSERT INTO report (id, schema_version, worker_id, device_id,"
	  " grid_code, created_at, occurred_at, category, item, colour, people,"
	  " amount_fen, summary, description, lat, lon, address,"
	  " resolved_on_spot, channel, link_report_id)"
	  " SELECT id, v, w, dev, g, to_timestamp(cr / 1000.0),"
	  " to_timestamp(oc / 1000.0), cat, item, col::colour, ppl, amt, summ,"
	  " descr, lat, lon, addr, ros, ch::channel, link"
	  " FROM unnest($1::text[], $2::int[], $3::text[], $4::text[],"
	  " $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::text[],"
	  " $10::text[], $11::int[], $12::bigint[], $13::text[], $14::text[],"
	  " $15::float8[], $16::float8[], $17::text[], $18::bool[], $19::text[],"
	  " $20::text[]) WITH ORDINALITY AS b(id, v, w, dev, g, cr, oc, cat,"
	  " item, col, ppl, amt, summ, descr, lat, lon, addr, ros, ch, link, k)"
	  " ORDER BY k RETURNING id" },
	{ "parties",
	  "INSERT INTO party (report_id, idx, role, name, phone, id_number,"
	  " organisation) SELECT rid, idx, role::party_role, nm, ph, idn, org"
	  " FROM unnest($1::text[], $2::int[], $3::text[], $4::text[],"
	  " $5::text[], $6::text[], $7::text[]) WITH ORDINALITY"
	  " AS b(rid, idx, role, nm, ph, idn, org, k) ORDER BY k" },
	{ "cases",
	  "WITH yr AS (SELECT gr_case_year() AS y),"
	  " b AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
	  "  $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
	  "  $9::int[], $10::int[], $11::bigint[], $12::text[]) WITH ORDINALITY"
	  "  AS b(rid, county, township, lvl, unit, col, rule, reason, resp,"
	  "  resol, rep_id, rep_no, k)),"
	  " n AS (SELECT x.k, x.no, yr.y FROM yr,"
	  "  gr_case_numbers($2::text[], yr.y) x),"
	  " nb AS (SELECT b.*, n.y AS year, n.no FROM b JOIN n ON n.k = b.k),"
	  " c AS (INSERT INTO \"case\" (case_no, report_id, county_code,"
	  "  township_code, level, unit_code, state, response_due, resolve_due,"
	  "  route_rule, route_reason, repeat_of, response_days, resolve_days)"
	  "  SELECT nb.county || '-' || nb.year || '-' || lpad(nb.no::text,"
	  "  greatest(6, length(nb.no::text)), '0'), nb.rid, nb.county,"
	  "  nb.township, nb.lvl::route_level, nb.unit, 'routed',"
	  "  gr_deadline_in(now(), l.resp, w.working),"
	  "  gr_deadline_in(now(), l.resol, w.working), nb.rule, nb.reason,"
	  "  nb.rep_id, l.resp, l.resol"
	  "  FROM nb CROSS JOIN (SELECT gr_working_days() AS working OFFSET 0) w"
	  "  JOIN deadline_policy p ON p.colour = nb.col::colour"
	  "  CROSS JOIN LATERAL (SELECT least(coalesce(nb.resp, p.response_days),"
	  "  coalesce(nb.resol, p.resolve_days)) AS resp,"
	  "  coalesce(nb.resol, p.resolve_days) AS resol) l ORDER BY nb.k"
	  "  RETURNING id, report_id, case_no, opened_at, response_due,"
	  "  resolve_due),"
	  " e AS (INSERT INTO case_event (case_id, actor, from_state, to_state,"
	  "  note) SELECT c.id, 'collector', x.f, x.t, x.note FROM c"
	  "  JOIN b ON b.rid = c.report_id CROSS JOIN LATERAL (VALUES"
	  "  (1, NULL::case_state, 'received'::case_state, NULL::text),"
	  "  (2, 'received', 'routed', concat_ws('; ', b.reason,"
	  "  '重访 (repeat of ' || b.rep_no || ')'))) AS x(o, f, t, note)"
	  "  ORDER BY c.id, x.o RETURNING case_id, id),"
	  " ev AS (SELECT case_id, max(id) AS id FROM e GROUP BY case_id)"
	  " SELECT c.report_id, c.case_no, d.name_zh, "
	  MS("c.opened_at") ", " MS("c.response_due") ", " MS("c.resolve_due")
	  ", ev.id FROM c JOIN b ON b.rid = c.report_id"
	  " JOIN ev ON ev.case_id = c.id"
	  " LEFT JOIN division d ON d.code = b.unit ORDER BY b.k" },
	/* first in a transaction that stores reports, before the repeat
	 * search: the locks of their matters (matters_send()), taken row by
	 * row in the order given, $2 whether exclusive */
	{ "matters",
	  "SELECT CASE WHEN m THEN pg_advisory_xact_lock(hashtext('gr_matter'), h)"
	  " ELSE pg_advisory_xact_lock_shared(hashtext('gr_matter'), h) END"
	  " FROM unnest($1::int[], $2::bool[]) AS u(h, m)" },
	/* before the cases: 一案双查's townships, then the cases repeated
	 * (schema/0025_repeat_locks.sql) */
	{ "townships",
	  "SELECT gr_lock_batch($1::text[], $2::text[], $3::int[],"
	  " $4::bigint[])" },
	/* the case number sequences a batch will need, made beforehand */
	{ "numbers_ahead", "SELECT gr_case_numbers_ahead()" },
	{ "rules",
	  "SELECT name, coalesce(colour::text, ''), coalesce(min_people, -1),"
	  " coalesce(min_amount_fen, -1), coalesce(category, ''),"
	  " coalesce(county_level_category::int, -1),"
	  " coalesce(repeat_open::int, -1), level, coalesce(response_days, 0),"
	  " coalesce(resolve_days, 0), reason"
	  " FROM route_rule WHERE enabled ORDER BY priority, id" },
	{ "act",
	  "SELECT gr_case_act_once($1, $2, $3, $4, $5::case_action, $6, $7,"
	  " $8::int, $9::int)" },
	{ "act_refused", "SELECT gr_action_refused($1, $2, $3, $4, $5)" },
	/* two copies of one action (a resend another collector took) are
	 * judged one after the other: see store_action() */
	{ "act_lock",
	  "SELECT pg_advisory_xact_lock(hashtext('gr_action'), hashtext($1))" },
	{ "view",
	  "SELECT c.case_no, c.report_id, c.state, c.level, c.unit_code,"
	  " d.name_zh, r.grid_code, r.worker_id, r.category,"
	  " coalesce(r.item, ''), r.colour, r.people, r.summary, "
	  MS("c.opened_at") ", " MS("c.response_due") ", "
	  MS("c.resolve_due") ", c.route_rule, c.route_reason, "
	  MS("e.at") ", e.actor, coalesce(e.note, ''),"
	  " r.resolved_on_spot, coalesce(c.department, ''),"
	  " coalesce(c.satisfaction, 0), coalesce(e.action_id, ''),"
	  " coalesce(" MS("c.accepted_at") ", 0), e.id"
	  " FROM \"case\" c JOIN report r ON r.id = c.report_id"
	  " JOIN division d ON d.code = c.unit_code"
	  " JOIN LATERAL (SELECT * FROM case_event WHERE case_id = c.id"
	  "  ORDER BY id DESC LIMIT 1) e ON true"
	  " WHERE c.case_no = $1" },
	{ "sweep",
	  "SELECT case_no, level, old_unit FROM"
	  " gr_sweep(now() + make_interval(secs => $1::int), $2::int)" },
	{ "unit_cases",
	  "SELECT case_no FROM \"case\" WHERE unit_code = $1"
	  " AND state NOT IN ('closed', 'refused') ORDER BY id LIMIT $2::int" },
	{ "alerts",
	  ALERT_COLS " FROM gr_alerts_pending($1::int,"
	  " make_interval(secs => $2::int))" },
	{ "alerts_of", ALERT_COLS " FROM gr_alerts_of($1::text[])" },
	{ "alerts_done", "SELECT gr_alerts_published($1::bigint[])" },
	{ "dead",
	  "INSERT INTO dead_letter (topic, reason, detail, report_id, worker_id,"
	  " payload) VALUES ($1, $2, $3, $4, $5, $6)" },
};

static int	 store_prepare(struct store *);
static int64_t	 report_pages(struct store *);
static void	 numbers_ahead(struct store *);
static int	 transient(struct store *);
static const char *errline(const char *);
static const char *db_error(struct store *, const PGresult *);
static PGresult	*run(struct store *, const char *, int, const char *const *,
		    const int *, const int *);
static void	 note_error(struct store *, const PGresult *);
static int	 command(struct store *, const char *);
static void	 fill_case(const PGresult *, int, struct stored_case *);
static Gr__Level level_of(const char *);
static Gr__CaseState state_of(const char *);
static int	 colour_of(const char *);
static void	 petitioner_arrays(const Gr__Report *, char *, size_t, char *,
		    size_t);
static Gr__Colour colour_value(const char *);
static int	 read_view(struct store *, const char *, struct case_view *);
static PGresult	*dup_send(struct store *, const Gr__Report *);
static PGresult	*marks_send(struct store *, const uint64_t *, int);
static void	 marks_drop(struct store *, int);
static PGresult	*fresh_send(struct store *, const struct store_item *, size_t);
static int	 fresh_parse(struct store *, PGresult *);
static int	 dup_parse(PGresult *, const Gr__Report *, struct stored_case *,
		    struct verr *);
static int	 dup_row(const PGresult *, int, int, const Gr__Report *,
		    struct stored_case *, struct verr *);
static PGresult	*townships_send(struct store *, const struct store_item *,
		    size_t);
static int	 expect(struct store *, PGresult *, ExecStatusType,
		    const char *);
static PGresult	*matters_send(struct store *, const struct store_item *,
		    size_t);
static PGresult	*check_send(struct store *, const Gr__Report *);
static int	 check_row(const PGresult *, int, int, const Gr__Report *,
		    struct route_facts *, struct verr *);
static int	 check_parse(PGresult *, const Gr__Report *,
		    struct route_facts *, struct verr *);
static PGresult	*report_send(struct store *, const Gr__Report *);
static int	 report_parse(struct store *, PGresult *,
		    const Gr__Report *);
static PGresult	*party_send(struct store *, const Gr__Report *, size_t);
static int	 party_parse(PGresult *);
static PGresult	*case_send(struct store *, const Gr__Report *,
		    const struct route *, const struct route_facts *);
static int	 case_parse(struct store *, PGresult *, const Gr__Report *,
		    const struct route *, struct stored_case *);

static const char *const level_names[] = { "township", "county" };
static const char *const colour_names[] = { NULL, "green", "yellow", "red" };
static const char *const channel_names[] = { NULL, "grid_visit", "letter",
    "visit", "internet", "hotline" };
static const char *const role_names[] = { NULL, "petitioner", "respondent",
    "other" };
static const char *const action_names[] = { NULL, "accept", "refuse",
    "assign", "escalate", "resolve", "follow_up", "close", "reopen",
    "extend" };
static const char *const state_names[] = { NULL, "received", "routed",
    "accepted", "assigned", "resolved", "visited", "closed", "escalated",
    "supervised", "refused", "reopened", "review", "re_review" };

struct store *
store_open(const char *conninfo)
{
	struct store *s = xcalloc(1, sizeof(*s));

	/*
	 * Defaults first, then the user's connection string, which overrides
	 * them: a dead database host must not block for minutes.
	 */
	static const char *const keys[] = { "connect_timeout", "keepalives",
	    "keepalives_idle", "keepalives_interval", "keepalives_count",
	    "application_name", "dbname", NULL };
	const char *vals[] = { "10", "1", "30", "10", "3", "gr-collector",
	    conninfo, NULL };

	s->conninfo = xstrdup(conninfo);
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(s->conn) != CONNECTION_OK || store_prepare(s) < 0 ||
	    command(s, "LISTEN gr_route_rules") < 0) {
		log_error("event=db-connect error=\"%s\"",
		    errline(PQerrorMessage(s->conn)));
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	PQfinish(s->conn);
	free(s->conninfo);
	free(s->fresh);
	free(s);
}

int
store_ok(struct store *s)
{
	return PQstatus(s->conn) == CONNECTION_OK;
}

int
store_reconnect(struct store *s)
{
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		log_debug("event=db-reconnect-failed");
		return -1;
	}
	if (store_prepare(s) < 0 || command(s, "LISTEN gr_route_rules") < 0)
		return -1;
	log_info("event=db-reconnected");
	return 0;
}

static int
store_prepare(struct store *s)
{
	/*
	 * The batch statements are planned for arrays of unknown length
	 * (unnest: 100 rows each, as far as the planner knows), which can
	 * put their estimated cost over jit_above_cost: compiling them to
	 * machine code then costs tens of milliseconds per batch, more than
	 * running them.
	 */
	if (command(s, "SET jit = off") < 0)
		return -1;
	/*
	 * One plan per statement, kept: otherwise a statement whose arrays
	 * hold one or a few reports (the checks) can be planned afresh on
	 * every call, 0.3 ms each,
	 * and that is most of the latency when reports come one at a time.
	 * The plans are made again every PLANS_REFRESH_MS, and sooner when
	 * the tables have doubled or shrunk (store_plans_due()), so that none made
	 * when the tables were small outlives their growth.
	 */
	if (command(s, "SET plan_cache_mode = force_generic_plan") < 0)
		return -1;
	s->planned_ms = mono_ms();
	s->planned_pages = report_pages(s);
	s->unlooked = 0;
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]);
	    i++) {
		PGresult *res = PQprepare(s->conn, statements[i].name,
		    statements[i].sql, 0, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("event=db-prepare statement=%s error=\"%s\"",
			    statements[i].name,
			    db_error(s, res));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	numbers_ahead(s);
	return 0;
}

/*
 * Make this year's and next year's case number sequences of every county
 * now, in a transaction of their own, so that no batch makes one and waits
 * for it with township locks held (schema/0022_case_number_sequences.sql).
 * A failure is only logged: a batch makes a missing one itself.
 */
static void
numbers_ahead(struct store *s)
{
	PGresult *res;

	if (!store_ok(s))
		return;
	res = run(s, "numbers_ahead", 0, NULL, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("event=case-numbers-ahead-failed error=\"%s\"",
		    db_error(s, res));
	PQclear(res);
}

/* The first line of a libpq message, for a one-line log. */
static const char *
errline(const char *msg)
{
	static char line[256];
	size_t n = strcspn(msg, "\n");

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, msg, n);
	line[n] = '\0';
	return line;
}

/*
 * The first line of what went wrong: the result's message, or, when the
 * connection is gone and the result says nothing, the connection's.
 */
static const char *
db_error(struct store *s, const PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

	if (msg[0] == '\0')
		msg = PQerrorMessage(s->conn);
	if (msg[0] == '\0')
		msg = PQstatus(s->conn) == CONNECTION_OK ?
		    "no result from the database" :
		    "no connection to the database";
	return errline(msg);
}

/* Whether the last failure is worth retrying: lost connection, resources,
 * shutdown, serialization or deadlock; not a rule of the data. */
static int
transient(struct store *s)
{
	const char *st = s->sqlstate;

	if (PQstatus(s->conn) != CONNECTION_OK || st[0] == '\0')
		return 1;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "40", 2) == 0 ||
	    strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0 ||
	    strncmp(st, "58", 2) == 0;
}

static PGresult *
run(struct store *s, const char *stmt, int n, const char *const *vals,
    const int *lens, const int *fmts)
{
	PGresult *res;

	if (s->piping) {
		if (PQsendQueryPrepared(s->conn, stmt, n, vals, lens, fmts,
		    0) != 1)
			s->pipe_broken = 1;
		return NULL;
	}
	res = PQexecPrepared(s->conn, stmt, n, vals, lens, fmts, 0);
	note_error(s, res);
	return res;
}

/* Keep the SQLSTATE of a failed result for transient(). */
static void
note_error(struct store *s, const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	const char *code;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_PIPELINE_SYNC && st != PGRES_PIPELINE_ABORTED) {
		code = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
		    NULL;
		strlcpy_gr(s->sqlstate, code ? code : "", sizeof(s->sqlstate));
	}
}

static int
command(struct store *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		log_warn("event=db-error command=\"%s\" error=\"%s\"", sql,
		    db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

static Gr__Level
level_of(const char *s)
{
	return strcmp(s, "county") == 0 ? GR__LEVEL__COUNTY :
	    GR__LEVEL__TOWNSHIP;
}

static Gr__CaseState
state_of(const char *s)
{
	for (size_t i = 1; i < sizeof(state_names) / sizeof(state_names[0]);
	    i++)
		if (strcmp(s, state_names[i]) == 0)
			return (Gr__CaseState)i;
	return GR__CASE_STATE__STATE_UNSPECIFIED;
}

/* Columns from col: case_no, unit name, opened, response, resolve, the
 * latest event's id. */
static void
fill_case(const PGresult *res, int col, struct stored_case *c)
{
	strlcpy_gr(c->case_no, PQgetvalue(res, 0, col), sizeof(c->case_no));
	utf8_copy(c->unit_name, PQgetvalue(res, 0, col + 1),
	    sizeof(c->unit_name));
	c->opened_at = strtoll(PQgetvalue(res, 0, col + 2), NULL, 10);
	c->response_due = strtoll(PQgetvalue(res, 0, col + 3), NULL, 10);
	c->resolve_due = strtoll(PQgetvalue(res, 0, col + 4), NULL, 10);
	c->event_id = strtoll(PQgetvalue(res, 0, col + 5), NULL, 10);
}

/* Look up an existing report's case.  1 found, 0 not, -1 error. */
static int
find_duplicate(struct store *s, const Gr__Report *r, struct stored_case *c,
    struct verr *e)
{
	return dup_parse(dup_send(s, r), r, c, e);
}

static PGresult *
dup_send(struct store *s, const Gr__Report *r)
{
	const char *v[1] = { r->id };

	return run(s, "dup", 1, v, NULL, NULL);
}

/* The "dup" result, which it clears: 1 found (c filled), 2 the id is
 * another worker's (e filled), 0 not found, -1 error. */
static int
dup_parse(PGresult *res, const Gr__Report *r, struct stored_case *c,
    struct verr *e)
{
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1)
		rc = dup_row(res, 0, 0, r, c, e);
	PQclear(res);
	return rc;
}

/* A found report's columns from col of row: 1 (c filled), or 2 when the
 * id is another worker's (e filled). */
static int
dup_row(const PGresult *res, int row, int col, const Gr__Report *r,
    struct stored_case *c, struct verr *e)
{
#define COL(i) PQgetvalue(res, row, col + (i))
	if (strcmp(COL(0), r->worker_id) != 0) {
		e->reason = VR_ID_CONFLICT;
		snprintf(e->detail, sizeof(e->detail),
		    "report id %s belongs to another worker", r->id);
		return 2;
	}
	strlcpy_gr(c->case_no, COL(1), sizeof(c->case_no));
	strlcpy_gr(c->unit, COL(2), sizeof(c->unit));
	utf8_copy(c->unit_name, COL(3), sizeof(c->unit_name));
	c->level = level_of(COL(4));
	c->state = state_of(COL(5));
	c->opened_at = strtoll(COL(6), NULL, 10);
	c->response_due = strtoll(COL(7), NULL, 10);
	c->resolve_due = strtoll(COL(8), NULL, 10);
#undef COL
	return 1;
}

/* The petitioners' phones and ID numbers as PostgreSQL array literals.
 * Validation allows only digits, '+', '-' and 'X' in them: nothing to
 * quote. */
static void
petitioner_arrays(const Gr__Report *r, char *phones, size_t psize, char *ids,
    size_t isize)
{
	size_t pn = 0, in = 0;

	pn += (size_t)snprintf(phones, psize, "{");
	in += (size_t)snprintf(ids, isize, "{");
	for (size_t i = 0; i < r->n_parties; i++) {
		const Gr__Party *p = r->parties[i];

		if (p->role != GR__PARTY_ROLE__PETITIONER)
			continue;
		if (p->phone != NULL && pn < psize)
			pn += (size_t)snprintf(phones + pn, psize - pn, "%s%s",
			    pn > 1 ? "," : "", p->phone);
		if (p->id_number != NULL && in < isize)
			in += (size_t)snprintf(ids + in, isize - in, "%s%s",
			    in > 1 ? "," : "", p->id_number);
	}
	if (pn < psize)
		snprintf(phones + pn, psize - pn, "}");
	if (in < isize)
		snprintf(ids + in, isize - in, "}");
}

/* What only the database knows.  0 ok, 1 rejected (e filled), -1 error. */
static int
check_registration(struct store *s, const Gr__Report *r,
    struct route_facts *f, struct verr *e)
{
	return check_parse(check_send(s, r), r, f, e);
}

static PGresult *
check_send(struct store *s, const Gr__Report *r)
{
	char phones[LIMIT_PARTIES * 24 + 3], ids[LIMIT_PARTIES * 22 + 3];
	const char *v[7] = { r->worker_id, r->grid_code, r->category, r->item,
	    r->link_report_id, phones, ids };

	petitioner_arrays(r, phones, sizeof(phones), ids, sizeof(ids));
	return run(s, "check", 7, v, NULL, NULL);
}

/* The "check" result, which it clears: as check_registration(). */
static int
check_parse(PGresult *res, const Gr__Report *r, struct route_facts *f,
    struct verr *e)
{
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	rc = check_row(res, 0, 0, r, f, e);
	PQclear(res);
	return rc;
}

/* The check's columns from col of row: 0 (f filled), 1 rejected (e
 * filled). */
static int
check_row(const PGresult *res, int row, int col, const Gr__Report *r,
    struct route_facts *f, struct verr *e)
{
	int rc = 0;

#define COL(i) PQgetvalue(res, row, col + (i))
#define ISNULL(i) PQgetisnull(res, row, col + (i))
	if (ISNULL(0) || strcmp(COL(0), "t") != 0) {
		e->reason = VR_UNKNOWN_WORKER;
		snprintf(e->detail, sizeof(e->detail),
		    "worker %s is not registered or not active", r->worker_id);
		rc = 1;
	} else if (strcmp(COL(1), "t") != 0) {
		e->reason = VR_UNKNOWN_GRID;
		snprintf(e->detail, sizeof(e->detail), "grid %s is unknown",
		    r->grid_code);
		rc = 1;
	} else if (strcmp(COL(2), "t") != 0) {
		e->reason = VR_NOT_REGISTERED;
		snprintf(e->detail, sizeof(e->detail),
		    "worker %s is not registered for grid %s", r->worker_id,
		    r->grid_code);
		rc = 1;
	} else if (ISNULL(3) ||
	    strcmp(COL(4), "t") != 0) {
		e->reason = VR_UNKNOWN_CATEGORY;
		snprintf(e->detail, sizeof(e->detail),
		    "category %s / item %s is not in the taxonomy",
		    r->category, r->item ? r->item : "-");
		rc = 1;
	} else {
		f->county_level = strcmp(COL(3), "t") == 0;
		f->repeat_open = strcmp(COL(5), "t") == 0;
		strlcpy_gr(f->repeat_case_id, COL(6),
		    sizeof(f->repeat_case_id));
		strlcpy_gr(f->repeat_case_no, COL(7),
		    sizeof(f->repeat_case_no));
	}
#undef COL
#undef ISNULL
	return rc;
}

static int
insert_report(struct store *s, const Gr__Report *r)
{
	return report_parse(s, report_send(s, r), r);
}

static PGresult *
report_send(struct store *s, const Gr__Report *r)
{
	char ver[12], created[24], occurred[24], people[12], amount[24];
	char lat[32], lon[32];
	const Gr__Location *l = r->location;
	const char *v[20];

	snprintf(ver, sizeof(ver), "%u", r->schema_version);
	snprintf(created, sizeof(created), "%" PRId64, r->created_at);
	snprintf(occurred, sizeof(occurred), "%" PRId64, r->occurred_at);
	snprintf(people, sizeof(people), "%u", r->people);
	snprintf(amount, sizeof(amount), "%" PRId64, r->amount_fen);
	if (l != NULL && l->has_lat) {
		snprintf(lat, sizeof(lat), "%.7f", l->lat);
		snprintf(lon, sizeof(lon), "%.7f", l->lon);
	}
	v[0] = r->id;
	v[1] = ver;
	v[2] = r->worker_id;
	v[3] = r->device_id;
	v[4] = r->grid_code;
	v[5] = created;
	v[6] = r->has_occurred_at ? occurred : NULL;
	v[7] = r->category;
	v[8] = r->item;
	v[9] = colour_names[r->colour];
	v[10] = people;
	v[11] = r->has_amount_fen ? amount : NULL;
	v[12] = r->summary;
	v[13] = r->description;
	v[14] = (l != NULL && l->has_lat) ? lat : NULL;
	v[15] = (l != NULL && l->has_lat) ? lon : NULL;
	v[16] = l != NULL ? l->address : NULL;
	v[17] = r->resolved_on_spot ? "t" : "f";
	v[18] = channel_names[r->has_channel ? r->channel :
	    GR__CHANNEL__GRID_VISIT];
	v[19] = r->link_report_id;
	return run(s, "report", 20, v, NULL, NULL);
}

/* The "report" result, which it clears: 1 inserted, 0 a concurrent
 * insert won, -1 error. */
static int
report_parse(struct store *s, PGresult *res, const Gr__Report *r)
{
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = -1;
	else
		rc = PQntuples(res);	/* 0: a concurrent insert won */
	if (rc < 0)
		log_warn("event=db-error statement=report report=%s error=\"%s\"",
		    r->id, db_error(s, res));
	PQclear(res);
	return rc;
}

static int
insert_parties(struct store *s, const Gr__Report *r)
{
	for (size_t i = 0; i < r->n_parties; i++) {
		if (party_parse(party_send(s, r, i)) < 0)
			return -1;
	}
	return 0;
}

static PGresult *
party_send(struct store *s, const Gr__Report *r, size_t i)
{
	const Gr__Party *p = r->parties[i];
	char idx[24];
	const char *v[7];

	snprintf(idx, sizeof(idx), "%zu", i + 1);
	v[0] = r->id;
	v[1] = idx;
	v[2] = role_names[p->role];
	v[3] = p->name;
	v[4] = p->phone;
	v[5] = p->id_number;
	v[6] = p->organisation;
	return run(s, "party", 7, v, NULL, NULL);
}

/* A "party" result, which it clears: 0 or -1. */
static int
party_parse(PGresult *res)
{
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

static int
open_case(struct store *s, const Gr__Report *r, const struct route *rt,
    const struct route_facts *f, struct stored_case *c)
{
	return case_parse(s, case_send(s, r, rt, f), r, rt, c);
}

static PGresult *
case_send(struct store *s, const Gr__Report *r, const struct route *rt,
    const struct route_facts *f)
{
	char response[12], resolve[12];
	const char *v[12];

	snprintf(response, sizeof(response), "%d", rt->response_days);
	snprintf(resolve, sizeof(resolve), "%d", rt->resolve_days);
	v[0] = r->id;
	v[1] = rt->county;
	v[2] = rt->township;
	v[3] = level_names[rt->level == GR__LEVEL__COUNTY];
	v[4] = rt->unit;
	v[5] = colour_names[r->colour];
	v[6] = rt->rule;
	v[7] = rt->reason;
	v[8] = rt->response_days > 0 ? response : NULL;
	v[9] = rt->resolve_days > 0 ? resolve : NULL;
	v[10] = f->repeat_case_id[0] != '\0' ? f->repeat_case_id : NULL;
	v[11] = f->repeat_case_no[0] != '\0' ? f->repeat_case_no : NULL;
	return run(s, "case", 12, v, NULL, NULL);
}

/* The "case" result, which it clears: 0 (c filled) or -1. */
static int
case_parse(struct store *s, PGresult *res, const Gr__Report *r,
    const struct route *rt, struct stored_case *c)
{
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && !ok)
		/* No deadline_policy row for the colour: no_data_found. */
		strlcpy_gr(s->sqlstate, "P0002", sizeof(s->sqlstate));
	if (ok) {
		fill_case(res, 0, c);
		strlcpy_gr(c->unit, rt->unit, sizeof(c->unit));
		c->level = rt->level;
		c->state = GR__CASE_STATE__ROUTED;
	} else
		log_warn("event=db-error statement=case report=%s error=\"%s\"",
		    r->id, db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* A statement's result, checked and cleared: 0 when its status is want,
 * -1 otherwise (logged with the statement's name; res NULL: the pipeline's
 * connection failed, nothing to log). */
static int
expect(struct store *s, PGresult *res, ExecStatusType want, const char *stmt)
{
	int ok = res != NULL && PQresultStatus(res) == want;

	if (res != NULL && !ok)
		log_warn("event=db-error statement=%s error=\"%s\"", stmt,
		    db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

enum store_result
store_report(struct store *s, const Gr__Report *r, const struct ruleset *rules,
    struct route *rt, struct stored_case *c, struct verr *e)
{
	struct route_facts facts;
	struct store_item one;
	PGresult *res;
	int rc, nfresh;

	memset(c, 0, sizeof(*c));
	memset(&facts, 0, sizeof(facts));
	memset(&one, 0, sizeof(one));
	s->sqlstate[0] = '\0';
	s->nfresh = 0;
	one.r = r;
	if (command(s, "BEGIN") < 0)
		return STORE_RETRY;
	if (expect(s, matters_send(s, &one, 1), PGRES_TUPLES_OK,
	    "matters") < 0 ||
	    (rc = find_duplicate(s, r, c, e)) < 0)
		goto failed;
	if (rc > 0)
		goto done_read;
	if ((rc = check_registration(s, r, &facts, e)) < 0)
		goto failed;
	if (rc > 0) {
		rc = 2;
		goto done_read;
	}
	if (route_decide(rules, r, &facts, rt) == 0)
		log_warn("event=no-route-rule report=%s rule=default", r->id);
	switch (insert_report(s, r)) {
	case 1:
		break;
	case 0:
		/* Another collector stored it first; read its case. */
		command(s, "ROLLBACK");
		if (command(s, "BEGIN") < 0)
			return STORE_RETRY;
		if ((rc = find_duplicate(s, r, c, e)) < 0)
			goto failed;
		goto done_read;
	default:
		goto failed;
	}
	one.result = STORE_NEW;
	one.rt = *rt;
	one.facts = facts;
	if (insert_parties(s, r) < 0 ||
	    expect(s, townships_send(s, &one, 1), PGRES_TUPLES_OK,
	    "townships") < 0 ||
	    open_case(s, r, rt, &facts, c) < 0)
		goto failed;
	if ((nfresh = fresh_parse(s, fresh_send(s, &one, 1))) < 0)
		goto failed;
	res = PQexec(s->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_warn("event=db-commit-failed report=%s error=\"%s\"", r->id,
		    db_error(s, res));
		note_error(s, res);
		PQclear(res);
		goto failed;
	}
	PQclear(res);
	s->nfresh = nfresh;
	return STORE_NEW;

done_read:
	command(s, "ROLLBACK");
	if (rc == 1)
		return STORE_DUPLICATE;
	if (rc == 2)
		return STORE_REJECTED;
	/* rc 0 after a lost race: the winner's row is not visible yet. */
	return STORE_RETRY;

failed:
	command(s, "ROLLBACK");
	if (transient(s))
		return STORE_RETRY;
	e->reason = "store_failed";
	snprintf(e->detail, sizeof(e->detail),
	    "the database failed to store the report (SQLSTATE %s)",
	    s->sqlstate);
	return STORE_FAILED;
}

/* Run (or, in pipeline mode, send) a statement whose n parameters are
 * the arrays a, and free them; the result as run() gives it. */
static PGresult *
arr_send(struct store *s, const char *stmt, struct pgarr *a, int n)
{
	const char *v[20] = { NULL };
	PGresult *res;

	for (int i = 0; i < n; i++)
		v[i] = pgarr_end(&a[i]);
	res = run(s, stmt, n, v, NULL, NULL);
	for (int i = 0; i < n; i++)
		pgarr_free(&a[i]);
	return res;
}

/* The "checks" statement for the n reports of a batch, run at once. */
static PGresult *
checks_run(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a[8];

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const Gr__Report *r = it[i].r;
		char phones[LIMIT_PARTIES * 24 + 3], ids[LIMIT_PARTIES * 22 + 3];

		petitioner_arrays(r, phones, sizeof(phones), ids, sizeof(ids));
		pgarr_put(&a[0], r->id);
		pgarr_put(&a[1], r->worker_id);
		pgarr_put(&a[2], r->grid_code);
		pgarr_put(&a[3], r->category);
		pgarr_put(&a[4], r->item);
		pgarr_put(&a[5], r->link_report_id);
		pgarr_put(&a[6], phones);
		pgarr_put(&a[7], ids);
	}
	return arr_send(s, "checks", a, 8);
}

/*
 * Matter locks.  A report is routed as a repeat (重访) when the repeat search
 * finds an earlier report of the same matter: the report it links to, the
 * same grid and category, or a petitioner with the same phone or ID number
 * (gr_find_repeats(), schema/0024_repeat_search_per_batch.sql).  The search
 * sees committed reports only: two collectors (or store workers) storing
 * reports of one matter at the same moment would each search without the
 * other's report, and both open a new case.
 *
 * So a transaction that stores reports begins with one advisory lock per
 * key its reports can be found by (its id, its grid and category, each
 * petitioner's phone and ID number), and runs the search in the next
 * statement, after the commit of any transaction that held one of them.  A
 * report that links to another takes the other's id lock shared: it waits
 * for the report it links to, but two reports linking to one report do not
 * wait for each other.  These are the keys of store_conflicts(), which
 * keeps such reports apart within one collector, so its own workers do not
 * wait on them.
 *
 * The locks are taken in the order of the keys' hashes, in one statement,
 * before the township and repeat locks (gr_lock_batch(),
 * schema/0025_repeat_locks.sql) in every transaction: a transaction waiting
 * here holds no lock of the later kinds, so no two wait on each other.
 * Two keys with one hash share a lock: a wait that was not needed, no more.
 */
/* FNV-1a of a kind letter and a key */
static uint32_t
matter_hash(char kind, const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	h = (h ^ (unsigned char)kind) * 16777619u;
	for (; *a != '\0'; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	if (b != NULL) {
		h = (h ^ 0x1f) * 16777619u;
		for (; *b != '\0'; b++)
			h = (h ^ (unsigned char)*b) * 16777619u;
	}
	return h;
}

static int
matter_cmp(const void *a, const void *b)
{
	const struct matter_key *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

size_t
store_matter_keys(const struct store_item *it, size_t n,
    struct matter_key **out)
{
	struct matter_key *k = xcalloc(n * (3 + 2 * LIMIT_PARTIES) + 1,
	    sizeof(*k));
	size_t nk = 0, u = 0;

	for (size_t i = 0; i < n; i++) {
		const Gr__Report *r = it[i].r;

		k[nk++] = (struct matter_key){ matter_hash('r', r->id, NULL), 1 };
		if (r->link_report_id != NULL)
			k[nk++] = (struct matter_key){
			    matter_hash('r', r->link_report_id, NULL), 0 };
		k[nk++] = (struct matter_key){
		    matter_hash('g', r->grid_code, r->category), 1 };
		for (size_t j = 0; j < r->n_parties &&
		    j < LIMIT_PARTIES; j++) {
			const Gr__Party *p = r->parties[j];

			if (p->role != GR__PARTY_ROLE__PETITIONER)
				continue;
			if (p->phone != NULL)
				k[nk++] = (struct matter_key){
				    matter_hash('p', p->phone, NULL), 1 };
			if (p->id_number != NULL)
				k[nk++] = (struct matter_key){
				    matter_hash('i', p->id_number, NULL), 1 };
		}
	}
	qsort(k, nk, sizeof(*k), matter_cmp);
	for (size_t i = 0; i < nk; i++) {
		if (u > 0 && k[u - 1].h == k[i].h)
			k[u - 1].exclusive |= k[i].exclusive;
		else
			k[u++] = k[i];
	}
	*out = k;
	return u;
}

/* The "matters" statement (the locks) for the n reports of a batch. */
static PGresult *
matters_send(struct store *s, const struct store_item *it, size_t n)
{
	struct matter_key *k;
	struct pgarr a[2];
	size_t nk = store_matter_keys(it, n, &k);

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < nk; i++) {
		char h[12];

		snprintf(h, sizeof(h), "%" PRId32, (int32_t)k[i].h);
		pgarr_put(&a[0], h);
		pgarr_put(&a[1], k[i].exclusive ? "t" : "f");
	}
	free(k);
	return arr_send(s, "matters", a, 2);
}

/* The "reports" statement for the new reports of a batch. */
static void
reports_send(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a[20];

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const Gr__Report *r = it[i].r;
		const Gr__Location *l = r->location;
		char ver[12], created[24], occurred[24], people[12], amount[24];
		char lat[32], lon[32];
		int has_ll = l != NULL && l->has_lat;

		if (it[i].result != STORE_NEW)
			continue;
		snprintf(ver, sizeof(ver), "%u", r->schema_version);
		snprintf(created, sizeof(created), "%" PRId64, r->created_at);
		snprintf(occurred, sizeof(occurred), "%" PRId64,
		    r->occurred_at);
		snprintf(people, sizeof(people), "%u", r->people);
		snprintf(amount, sizeof(amount), "%" PRId64, r->amount_fen);
		if (has_ll) {
			snprintf(lat, sizeof(lat), "%.7f", l->lat);
			snprintf(lon, sizeof(lon), "%.7f", l->lon);
		}
		pgarr_put(&a[0], r->id);
		pgarr_put(&a[1], ver);
		pgarr_put(&a[2], r->worker_id);
		pgarr_put(&a[3], r->device_id);
		pgarr_put(&a[4], r->grid_code);
		pgarr_put(&a[5], created);
		pgarr_put(&a[6], r->has_occurred_at ? occurred : NULL);
		pgarr_put(&a[7], r->category);
		pgarr_put(&a[8], r->item);
		pgarr_put(&a[9], colour_names[r->colour]);
		pgarr_put(&a[10], people);
		pgarr_put(&a[11], r->has_amount_fen ? amount : NULL);
		pgarr_put(&a[12], r->summary);
		pgarr_put(&a[13], r->description);
		pgarr_put(&a[14], has_ll ? lat : NULL);
		pgarr_put(&a[15], has_ll ? lon : NULL);
		pgarr_put(&a[16], l != NULL ? l->address : NULL);
		pgarr_put(&a[17], r->resolved_on_spot ? "t" : "f");
		pgarr_put(&a[18], channel_names[r->has_channel ? r->channel :
		    GR__CHANNEL__GRID_VISIT]);
		pgarr_put(&a[19], r->link_report_id);
	}
	arr_send(s, "reports", a, 20);
}

/* The "parties" statement for the new reports of a batch; 0 when they
 * have no parties and nothing was sent. */
static int
parties_send(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a[7];
	int any = 0;

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const Gr__Report *r = it[i].r;

		if (it[i].result != STORE_NEW)
			continue;
		for (size_t k = 0; k < r->n_parties; k++) {
			const Gr__Party *p = r->parties[k];
			char idx[24];

			snprintf(idx, sizeof(idx), "%zu", k + 1);
			pgarr_put(&a[0], r->id);
			pgarr_put(&a[1], idx);
			pgarr_put(&a[2], role_names[p->role]);
			pgarr_put(&a[3], p->name);
			pgarr_put(&a[4], p->phone);
			pgarr_put(&a[5], p->id_number);
			pgarr_put(&a[6], p->organisation);
			any = 1;
		}
	}
	if (any)
		arr_send(s, "parties", a, 7);
	else
		for (int i = 0; i < 7; i++)
			pgarr_free(&a[i]);
	return any;
}

/* The "townships" statement (the locks) for the new cases of a batch. */
static PGresult *
townships_send(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a[4];

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const char *rep = it[i].facts.repeat_case_id;
		char people[12];

		if (it[i].result != STORE_NEW)
			continue;
		snprintf(people, sizeof(people), "%u", it[i].r->people);
		pgarr_put(&a[0], it[i].rt.township);
		pgarr_put(&a[1], colour_names[it[i].r->colour]);
		pgarr_put(&a[2], people);
		pgarr_put(&a[3], rep[0] != '\0' ? rep : NULL);
	}
	return arr_send(s, "townships", a, 4);
}

/* The "cases" statement for the new reports of a batch. */
static void
cases_send(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a[12];

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &it[i].rt;
		const struct route_facts *f = &it[i].facts;
		char response[12], resolve[12];

		if (it[i].result != STORE_NEW)
			continue;
		snprintf(response, sizeof(response), "%d", rt->response_days);
		snprintf(resolve, sizeof(resolve), "%d", rt->resolve_days);
		pgarr_put(&a[0], it[i].r->id);
		pgarr_put(&a[1], rt->county);
		pgarr_put(&a[2], rt->township);
		pgarr_put(&a[3], level_names[rt->level == GR__LEVEL__COUNTY]);
		pgarr_put(&a[4], rt->unit);
		pgarr_put(&a[5], colour_names[it[i].r->colour]);
		pgarr_put(&a[6], rt->rule);
		pgarr_put(&a[7], rt->reason);
		pgarr_put(&a[8], rt->response_days > 0 ? response : NULL);
		pgarr_put(&a[9], rt->resolve_days > 0 ? resolve : NULL);
		pgarr_put(&a[10], f->repeat_case_id[0] != '\0' ?
		    f->repeat_case_id : NULL);
		pgarr_put(&a[11], f->repeat_case_no[0] != '\0' ?
		    f->repeat_case_no : NULL);
	}
	arr_send(s, "cases", a, 12);
}

/* The "cases" result, which it clears: a case for each new report, in
 * batch order.  0, or -1 (a missing deadline policy gives fewer rows). */
static int
cases_parse(struct store *s, PGresult *res, struct store_item *it, size_t n,
    size_t nnew)
{
	int row = 0, ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    (size_t)PQntuples(res) == nnew;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && !ok)
		strlcpy_gr(s->sqlstate, "P0002", sizeof(s->sqlstate));
	for (size_t i = 0; ok && i < n; i++) {
		struct store_item *x = &it[i];

		if (x->result != STORE_NEW)
			continue;
		if (strcmp(PQgetvalue(res, row, 0), x->r->id) != 0) {
			ok = 0;
			break;
		}
		strlcpy_gr(x->c.case_no, PQgetvalue(res, row, 1),
		    sizeof(x->c.case_no));
		utf8_copy(x->c.unit_name, PQgetvalue(res, row, 2),
		    sizeof(x->c.unit_name));
		x->c.opened_at = strtoll(PQgetvalue(res, row, 3), NULL, 10);
		x->c.response_due = strtoll(PQgetvalue(res, row, 4), NULL, 10);
		x->c.resolve_due = strtoll(PQgetvalue(res, row, 5), NULL, 10);
		x->c.event_id = strtoll(PQgetvalue(res, row, 6), NULL, 10);
		strlcpy_gr(x->c.unit, x->rt.unit, sizeof(x->c.unit));
		x->c.level = x->rt.level;
		x->c.state = GR__CASE_STATE__ROUTED;
		row++;
	}
	if (!ok)
		log_warn("event=db-error statement=cases reports=%zu error=\"%s\"",
		    nnew, db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

int
store_conflicts(const Gr__Report *a, const Gr__Report *b)
{
	if (strcmp(a->id, b->id) == 0 ||
	    (b->link_report_id != NULL && strcmp(b->link_report_id, a->id) ==
	    0) || (strcmp(a->grid_code, b->grid_code) == 0 &&
	    strcmp(a->category, b->category) == 0))
		return 1;
	for (size_t i = 0; i < a->n_parties; i++) {
		const Gr__Party *p = a->parties[i];

		if (p->role != GR__PARTY_ROLE__PETITIONER)
			continue;
		for (size_t j = 0; j < b->n_parties; j++) {
			const Gr__Party *o = b->parties[j];

			if (o->role != GR__PARTY_ROLE__PETITIONER)
				continue;
			if ((p->phone != NULL && o->phone != NULL &&
			    strcmp(p->phone, o->phone) == 0) ||
			    (p->id_number != NULL && o->id_number != NULL &&
			    strcmp(p->id_number, o->id_number) == 0))
				return 1;
		}
	}
	return 0;
}

/*
 * Batches, in libpq's pipeline mode: the statements of many reports go out
 * together and their results come back together, one round trip for the
 * reads, one for the writes, one commit for all.
 */

/* The next result of the pipeline, the NULL after it consumed.  NULL when
 * the connection failed. */
static PGresult *
pipe_result(struct store *s)
{
	PGresult *res = PQgetResult(s->conn), *end;

	if (res == NULL)
		return NULL;
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		while ((end = PQgetResult(s->conn)) != NULL)
			PQclear(end);
	note_error(s, res);
	return res;
}

/* Read what is left of the pipeline up to its sync point, and leave
 * pipeline mode.  0, or -1 when the connection failed. */
static int
pipe_end(struct store *s)
{
	PGresult *res;
	int ok = 1;

	s->piping = 0;
	while (ok) {
		if ((res = pipe_result(s)) == NULL) {
			ok = 0;
			break;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		PQclear(res);
	}
	if (PQexitPipelineMode(s->conn) != 1) {
		log_warn("event=db-pipeline-exit error=\"%s\"",
		    errline(PQerrorMessage(s->conn)));
		ok = 0;
	}
	return ok ? 0 : -1;
}

static int
pipe_start(struct store *s)
{
	if (PQenterPipelineMode(s->conn) != 1) {
		log_warn("event=db-pipeline-enter error=\"%s\"",
		    errline(PQerrorMessage(s->conn)));
		return -1;
	}
	s->piping = 1;
	s->pipe_broken = 0;
	return 0;
}

/* Send a statement without parameters into the pipeline. */
static void
pipe_command(struct store *s, const char *sql)
{
	if (PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1)
		s->pipe_broken = 1;
}

static enum store_batch_result
batch_failed(struct store *s, const char *stage)
{
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE &&
	    PQstatus(s->conn) == CONNECTION_OK)
		command(s, "ROLLBACK");
	if (transient(s)) {
		log_warn("event=db-batch-retry stage=%s sqlstate=%s", stage,
		    s->sqlstate[0] ? s->sqlstate : "-");
		return BATCH_RETRY;
	}
	log_info("event=db-batch-singly stage=%s sqlstate=%s note=\"one report "
	    "at a time to find the failing one\"", stage, s->sqlstate);
	return BATCH_SINGLY;
}

/*
 * Whether the plans made when report had planned_pages pages (-1: not
 * known) are due to be made again, now that it has pages: once it has
 * doubled since (the plans' estimates are then off by more than half),
 * or shrunk (emptied: the plans were made again on the first statement
 * after, for tables that were next to empty then).  Growth by ten
 * pages or less does not count.
 */
int
store_plans_due(int64_t planned_pages, int64_t pages)
{
	if (pages < 0)
		return 0;
	if (planned_pages < 0)
		return 1;
	return pages < planned_pages || pages > 2 * planned_pages + 10;
}

/* Report's size in pages, as the planner reads it; -1 if unknown. */
static int64_t
report_pages(struct store *s)
{
	PGresult *res = PQexec(s->conn, "SELECT pg_relation_size('report')"
	    " / current_setting('block_size')::bigint");
	int64_t pages = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		pages = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return pages;
}

/*
 * Make the plans again (DISCARD PLANS: the statements', the functions'
 * and the foreign-key checks') every PLANS_REFRESH_MS, and when report has
 * doubled or shrunk since they were made, looked at every
 * PLANS_LOOK_REPORTS reports: a plan made for a near-empty table (a new
 * county's database, or one just emptied) reads whole tables that grow
 * by thousands of rows a minute at full speed.
 */
static void
plans_refresh(struct store *s, size_t n)
{
	int64_t pages = -1;
	int due = mono_ms() - s->planned_ms > PLANS_REFRESH_MS;

	s->unlooked += n;
	if (!due && s->unlooked >= PLANS_LOOK_REPORTS) {
		s->unlooked = 0;
		pages = report_pages(s);
		if (store_plans_due(s->planned_pages, pages)) {
			log_info("event=db-plans-refresh pages=%" PRId64
			    " planned_pages=%" PRId64, pages,
			    s->planned_pages);
			due = 1;
		}
	}
	if (!due)
		return;
	/* a lost connection fails the checks that follow */
	s->planned_ms = mono_ms();
	s->planned_pages = pages >= 0 ? pages : report_pages(s);
	s->unlooked = 0;
	(void)command(s, "DISCARD PLANS");
}

void
store_batch_send(struct store *s, struct store_item *it, size_t n)
{
	s->sqlstate[0] = '\0';
	plans_refresh(s, n);
	for (size_t i = 0; i < n; i++) {
		memset(&it[i].c, 0, sizeof(it[i].c));
		memset(&it[i].facts, 0, sizeof(it[i].facts));
		it[i].e.reason = NULL;
		it[i].e.detail[0] = '\0';
		it[i].result = STORE_RETRY;
	}

	/* Reads, in the transaction that writes: the locks of the batch's
	 * matters first, so that the repeat search runs after the commit of
	 * any other transaction storing a report of one of them. */
	s->reads_sent = 0;
	if (pipe_start(s) < 0)
		return;
	s->reads_sent = 1;
	pipe_command(s, "BEGIN");
	(void)matters_send(s, it, n);
	(void)checks_run(s, it, n);
	if (PQpipelineSync(s->conn) != 1)
		s->pipe_broken = 1;
}

enum store_batch_result
store_batch(struct store *s, struct store_item *it, size_t n,
    const struct ruleset *rules)
{
	store_batch_send(s, it, n);
	return store_batch_finish(s, it, n, rules);
}

enum store_batch_result
store_batch_finish(struct store *s, struct store_item *it, size_t n,
    const struct ruleset *rules)
{
	PGresult *res;
	size_t i, nnew = 0;
	int rc, parties, nmarks, nfresh = 0;

	s->nfresh = 0;
	if (!s->reads_sent)
		return batch_failed(s, "enter");
	s->reads_sent = 0;
	if (s->pipe_broken ||
	    expect(s, pipe_result(s), PGRES_COMMAND_OK, "begin") < 0 ||
	    expect(s, pipe_result(s), PGRES_TUPLES_OK, "matters") < 0 ||
	    (res = pipe_result(s)) == NULL)
		goto broken;
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (size_t)PQntuples(res) != n) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			strlcpy_gr(s->sqlstate, "XX000", sizeof(s->sqlstate));
		log_warn("event=db-error statement=checks reports=%zu error=\"%s\"",
		    n, db_error(s, res));
		PQclear(res);
		goto broken;
	}
	if (pipe_end(s) < 0) {
		PQclear(res);
		return batch_failed(s, "read");
	}
	for (i = 0; i < n; i++) {
		struct store_item *x = &it[i];
		int row = (int)i;

		if (!PQgetisnull(res, row, 1)) {
			rc = dup_row(res, row, 1, x->r, &x->c, &x->e);
			x->result = rc == 1 ? STORE_DUPLICATE : STORE_REJECTED;
			continue;
		}
		if (check_row(res, row, 10, x->r, &x->facts, &x->e) == 1) {
			x->result = STORE_REJECTED;
			continue;
		}
		x->result = STORE_NEW;
		nnew++;
	}
	PQclear(res);
	if (nnew == 0) {
		/* Nothing to write: end the transaction (its locks with it).
		 * The answers, duplicates and rejections, stand as read. */
		(void)command(s, "ROLLBACK");
		return BATCH_DONE;
	}

	/* Writes, in one transaction. */
	for (i = 0; i < n; i++)
		if (it[i].result == STORE_NEW &&
		    route_decide(rules, it[i].r, &it[i].facts, &it[i].rt) == 0)
			log_warn("event=no-route-rule report=%s rule=default",
			    it[i].r->id);
	if (pipe_start(s) < 0)
		return batch_failed(s, "enter");
	reports_send(s, it, n);
	parties = parties_send(s, it, n);
	(void)townships_send(s, it, n);
	cases_send(s, it, n);
	/* the marks of alerts published since: no commit of their own */
	if ((nmarks = s->nmarks) > 0)
		marks_send(s, s->marks, nmarks);
	fresh_send(s, it, n);
	if (PQpipelineSync(s->conn) != 1)
		s->pipe_broken = 1;
	if (s->pipe_broken)
		goto broken;
	if ((res = pipe_result(s)) == NULL)
		goto broken;
	/* An error or fewer rows (an id stored meanwhile by a writer that
	 * took no matter lock): sort it out one at a time. */
	rc = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    (size_t)PQntuples(res) == nnew;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("event=db-error statement=reports reports=%zu "
		    "error=\"%s\"", nnew, db_error(s, res));
	PQclear(res);
	if (!rc)
		goto broken;
	if (parties) {
		if ((res = pipe_result(s)) == NULL)
			goto broken;
		if (party_parse(res) < 0)
			goto broken;
	}
	if (expect(s, pipe_result(s), PGRES_TUPLES_OK, "townships") < 0 ||
	    (res = pipe_result(s)) == NULL)
		goto broken;
	if (cases_parse(s, res, it, n, nnew) < 0)
		goto broken;
	if (nmarks > 0 &&
	    expect(s, pipe_result(s), PGRES_TUPLES_OK,
	    "alerts_done") < 0)
		goto broken;
	if ((res = pipe_result(s)) == NULL ||
	    (nfresh = fresh_parse(s, res)) < 0)
		goto broken;
	if (pipe_end(s) < 0)
		return batch_failed(s, "write");
	res = PQexec(s->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		/* Nothing is stored; a lasting fault is found report by
		 * report rather than retried for ever. */
		log_warn("event=db-commit-failed reports=%zu error=\"%s\"", nnew,
		    db_error(s, res));
		note_error(s, res);
		PQclear(res);
		return batch_failed(s, "commit");
	}
	PQclear(res);
	s->nfresh = nfresh;
	marks_drop(s, nmarks);
	return BATCH_DONE;

broken:
	/* Nothing is stored: the transaction, if any, is rolled back. */
	pipe_end(s);
	if (s->sqlstate[0] == '\0' && PQstatus(s->conn) == CONNECTION_OK)
		strlcpy_gr(s->sqlstate, "XX000", sizeof(s->sqlstate));
	return batch_failed(s, "pipeline");
}

static int
colour_of(const char *name)
{
	for (int i = 1; i < 4; i++)
		if (strcmp(name, colour_names[i]) == 0)
			return i;
	return -1;
}

static Gr__Colour
colour_value(const char *name)
{
	int c = colour_of(name);

	return c < 0 ? GR__COLOUR__COLOUR_UNSPECIFIED : (Gr__Colour)c;
}

/* Read the case view of case_no inside the current transaction. */
static int
read_view(struct store *s, const char *case_no, struct case_view *v)
{
	const char *p[1] = { case_no };
	PGresult *res = run(s, "view", 1, p, NULL, NULL);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

#define COL(i) PQgetvalue(res, 0, (i))
	if (ok) {
		memset(v, 0, sizeof(*v));
		strlcpy_gr(v->case_no, COL(0), sizeof(v->case_no));
		strlcpy_gr(v->report_id, COL(1), sizeof(v->report_id));
		v->state = state_of(COL(2));
		v->level = level_of(COL(3));
		strlcpy_gr(v->unit, COL(4), sizeof(v->unit));
		utf8_copy(v->unit_name, COL(5), sizeof(v->unit_name));
		strlcpy_gr(v->grid_code, COL(6), sizeof(v->grid_code));
		strlcpy_gr(v->worker_id, COL(7), sizeof(v->worker_id));
		strlcpy_gr(v->category, COL(8), sizeof(v->category));
		strlcpy_gr(v->item, COL(9), sizeof(v->item));
		v->colour = colour_value(COL(10));
		v->people = (unsigned)strtoul(COL(11), NULL, 10);
		utf8_copy(v->summary, COL(12), sizeof(v->summary));
		v->opened_at = strtoll(COL(13), NULL, 10);
		v->response_due = strtoll(COL(14), NULL, 10);
		v->resolve_due = strtoll(COL(15), NULL, 10);
		strlcpy_gr(v->route_rule, COL(16), sizeof(v->route_rule));
		utf8_copy(v->route_reason, COL(17), sizeof(v->route_reason));
		v->event_at = strtoll(COL(18), NULL, 10);
		utf8_copy(v->event_actor, COL(19), sizeof(v->event_actor));
		utf8_copy(v->event_note, COL(20), sizeof(v->event_note));
		v->resolved_on_spot = strcmp(COL(21), "t") == 0;
		utf8_copy(v->department, COL(22), sizeof(v->department));
		v->satisfaction = (unsigned)strtoul(COL(23), NULL, 10);
		strlcpy_gr(v->action_id, COL(24), sizeof(v->action_id));
		v->accepted_at = strtoll(COL(25), NULL, 10);
		v->event_id = strtoll(COL(26), NULL, 10);
	} else if (PQresultStatus(res) == PGRES_TUPLES_OK)
		strlcpy_gr(s->sqlstate, "P0002", sizeof(s->sqlstate));
#undef COL
	PQclear(res);
	return ok ? 0 : -1;
}

/* Run statement name, whose rows are not wanted, for action id: 0, or -1
 * with the error logged. */
static int
act_step(struct store *s, const char *name, int n, const char *const *p,
    const char *id)
{
	PGresult *res = run(s, name, n, p, NULL, NULL);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_warn("event=db-error statement=%s action=%s error=\"%s\"",
		    name, id, db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Record the refusal of action a (its SQLSTATE and e's message) in the
 * transaction that refused it, so that the same id sent again gets the same
 * answer (0039_action_refusals.sql).  ACT_REFUSED once committed; a
 * database gone meanwhile: ACT_RETRY, judged again later.
 */
static enum act_result
refused(struct store *s, const Gr__Action *a, const char *state,
    const struct verr *e)
{
	const char *p[5] = { a->id, a->case_no, a->unit, state, e->detail };

	if (command(s, "ROLLBACK TO SAVEPOINT act") == 0 &&
	    act_step(s, "act_refused", 5, p, a->id) == 0 &&
	    command(s, "COMMIT") == 0)
		return ACT_REFUSED;
	command(s, "ROLLBACK");
	/* the database gone: the action is taken again later; any other
	 * failure answers the refusal unrecorded */
	return transient(s) ? ACT_RETRY : ACT_REFUSED;
}

enum act_result
store_action(struct store *s, const Gr__Action *a, struct case_view *v,
    struct verr *e)
{
	static const struct { const char *state, *reason; } refusals[] = {
		{ "GR001", "no_case" }, { "GR002", "wrong_unit" },
		{ "GR003", "illegal_transition" }, { "GR004", "incomplete" },
	};
	char sat[12], ext[12];
	const char *p[9];
	PGresult *res;
	int dup;

	s->sqlstate[0] = '\0';
	snprintf(sat, sizeof(sat), "%u", a->satisfaction);
	snprintf(ext, sizeof(ext), "%u", a->extension_days);
	p[0] = a->id;
	p[1] = a->unit;
	p[2] = a->actor;
	p[3] = a->case_no;
	p[4] = action_names[a->kind];
	p[5] = a->note;
	p[6] = a->department;
	p[7] = a->has_satisfaction ? sat : NULL;
	p[8] = a->has_extension_days ? ext : NULL;
	if (command(s, "BEGIN") < 0)
		return transient(s) ? ACT_RETRY : ACT_FAILED;
	/*
	 * The action's lock, to the commit of its outcome: a refusal rolls
	 * back to the savepoint, which lets go of the case's row lock before
	 * the refusal is recorded, and a copy judged meanwhile would not see
	 * it.  Taken before the savepoint, which would let it go too.
	 */
	if (act_step(s, "act_lock", 1, p, a->id) < 0 ||
	    command(s, "SAVEPOINT act") < 0)
		goto failed;
	res = run(s, "act", 9, p, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]);
		    i++)
			if (strcmp(s->sqlstate, refusals[i].state) == 0) {
				e->reason = refusals[i].reason;
				const char *msg = PQresultErrorField(res,
				    PG_DIAG_MESSAGE_PRIMARY);

				utf8_copy(e->detail, msg ? msg : "refused",
				    sizeof(e->detail));
				PQclear(res);
				return refused(s, a, refusals[i].state, e);
			}
		log_warn("event=db-error statement=act action=%s error=\"%s\"",
		    a->id, db_error(s, res));
		PQclear(res);
		goto failed;
	}
	dup = strcmp(PQgetvalue(res, 0, 0), "duplicate") == 0;
	PQclear(res);
	if (read_view(s, a->case_no, v) < 0)
		goto failed;
	res = PQexec(s->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		note_error(s, res);
		PQclear(res);
		goto failed;
	}
	PQclear(res);
	return dup ? ACT_DUPLICATE : ACT_APPLIED;

failed:
	command(s, "ROLLBACK");
	if (transient(s))
		return ACT_RETRY;
	e->reason = "store_failed";
	snprintf(e->detail, sizeof(e->detail), "the database failed to apply "
	    "the action (SQLSTATE %s)", s->sqlstate);
	return ACT_FAILED;
}

int
store_sweep(struct store *s, long offset_s, struct swept *out, int max)
{
	char off[24], lim[12];
	const char *p[2] = { off, lim };
	PGresult *res;
	int n;

	numbers_ahead(s);
	snprintf(off, sizeof(off), "%ld", offset_s);
	snprintf(lim, sizeof(lim), "%d", max);
	res = run(s, "sweep", 2, p, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("event=sweep-failed error=\"%s\"",
		    db_error(s, res));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && i < max; i++) {
		strlcpy_gr(out[i].case_no, PQgetvalue(res, i, 0),
		    sizeof(out[i].case_no));
		out[i].level = atoi(PQgetvalue(res, i, 1));
		strlcpy_gr(out[i].old_unit, PQgetvalue(res, i, 2),
		    sizeof(out[i].old_unit));
	}
	PQclear(res);
	return n;
}

int
store_case_view(struct store *s, const char *case_no, struct case_view *v)
{
	return read_view(s, case_no, v);
}

int
store_load_rules(struct store *s, struct ruleset *rs)
{
	PGresult *res = run(s, "rules", 0, NULL, NULL, NULL);
	struct ruleset fresh = { NULL, 0 };

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_error("event=rules-load-failed error=\"%s\"",
		    db_error(s, res));
		PQclear(res);
		return -1;
	}
	fresh.n = (size_t)PQntuples(res);
	fresh.rules = xcalloc(fresh.n, sizeof(*fresh.rules));
	for (size_t i = 0; i < fresh.n; i++) {
		struct route_rule *u = &fresh.rules[i];
		int row = (int)i;

		strlcpy_gr(u->name, PQgetvalue(res, row, 0), sizeof(u->name));
		u->colour = colour_of(PQgetvalue(res, row, 1));
		u->min_people = strtol(PQgetvalue(res, row, 2), NULL, 10);
		u->min_amount_fen = strtoll(PQgetvalue(res, row, 3), NULL, 10);
		strlcpy_gr(u->category, PQgetvalue(res, row, 4),
		    sizeof(u->category));
		u->county_level = atoi(PQgetvalue(res, row, 5));
		u->repeat_open = atoi(PQgetvalue(res, row, 6));
		u->level = level_of(PQgetvalue(res, row, 7));
		u->response_days = atoi(PQgetvalue(res, row, 8));
		u->resolve_days = atoi(PQgetvalue(res, row, 9));
		utf8_copy(u->reason, PQgetvalue(res, row, 10),
		    sizeof(u->reason));
	}
	PQclear(res);
	ruleset_free(rs);
	*rs = fresh;
	return 0;
}

int
store_notices(struct store *s)
{
	PGnotify *n;
	int what = 0;

	if (PQconsumeInput(s->conn) == 0)
		return 0;
	while ((n = PQnotifies(s->conn)) != NULL) {
		if (strcmp(n->relname, "gr_route_rules") == 0)
			what |= STORE_NOTICE_RULES;
		PQfreemem(n);
	}
	return what;
}

static Gr__AlertKind
alert_kind_of(const char *s)
{
	if (strcmp(s, "repeat") == 0)
		return GR__ALERT_KIND__REPEAT;
	if (strcmp(s, "group") == 0)
		return GR__ALERT_KIND__GROUP;
	if (strcmp(s, "double_check") == 0)
		return GR__ALERT_KIND__DOUBLE_CHECK;
	return GR__ALERT_KIND__ALERT_UNSPECIFIED;
}

/* Row i of an ALERT_COLS result into a. */
static void
alert_fill(const PGresult *res, int i, struct alert_row *a)
{
	a->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
	a->kind = alert_kind_of(PQgetvalue(res, i, 1));
	strlcpy_gr(a->case_no, PQgetvalue(res, i, 2), sizeof(a->case_no));
	strlcpy_gr(a->county, PQgetvalue(res, i, 3), sizeof(a->county));
	strlcpy_gr(a->township, PQgetvalue(res, i, 4), sizeof(a->township));
	utf8_copy(a->township_name, PQgetvalue(res, i, 5),
	    sizeof(a->township_name));
	strlcpy_gr(a->related, PQgetvalue(res, i, 6), sizeof(a->related));
	utf8_copy(a->note, PQgetvalue(res, i, 7), sizeof(a->note));
	a->raised_at = strtoll(PQgetvalue(res, i, 8), NULL, 10);
}

/* Run (or send) "alerts_done" marking the n alerts ids published. */
static PGresult *
marks_send(struct store *s, const uint64_t *ids, int n)
{
	struct pgarr a = { NULL, 0, 0 };
	char v[24];

	for (int i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%" PRIu64, ids[i]);
		pgarr_put(&a, v);
	}
	return arr_send(s, "alerts_done", &a, 1);
}

/* The first n marks are committed: forget them. */
static void
marks_drop(struct store *s, int n)
{
	memmove(s->marks, s->marks + n, (size_t)(s->nmarks - n) *
	    sizeof(*s->marks));
	s->nmarks -= n;
}

/* Run (or send) "alerts_of": the alerts the new reports of it raised. */
static PGresult *
fresh_send(struct store *s, const struct store_item *it, size_t n)
{
	struct pgarr a = { NULL, 0, 0 };

	for (size_t i = 0; i < n; i++)
		if (it[i].result == STORE_NEW)
			pgarr_put(&a, it[i].r->id);
	return arr_send(s, "alerts_of", &a, 1);
}

/* Keep the rows of an "alerts_of" result in s->fresh; their number, or -1
 * when the statement failed.  Clears res. */
static int
fresh_parse(struct store *s, PGresult *res)
{
	int n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("event=db-error statement=alerts_of error=\"%s\"",
		    db_error(s, res));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	if (n > s->fresh_cap) {
		s->fresh = xrealloc(s->fresh, (size_t)n * sizeof(*s->fresh));
		s->fresh_cap = n;
	}
	for (int i = 0; i < n; i++)
		alert_fill(res, i, &s->fresh[i]);
	PQclear(res);
	return n;
}

const struct alert_row *
store_new_alerts(struct store *s, int *n)
{
	*n = s->nfresh;
	return s->fresh;
}

int
store_alerts_published(struct store *s, const uint64_t *ids, int n)
{
	int k = 0;

	while (k < n && s->nmarks < STORE_MARKS_MAX)
		s->marks[s->nmarks++] = ids[k++];
	return k;
}

int
store_alerts_flush(struct store *s)
{
	PGresult *res;

	if (s->nmarks == 0)
		return 0;
	if (!store_ok(s) || command(s, "BEGIN") < 0)
		return -1;
	res = marks_send(s, s->marks, s->nmarks);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("event=db-error statement=alerts_done error=\"%s\"",
		    db_error(s, res));
		PQclear(res);
		command(s, "ROLLBACK");
		return -1;
	}
	PQclear(res);
	/*
	 * No flush of the WAL to wait for: a mark lost in a crash only
	 * publishes the alert again (same id, and consoles keep it once).
	 */
	if (command(s, "SET LOCAL synchronous_commit = off") < 0 ||
	    command(s, "COMMIT") < 0) {
		command(s, "ROLLBACK");
		return -1;
	}
	marks_drop(s, s->nmarks);
	return 0;
}

int
store_alerts_take(struct store *s, struct alert_row *out, int max,
    int settled_s)
{
	char lim[12], settled[12];
	const char *p[2] = { lim, settled };
	PGresult *res;
	int n;

	if (command(s, "BEGIN") < 0)
		return -1;
	snprintf(lim, sizeof(lim), "%d", max);
	snprintf(settled, sizeof(settled), "%d", settled_s);
	res = run(s, "alerts", 2, p, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("event=alerts-failed error=\"%s\"",
		    db_error(s, res));
		PQclear(res);
		command(s, "ROLLBACK");
		return -1;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && i < max; i++)
		alert_fill(res, i, &out[i]);
	PQclear(res);
	return n < max ? n : max;
}

int
store_alerts_done(struct store *s, const struct alert_row *a, int n,
    int published)
{
	uint64_t ids[ALERT_BATCH];
	PGresult *res;

	if (!published || n == 0)
		return command(s, published ? "COMMIT" : "ROLLBACK");
	for (int i = 0; i < n && i < ALERT_BATCH; i++)
		ids[i] = a[i].id;
	res = marks_send(s, ids, n < ALERT_BATCH ? n : ALERT_BATCH);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		command(s, "ROLLBACK");
		return -1;
	}
	PQclear(res);
	if (command(s, "SET LOCAL synchronous_commit = off") < 0) {
		command(s, "ROLLBACK");
		return -1;
	}
	return command(s, "COMMIT");
}

int
store_dead_letter(struct store *s, const char *topic, const char *reason,
    const char *detail, const char *report_id, const char *worker_id,
    const uint8_t *payload, size_t len)
{
	const char *v[6] = { topic, reason, detail, report_id, worker_id,
	    (const char *)payload };
	int lens[6] = { 0, 0, 0, 0, 0, (int)len };
	int fmts[6] = { 0, 0, 0, 0, 0, 1 };
	PGresult *res = run(s, "dead", 6, v, lens, fmts);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok && !transient(s))
		log_error("event=dead-letter-failed reason=%s error=\"%s\"",
		    reason, db_error(s, res));
	PQclear(res);
	return ok ? 0 : -1;
}

int
store_unit_cases(struct store *s, const char *unit, char (*out)[32], int max)
{
	char lim[12];
	const char *p[2] = { unit, lim };
	PGresult *res;
	int n;

	snprintf(lim, sizeof(lim), "%d", max);
	res = run(s, "unit_cases", 2, p, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warn("event=unit-cases-failed unit=%s error=\"%s\"", unit,
		    db_error(s, res));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && i < max; i++)
		strlcpy_gr(out[i], PQgetvalue(res, i, 0), sizeof(out[i]));
	PQclear(res);
	return n;
}
