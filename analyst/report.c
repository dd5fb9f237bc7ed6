/* report.c -- the analyst report: CSV exports and an HTML page with
 * charts, for one county and a span of months, from the analyst views of
 * schema/0009_analyst_views.sql. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "csv.h"
#include "report.h"
#include "util.h"

/* Every query takes $1 county, $2 first month, $3 last month (dates). */

#define COUNTY_LEVEL(view, a) \
	" LEFT JOIN " view " " a " ON " a ".county_code = $1 AND " a ".township_code IS NULL" \
	" AND " a ".category IS NULL AND " a ".month = m.month"

static const char q_monthly[] =
	"SELECT to_char(m.month, 'YYYY-MM') AS month,"
	" coalesce(c.reports, 0) AS reports,"
	" coalesce(c.reports_prev_year, 0) AS reports_prev_year,"
	" c.reports_yoy_pct, coalesce(c.cases, 0) AS cases,"
	" coalesce(r.due_cases, 0) AS due_cases,"
	" coalesce(r.due_resolved, 0) AS due_resolved,"
	" r.resolution_rate_pct, r.on_time_rate_pct,"
	" coalesce(s.follow_ups, 0) AS follow_ups,"
	" coalesce(s.satisfied, 0) AS satisfied, s.satisfaction_rate_pct,"
	" s.avg_score, coalesce(f.resolved, 0) AS resolved,"
	" coalesce(f.first_contact, 0) AS first_contact,"
	" f.first_contact_rate_pct, h.avg_days, h.p90_days,"
	" coalesce(l.on_spot_reports, 0) AS on_spot_reports,"
	" coalesce(l.local_cases, 0) AS local_cases, l.local_rate_pct,"
	" coalesce(g.repeat_cases, 0) AS repeat_cases,"
	" coalesce(g.group_cases, 0) AS group_cases,"
	" coalesce(g.group_people, 0) AS group_people"
	" FROM (SELECT d::date AS month FROM generate_series($2::date, $3::date,"
	"  interval '1 month') AS d) AS m"
	COUNTY_LEVEL("analyst_monthly_counts", "c")
	COUNTY_LEVEL("analyst_resolution_rate", "r")
	COUNTY_LEVEL("analyst_satisfaction", "s")
	COUNTY_LEVEL("analyst_first_contact", "f")
	COUNTY_LEVEL("analyst_handling_time", "h")
	COUNTY_LEVEL("analyst_local_resolution", "l")
	COUNTY_LEVEL("analyst_repeat_group_monthly", "g")
	" ORDER BY m.month";

/* The figures of the whole span, per KEY (county_code, township_code or
 * category) over the rows FILTER selects. */
#define ROLLUP_PART(cols, view, key, filter) \
	"SELECT " key " AS k, " cols " FROM " view \
	" WHERE county_code = $1 AND month BETWEEN $2::date AND $3::date AND " \
	filter " GROUP BY 1"
