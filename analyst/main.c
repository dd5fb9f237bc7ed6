/* main.c -- gr-analyst: the figures a county is measured on, as CSV files
 * and an HTML report with charts, read from the analyst views. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

#include "report.h"
#include "util.h"

#define EXIT_USAGE	2
#define MAX_MONTHS	120

static const struct option longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "county", required_argument, NULL, 'c' },
	{ "from", required_argument, NULL, 'f' },
	{ "to", required_argument, NULL, 't' },
	{ "out", required_argument, NULL, 'o' },
	{ "excel", no_argument, NULL, 'x' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void	usage(FILE *);
static int	parse_month(const char *, const char *, char *, int *);
static int	make_dir(const char *);

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: gr-analyst [-x] [-d CONNINFO] -c COUNTY -f YYYY-MM -t YYYY-MM -o DIR\n"
"\n"
"Writes the county's figures for the months FROM to TO (China Standard\n"
"Time) into DIR: report.html (charts and tables, one self-contained file)\n"
"and monthly.csv, summary.csv, by_township.csv, by_category.csv,\n"
"open_cases.csv, repeat_petitions.csv, group_incidents.csv (RFC 4180,\n"
"UTF-8).  Reads only the analyst views, in one read-only transaction: run\n"
"it as a login role of gr_analyst.\n"
"\n"
"  -d, --db CONNINFO    libpq connection string or URI (default: $GR_ANALYST_DB,\n"
"                       else libpq's PGHOST, PGUSER, PGDATABASE, PGSERVICE ...)\n"
"  -c, --county CODE    6-digit county code, e.g. 530322\n"
"  -f, --from YYYY-MM   first month\n"
"  -t, --to YYYY-MM     last month (at most %d months in all)\n"
"  -o, --out DIR        output folder, made when missing\n"
"  -x, --excel          begin each CSV file with a UTF-8 byte order mark, by\n"
"                       which Excel tells UTF-8 (without it, Excel shows the\n"
"                       Chinese names garbled)\n"
"  -h, --help           -V, --version\n"
"\n"
"Exit status: 0 written, 1 failure (database, files, gnuplot, unknown\n"
"county), 2 usage.\n", MAX_MONTHS);
}

/* "YYYY-MM" to "YYYY-MM-01" in out (11 bytes) and a month number. */
static int
parse_month(const char *opt, const char *s, char *out, int *index)
{
	long y, m;

	if (strlen(s) != 7 || s[4] != '-' ||
	    strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2) {
		fprintf(stderr, "gr-analyst: %s '%s': expected a month as YYYY-MM\n",
		    opt, s);
		return -1;
	}
	y = strtol(s, NULL, 10);
	m = strtol(s + 5, NULL, 10);
	if (y < 2000 || y > 2099 || m < 1 || m > 12) {
		fprintf(stderr, "gr-analyst: %s '%s': no such month (years 2000 to 2099)\n",
		    opt, s);
		return -1;
	}
	snprintf(out, 11, "%04ld-%02ld-01", y, m);
	*index = (int)(y * 12 + m - 1);
	return 0;
}

static int
make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "gr-analyst: cannot make the output folder %s: %s\n",
	    dir, errno == EEXIST ? "a file of that name exists" : strerror(errno));
	return -1;
}

int
main(int argc, char **argv)
{
	struct report_opts o = { 0 };
	const char *conninfo = getenv("GR_ANALYST_DB"), *from = NULL, *to = NULL;

	/* The exports are the county's figures: private to the analyst. */
	umask(077);
	int ch, mfrom = 0, mto = 0, rc;
	PGconn *db;

	while ((ch = getopt_long(argc, argv, "d:c:f:t:o:xhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': conninfo = optarg; break;
		case 'c': o.county = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'o': o.outdir = optarg; break;
		case 'x': o.bom = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("gr-analyst %s\n", GR_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gr-analyst: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.county == NULL || from == NULL || to == NULL || o.outdir == NULL) {
		fprintf(stderr, "gr-analyst: --county, --from, --to and --out are needed\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strlen(o.county) != 6 || strspn(o.county, "0123456789") != 6) {
		fprintf(stderr, "gr-analyst: --county '%s': expected a 6-digit county code\n",
		    o.county);
		return EXIT_USAGE;
	}
	if (parse_month("--from", from, o.from, &mfrom) == -1 ||
	    parse_month("--to", to, o.to, &mto) == -1)
		return EXIT_USAGE;
	if (mto < mfrom) {
		fprintf(stderr, "gr-analyst: --to %s is before --from %s\n", to, from);
		return EXIT_USAGE;
	}
	if (mto - mfrom + 1 > MAX_MONTHS) {
		fprintf(stderr, "gr-analyst: %s to %s is %d months; at most %d\n",
		    from, to, mto - mfrom + 1, MAX_MONTHS);
		return EXIT_USAGE;
	}
	if (*o.outdir == '\0') {
		fprintf(stderr, "gr-analyst: --out needs a folder name\n");
		return EXIT_USAGE;
	}
	o.tmpdir = getenv("TMPDIR");
	if (o.tmpdir == NULL || *o.tmpdir == '\0')
		o.tmpdir = "/tmp";

	db = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "gr-analyst: cannot connect to the database: %s",
		    PQerrorMessage(db));
		PQfinish(db);
		return 1;
	}
	PQsetClientEncoding(db, "UTF8");
	if (make_dir(o.outdir) == -1) {
		PQfinish(db);
		return 1;
	}
	rc = report_write(db, &o);
	PQfinish(db);
	if (rc != 0)
		return 1;
	printf("gr-analyst: wrote %s/report.html and 7 CSV files\n", o.outdir);
	return 0;
}
