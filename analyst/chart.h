/* chart.h -- charts drawn by gnuplot as SVG, for the analyst report. */
#ifndef GR_CHART_H
#define GR_CHART_H

#include <stddef.h>

/* A chart: a table of rows (the first column the labels of the x axis,
 * the others numbers, NULL for none) and the series to draw. */
enum chart_kind { CHART_LINES, CHART_BARS };

struct chart {
	enum chart_kind	 kind;
	const char	*ylabel;	/* may be NULL */
	int		 width, height;	/* pixels */
	int		 percent;	/* y axis from 0 to 100 */
	int		 nseries;
	const char	*const *titles;	/* nseries series titles */
	int		 nrows;
	const char	*const *cells;	/* nrows * (1 + nseries), row by row */
};

/* Draw the chart with gnuplot (its SVG terminal) in a folder of its own
 * under tmpdir, and return the <svg> element, NUL-terminated, which the
 * caller frees; or NULL after printing why to stderr.  gnuplot is the
 * program of that name on PATH, or the one GR_GNUPLOT names. */
char	*chart_svg(const struct chart *, const char *tmpdir, size_t *lenp);

#endif