#define ROLLUP(key, filter, always, order) \
	"WITH c AS (" ROLLUP_PART("sum(reports) AS reports," \
	"  sum(reports_prev_year) AS reports_prev_year, sum(cases) AS cases", \
	"analyst_monthly_counts", key, filter) "),"				\
	" r AS (" ROLLUP_PART("sum(due_cases) AS due_cases,"			\
	"  sum(due_resolved) AS due_resolved, sum(due_on_time) AS due_on_time", \
	"analyst_resolution_rate", key, filter) "),"				\
	" s AS (" ROLLUP_PART("sum(follow_ups) AS follow_ups,"			\
	"  sum(satisfied) AS satisfied", "analyst_satisfaction", key, filter) "),"	\
	" h AS (" ROLLUP_PART("sum(resolved) AS resolved,"			\
	"  sum(handling_days_sum) AS days", "analyst_handling_time", key, filter) "),"	\
	" f AS (" ROLLUP_PART("sum(first_contact) AS first_contact",		\
	"analyst_first_contact", key, filter) "),"				\
	" l AS (" ROLLUP_PART("sum(on_spot_reports) AS on_spot_reports,"	\
	"  sum(local_cases) AS local_cases, sum(cases) AS cases",		\
	"analyst_local_resolution", key, filter) "),"				\
	" g AS (" ROLLUP_PART("sum(repeat_cases) AS repeat_cases,"		\
	"  sum(group_cases) AS group_cases, sum(group_people) AS group_people", \
	"analyst_repeat_group_monthly", key, filter) "),"			\
	" keys AS (SELECT k FROM c UNION SELECT k FROM r UNION SELECT k FROM s"	\
	"  UNION SELECT k FROM h UNION SELECT k FROM l UNION " always ")"	\
	" SELECT keys.k AS code, coalesce(d.name_zh, cat.name_zh) AS name,"	\
	" coalesce(c.reports, 0) AS reports,"					\
	" coalesce(c.reports_prev_year, 0) AS reports_prev_year,"		\
	" round(100.0 * (c.reports - c.reports_prev_year)"			\
	"  / nullif(c.reports_prev_year, 0), 1) AS reports_yoy_pct,"		\
	" coalesce(c.cases, 0) AS cases,"					\
	" coalesce(r.due_cases, 0) AS due_cases,"				\
	" coalesce(r.due_resolved, 0) AS due_resolved,"				\
	" round(100.0 * r.due_resolved / nullif(r.due_cases, 0), 1) AS resolution_rate_pct," \
	" round(100.0 * r.due_on_time / nullif(r.due_cases, 0), 1) AS on_time_rate_pct," \
	" coalesce(s.follow_ups, 0) AS follow_ups,"				\
	" coalesce(s.satisfied, 0) AS satisfied,"				\
	" round(100.0 * s.satisfied / nullif(s.follow_ups, 0), 1) AS satisfaction_rate_pct," \
	" coalesce(h.resolved, 0) AS resolved,"					\
	" coalesce(f.first_contact, 0) AS first_contact,"			\
	" round(100.0 * f.first_contact / nullif(h.resolved, 0), 1) AS first_contact_rate_pct," \
	" round(h.days / nullif(h.resolved, 0), 1) AS avg_days,"		\
	" coalesce(l.on_spot_reports, 0) AS on_spot_reports,"			\
	" coalesce(l.local_cases, 0) AS local_cases,"				\
	" round(100.0 * l.local_cases / nullif(l.cases, 0), 1) AS local_rate_pct," \
	" coalesce(g.repeat_cases, 0) AS repeat_cases,"				\
	" coalesce(g.group_cases, 0) AS group_cases,"				\
	" coalesce(g.group_people, 0) AS group_people"				\
	" FROM keys LEFT JOIN c USING (k) LEFT JOIN r USING (k)"		\
	" LEFT JOIN s USING (k) LEFT JOIN h USING (k) LEFT JOIN f USING (k)"	\
	" LEFT JOIN l USING (k) LEFT JOIN g USING (k)"				\
	" LEFT JOIN division d ON d.code = keys.k"				\
	" LEFT JOIN category cat ON cat.code = keys.k"				\
	" ORDER BY " order

/* The county has its row, and each of its townships, also for a span
 * without a report (zeros, rates empty); categories only with figures. */
static const char q_county[] = ROLLUP("county_code",
	"township_code IS NULL AND category IS NULL", "SELECT $1::text", "1");
static const char q_township[] = ROLLUP("township_code",
	"township_code IS NOT NULL AND category IS NULL",
	"SELECT code FROM division WHERE parent_code = $1 AND level = 'township'",
	"1");
static const char q_category[] = ROLLUP("category",
	"township_code IS NULL AND category IS NOT NULL",
	"SELECT NULL::text WHERE false", "reports DESC, 1");

/* Live: as of now, whatever the span ($2 and $3 unused but typed); the
 * county's row of zeros when no case is open. */
