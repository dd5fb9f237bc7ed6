/* report.h -- the analyst report: CSV exports and an HTML page with
 * charts, for one county and a span of months. */
#ifndef GR_REPORT_H
#define GR_REPORT_H

#include <libpq-fe.h>

struct report_opts {
	const char	*county;	/* 6 digits */
	char		 from[11];	/* YYYY-MM-01, the first month */
	char		 to[11];	/* YYYY-MM-01, the last month */
	const char	*outdir;	/* exists */
	const char	*tmpdir;
	int		 bom;		/* CSV files begin with a UTF-8 BOM */
};

/* Read the figures in one read-only snapshot and write the files of the
 * report into opts->outdir.  Returns 0, 1 when the county does not exist
 * (with a message), -1 on another failure (with a message). */
int	report_write(PGconn *, const struct report_opts *);

#endif