static const char q_open[] =
	"WITH o AS (SELECT township_code, township_name, open_cases,"
	" overdue_cases, supervised_cases, escalated_cases, county_level_cases"
	" FROM analyst_open_cases"
	" WHERE county_code = $1 AND category IS NULL"
	" AND $2::date IS NOT NULL AND $3::date IS NOT NULL)"
	" SELECT coalesce(township_code, '') AS township_code,"
	" coalesce(township_name, '全县') AS township_name, open_cases,"
	" overdue_cases, supervised_cases, escalated_cases, county_level_cases"
	" FROM (SELECT * FROM o UNION ALL SELECT NULL, NULL, 0, 0, 0, 0, 0"
	"  WHERE NOT EXISTS (SELECT 1 FROM o)) x"
	" ORDER BY x.township_code NULLS FIRST";

#define SPAN(col) \
	" " col " >= $2::timestamp AT TIME ZONE 'Asia/Shanghai' AND " col \
	" < ($3::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'"
#define CST(col, as) \
	" to_char(" col " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS " as

static const char q_repeats[] =
	"SELECT case_no," CST("opened_at", "opened_at") ", township_code,"
	" township_name, category, category_name, state, level, repeats_case_no,"
	CST("repeats_opened_at", "repeats_opened_at") ", days_since,"
	" petitioner_phone, petitioner_id_number"
	" FROM analyst_repeat_petitions WHERE county_code = $1 AND" SPAN("opened_at")
	" ORDER BY analyst_repeat_petitions.opened_at, case_no";

static const char q_groups[] =
	"SELECT case_no," CST("received_at", "received_at") ", township_code,"
	" township_name, category, category_name, colour, people, amount_fen,"
	" state, level, summary, petitioner_phone, petitioner_id_number"
	" FROM analyst_group_incidents WHERE county_code = $1 AND" SPAN("received_at")
	" ORDER BY analyst_group_incidents.received_at, case_no";

/* A column of an HTML table: the result's field and its heading. */
struct col {
	const char	*field;
	const char	*label;
};

static const struct col rollup_cols[] = {
	{ "name", "名称" }, { "reports", "报告数" },
	{ "reports_prev_year", "上年同期" }, { "reports_yoy_pct", "同比 %" },
	{ "resolution_rate_pct", "化解率 %" },
	{ "satisfaction_rate_pct", "满意率 %" },
	{ "first_contact_rate_pct", "一次性办结率 %" },
	{ "avg_days", "平均办理天数" }, { "local_rate_pct", "就地化解率 %" },
	{ "repeat_cases", "重访" }, { "group_cases", "群体性" },
};

static const struct col monthly_cols[] = {
	{ "month", "月份" }, { "reports", "报告数" },
	{ "reports_prev_year", "上年同期" }, { "reports_yoy_pct", "同比 %" },
	{ "due_cases", "到期案件" }, { "resolution_rate_pct", "化解率 %" },
	{ "on_time_rate_pct", "按期化解率 %" },
	{ "satisfaction_rate_pct", "满意率 %" },
	{ "first_contact_rate_pct", "一次性办结率 %" },
	{ "avg_days", "平均天数" }, { "p90_days", "P90 天数" },
	{ "local_rate_pct", "就地化解率 %" }, { "repeat_cases", "重访" },
	{ "group_cases", "群体性" },
};

static const struct col open_cols[] = {
	{ "township_name", "乡镇(街道)" }, { "open_cases", "在办" },
	{ "overdue_cases", "逾期" }, { "supervised_cases", "督办" },
	{ "escalated_cases", "上报县级" }, { "county_level_cases", "县级办理" },
};

static const struct col repeat_cols[] = {
	{ "case_no", "案件编号" }, { "opened_at", "受理时间" },
	{ "township_name", "乡镇(街道)" }, { "category_name", "类别" },
	{ "state", "状态" }, { "repeats_case_no", "原案件" },
	{ "days_since", "间隔天数" }, { "petitioner_phone", "反映人电话" },
	{ "petitioner_id_number", "身份证号" },
};

static const struct col group_cols[] = {
	{ "case_no", "案件编号" }, { "received_at", "上报时间" },
	{ "township_name", "乡镇(街道)" }, { "category_name", "类别" },
	{ "colour", "风险" }, { "people", "人数" }, { "state", "状态" },
	{ "summary", "摘要" }, { "petitioner_phone", "反映人电话" },
};

#define NCOLS(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define LIST_MAX	100	/* rows of a case list in the page */

struct ctx {
	PGconn			*db;
	const struct report_opts *o;
	const char		*params[3];
};

static PGresult	*run(struct ctx *, const char *, const char *);
static const char *cell(const PGresult *, int, const char *);
static FILE	*out_open(const struct ctx *, const char *, char **);
static int	 out_close(FILE *, char *, const char *);
static int	 write_csv(const struct ctx *, const char *, const PGresult *);
static void	 html_text(FILE *, const char *);
static void	 html_table(FILE *, const PGresult *, const struct col *, int,
		    int);
static int	 html_chart(FILE *, const struct ctx *, const char *,
		    const char *, enum chart_kind, const PGresult *,
		    const char *const *, const char *const *, int, int,
		    const char *);
static void	 html_tile(FILE *, const char *, const char *, const char *);

/* Run one query in the snapshot; NULL after a message. */
static PGresult *
run(struct ctx *x, const char *what, const char *sql)
{
	PGresult *res;

	res = PQexecParams(x->db, sql, 3, NULL, x->params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "gr-analyst: query %s failed: %s", what,
		    PQerrorMessage(x->db));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The value of a field of row r, or NULL (SQL NULL, or no such field). */
static const char *
cell(const PGresult *res, int r, const char *field)
{
	int f = PQfnumber(res, field);

	if (f < 0 || r >= PQntuples(res) || PQgetisnull(res, r, f))
		return NULL;
	return PQgetvalue(res, r, f);
}

/* Open NAME.tmp in the output folder; out_close() renames it to NAME. */
static FILE *
out_open(const struct ctx *x, const char *name, char **tmp)
{
	size_t n = strlen(x->o->outdir) + strlen(name) + 8;
	FILE *fp;

	*tmp = xmalloc(n);
	snprintf(*tmp, n, "%s/%s.tmp", x->o->outdir, name);
	if ((fp = fopen(*tmp, "w")) == NULL) {
		fprintf(stderr, "gr-analyst: cannot write %s: %s\n", *tmp,
		    strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return fp;
}

static int
out_close(FILE *fp, char *tmp, const char *name)
{
	size_t n = strlen(tmp);
	char *final = xstrdup(tmp);
	int rc = 0;

	final[n - 4] = '\0';	/* drop ".tmp" */
	if (ferror(fp) || fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		fprintf(stderr, "gr-analyst: cannot write %s: %s\n", name,
		    strerror(errno));
		rc = -1;
	}
	if (fclose(fp) == EOF && rc == 0) {
		fprintf(stderr, "gr-analyst: cannot write %s: %s\n", name,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, final) == -1) {
		fprintf(stderr, "gr-analyst: cannot rename %s: %s\n", tmp,
		    strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(tmp);
	free(final);
	free(tmp);
	return rc;
}

/* The whole result, a header of its field names first. */
static int
write_csv(const struct ctx *x, const char *name, const PGresult *res)
{
	int nf = PQnfields(res), nr = PQntuples(res), rc = 0;
	const char **row = xcalloc((size_t)nf, sizeof(*row));
	char *tmp;
	FILE *fp;

	if ((fp = out_open(x, name, &tmp)) == NULL) {
		free(row);
		return -1;
	}
	if (x->o->bom)
		fputs("\xef\xbb\xbf", fp);
	for (int f = 0; f < nf; f++)
		row[f] = PQfname(res, f);
	rc = csv_record(fp, row, nf);
	for (int r = 0; r < nr && rc == 0; r++) {
		for (int f = 0; f < nf; f++)
			row[f] = PQgetisnull(res, r, f) ? NULL : PQgetvalue(res, r, f);
		rc = csv_record(fp, row, nf);
	}
	free(row);
	if (out_close(fp, tmp, name) == -1)
		rc = -1;
	return rc;
}

static void
html_text(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*s, fp);
		}
	}
}

/* At most max rows of the result, the given columns; — for NULL. */
static void
html_table(FILE *fp, const PGresult *res, const struct col *cols, int ncols,
    int max)
{
	int nr = PQntuples(res);

	fputs("<table>\n<thead><tr>", fp);
	for (int k = 0; k < ncols; k++) {
		fputs("<th>", fp);
		html_text(fp, cols[k].label);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (int r = 0; r < nr && r < max; r++) {
		fputs("<tr>", fp);
		for (int k = 0; k < ncols; k++) {
			const char *v = cell(res, r, cols[k].field);

			fputs(k == 0 ? "<td>" : "<td class=\"n\">", fp);
			if (v == NULL)
				fputs("—", fp);
			else
				html_text(fp, v);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
	if (nr > max)
		fprintf(fp, "<p class=\"note\">前 %d 条, 共 %d 条 (first %d of %d; all in the CSV file).</p>\n",
		    max, nr, max, nr);
}

/* A figure with a chart of the result's label field and series fields. */
static int
html_chart(FILE *fp, const struct ctx *x, const char *id, const char *caption,
    enum chart_kind kind, const PGresult *res, const char *const *fields,
    const char *const *titles, int nseries, int percent, const char *ylabel)
{
	int nr = PQntuples(res), cols = 1 + nseries, any = 0;
	const char **cells = xcalloc((size_t)(nr * cols + 1), sizeof(*cells));
	struct chart c = { kind, ylabel, 760, 340, percent, nseries, titles, nr,
	    NULL };
	char *svg = NULL;

	for (int r = 0; r < nr; r++)
		for (int k = 0; k < cols; k++) {
			cells[r * cols + k] = cell(res, r, fields[k]);
			if (k > 0 && cells[r * cols + k] != NULL)
				any = 1;
		}
	c.cells = cells;
	fprintf(fp, "<figure id=\"%s\">\n", id);
	if (any && (svg = chart_svg(&c, x->o->tmpdir, NULL)) == NULL) {
		free(cells);
		return -1;
	}
	if (svg != NULL)
		fputs(svg, fp);
	else
		fputs("<p class=\"note\">本期无数据 (no data in the period).</p>\n", fp);
	fputs("<figcaption>", fp);
	html_text(fp, caption);
	fputs("</figcaption>\n</figure>\n", fp);
	free(svg);
	free(cells);
	return 0;
}

static void
html_tile(FILE *fp, const char *label, const char *value, const char *unit)
{
	fputs("<div class=\"tile\"><div class=\"v\">", fp);
	html_text(fp, value != NULL ? value : "—");
	if (value != NULL && unit != NULL)
		html_text(fp, unit);
	fputs("</div><div class=\"l\">", fp);
	html_text(fp, label);
	fputs("</div></div>\n", fp);
}

static const char html_style[] =
	"body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
	".meta{color:#666}.tiles{display:flex;flex-wrap:wrap;gap:.8em}"
	".tile{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}"
	".tile .v{font-size:1.5em;font-weight:bold}.tile .l{color:#555;font-size:.9em}"
	"figure{margin:1em 0}figure svg{max-width:100%;height:auto}"
	"figcaption{color:#444;font-size:.95em}"
	"table{border-collapse:collapse;font-size:.9em;margin:.5em 0}"
	"th,td{border:1px solid #ddd;padding:.25em .5em}th{background:#f3f3f3}"
	"td.n{text-align:right}.note{color:#666;font-size:.9em}";

int
report_write(PGconn *db, const struct report_opts *o)
{
	struct ctx x = { db, o, { o->county, o->from, o->to } };
	PGresult *county = NULL, *fresh = NULL, *monthly = NULL, *total = NULL,
	    *twp = NULL, *cat = NULL, *open = NULL, *repeats = NULL,
	    *groups = NULL, *res;
	const char *name;
	char *tmp = NULL;
	FILE *fp = NULL;
	int rc = -1;

	res = PQexec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "gr-analyst: cannot begin: %s", PQerrorMessage(db));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if ((county = run(&x, "county", "SELECT name_zh FROM division"
	    " WHERE code = $1 AND level = 'county' AND $2::date <= $3::date")) == NULL)
		goto done;
	if (PQntuples(county) != 1) {
		fprintf(stderr, "gr-analyst: county %s is not in the database\n",
		    o->county);
		rc = 1;
		goto done;
	}
	name = PQgetvalue(county, 0, 0);
	if ((fresh = run(&x, "refreshed", "SELECT to_char(refreshed_at AT TIME"
	    " ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') FROM analyst_refreshed"
	    " WHERE $1::text IS NOT NULL AND $2::date <= $3::date")) == NULL ||
	    (monthly = run(&x, "monthly", q_monthly)) == NULL ||
	    (total = run(&x, "county", q_county)) == NULL ||
	    (twp = run(&x, "townships", q_township)) == NULL ||
	    (cat = run(&x, "categories", q_category)) == NULL ||
	    (open = run(&x, "open cases", q_open)) == NULL ||
	    (repeats = run(&x, "repeat petitions", q_repeats)) == NULL ||
	    (groups = run(&x, "group incidents", q_groups)) == NULL)
		goto done;
	if (cell(fresh, 0, "to_char") == NULL)
		fprintf(stderr, "gr-analyst: warning: the monthly figures were never computed;"
		    " the database owner runs SELECT gr_analyst_refresh()\n");

	if (write_csv(&x, "monthly.csv", monthly) == -1 ||
	    write_csv(&x, "summary.csv", total) == -1 ||
	    write_csv(&x, "by_township.csv", twp) == -1 ||
	    write_csv(&x, "by_category.csv", cat) == -1 ||
	    write_csv(&x, "open_cases.csv", open) == -1 ||
	    write_csv(&x, "repeat_petitions.csv", repeats) == -1 ||
	    write_csv(&x, "group_incidents.csv", groups) == -1)
		goto done;

	if ((fp = out_open(&x, "report.html", &tmp)) == NULL)
		goto done;
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", fp);
	html_text(fp, name);
	fprintf(fp, " 矛盾纠纷分析 %.7s – %.7s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>",
	    o->from, o->to, html_style);
	html_text(fp, name);
	fprintf(fp, " (%s) 矛盾纠纷化解情况</h1>\n<p class=\"meta\">统计期 %.7s 至 %.7s"
	    " (period, China Standard Time) · 数据截至 (figures as of) ", o->county,
	    o->from, o->to);
	html_text(fp, cell(fresh, 0, "to_char") != NULL ? cell(fresh, 0, "to_char") :
	    "— (never computed)");
	fputs(" · 在办案件为当前数 (open cases: now)</p>\n<div class=\"tiles\">\n", fp);
	html_tile(fp, "报告数 reports", cell(total, 0, "reports"), NULL);
	html_tile(fp, "同比 vs a year earlier", cell(total, 0, "reports_yoy_pct"), " %");
	html_tile(fp, "化解率 resolution", cell(total, 0, "resolution_rate_pct"), " %");
	html_tile(fp, "满意率 satisfaction", cell(total, 0, "satisfaction_rate_pct"), " %");
	html_tile(fp, "一次性办结 first time", cell(total, 0, "first_contact_rate_pct"), " %");
	html_tile(fp, "就地化解 local", cell(total, 0, "local_rate_pct"), " %");
	html_tile(fp, "平均办理 avg days", cell(total, 0, "avg_days"), " 天");
	html_tile(fp, "在办 open now", cell(open, 0, "open_cases"), NULL);
	html_tile(fp, "逾期 overdue now", cell(open, 0, "overdue_cases"), NULL);
	html_tile(fp, "重访 repeats", cell(total, 0, "repeat_cases"), NULL);
	html_tile(fp, "群体性 group incidents", cell(total, 0, "group_cases"), NULL);
	fputs("</div>\n<h2>趋势 Trend by month</h2>\n", fp);
	{
		static const char *const f1[] = { "month", "reports", "reports_prev_year" };
		static const char *const t1[] = { "本期 reports", "上年同期 a year earlier" };
		static const char *const f2[] = { "month", "resolution_rate_pct",
		    "satisfaction_rate_pct", "first_contact_rate_pct", "local_rate_pct" };
		static const char *const t2[] = { "化解率 resolution", "满意率 satisfaction",
		    "一次性办结 first time", "就地化解 local" };
		static const char *const f3[] = { "month", "avg_days", "p90_days" };
		static const char *const t3[] = { "平均 average", "P90" };
		static const char *const f4[] = { "name", "reports" };
		static const char *const t4[] = { "报告数 reports" };

		if (html_chart(fp, &x, "chart-trend", "每月报告数与上年同期 (同比) — reports by month and a year earlier",
		    CHART_LINES, monthly, f1, t1, 2, 0, "件 reports") == -1)
			goto done;
		/* the month of the figures is not over: its 同比 reads low */
		if (cell(fresh, 0, "to_char") != NULL &&
		    strncmp(o->from, cell(fresh, 0, "to_char"), 7) <= 0 &&
		    strncmp(o->to, cell(fresh, 0, "to_char"), 7) >= 0)
			fprintf(fp, "<p class=\"meta\">%.7s 的数字截至统计时,"
			    " 与上年同月全月相比 (%.7s counts its reports up to the"
			    " figures' time, against the whole month a year"
			    " earlier)</p>\n", cell(fresh, 0, "to_char"),
			    cell(fresh, 0, "to_char"));
		fputs("<h2>比率 Rates by month</h2>\n", fp);
		if (html_chart(fp, &x, "chart-rates", "化解率、满意率、一次性办结率、就地化解率 (%) — resolution, satisfaction, first-time and local resolution rates",
		    CHART_LINES, monthly, f2, t2, 4, 1, "%") == -1 ||
		    html_chart(fp, &x, "chart-days", "办理天数: 平均与 P90 — handling days, average and 90th percentile",
		    CHART_LINES, monthly, f3, t3, 2, 0, "天 days") == -1)
			goto done;
		fputs("<h2>类别 By category</h2>\n", fp);
		if (html_chart(fp, &x, "chart-category", "各类别报告数 — reports by category",
		    CHART_BARS, cat, f4, t4, 1, 0, "件 reports") == -1)
			goto done;
		html_table(fp, cat, rollup_cols, NCOLS(rollup_cols), 1000);
		fputs("<h2>乡镇 By township</h2>\n", fp);
		if (html_chart(fp, &x, "chart-township", "各乡镇(街道)报告数 — reports by township",
		    CHART_BARS, twp, f4, t4, 1, 0, "件 reports") == -1)
			goto done;
	}
	html_table(fp, twp, rollup_cols, NCOLS(rollup_cols), 1000);
	fputs("<h2>月度明细 Months</h2>\n", fp);
	html_table(fp, monthly, monthly_cols, NCOLS(monthly_cols), 1000);
	fputs("<h2>在办、逾期与上报 Open, overdue and escalated cases (now)</h2>\n", fp);
	html_table(fp, open, open_cols, NCOLS(open_cols), 1000);
	fputs("<h2>重访 Repeat petitions</h2>\n", fp);
	html_table(fp, repeats, repeat_cols, NCOLS(repeat_cols), LIST_MAX);
	fputs("<h2>群体性事件 Group incidents (5 people or more)</h2>\n", fp);
	html_table(fp, groups, group_cols, NCOLS(group_cols), LIST_MAX);
	fputs("<h2>数据文件 Data files</h2>\n<p>", fp);
	{
		static const char *const files[] = { "monthly.csv", "summary.csv",
		    "by_township.csv", "by_category.csv", "open_cases.csv",
		    "repeat_petitions.csv", "group_incidents.csv" };

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			fprintf(fp, "%s<a href=\"%s\">%s</a>", i > 0 ? " · " : "",
			    files[i], files[i]);
	}
	fputs("</p>\n<p class=\"note\">电话、身份证号已脱敏 (phone and ID-card numbers masked)."
	    " 定义见 schema/0009_analyst_views.sql 及 0041–0043 (definitions).</p>\n</body>\n</html>\n", fp);
	rc = out_close(fp, tmp, "report.html");
	fp = NULL;
done:
	if (fp != NULL) {
		fclose(fp);
		unlink(tmp);
		free(tmp);
	}
	PQclear(PQexec(db, "ROLLBACK"));
	PQclear(county);
	PQclear(fresh);
	PQclear(monthly);
	PQclear(total);
	PQclear(twp);
	PQclear(cat);
	PQclear(open);
	PQclear(repeats);
	PQclear(groups);
	return rc;
}
