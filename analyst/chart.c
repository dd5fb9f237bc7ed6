/* chart.c -- charts drawn by gnuplot as SVG, for the analyst report. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chart.h"
#include "util.h"

#define CHART_MAX_SVG	(8 * 1024 * 1024)

extern char **environ;

static int	 chart_write_data(const struct chart *, const char *);
static int	 chart_write_script(const struct chart *, const char *,
		    const char *, const char *);
static void	 chart_quote(FILE *, const char *);
static int	 chart_run(const char *, const char *);
static void	 chart_show_errors(const char *);

/* Series colours: blue, orange, green, red, purple (colour-blind safe). */
static const char *const chart_colours[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
};

char *
chart_svg(const struct chart *c, const char *tmpdir, size_t *lenp)
{
	char dir[4096], data[4200], script[4200], out[4200], err[4200];
	char *svg = NULL, *file = NULL, *start;
	size_t len;

	if (strchr(tmpdir, '\'') != NULL || strchr(tmpdir, '\n') != NULL) {
		fprintf(stderr, "gr-analyst: the temporary folder %s has a quote or a newline in its name\n",
		    tmpdir);
		return NULL;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/gr-chart.XXXXXX", tmpdir) >=
	    sizeof(dir)) {
		fprintf(stderr, "gr-analyst: temporary folder name too long\n");
		return NULL;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "gr-analyst: cannot make a folder in %s: %s\n",
		    tmpdir, strerror(errno));
		return NULL;
	}
	snprintf(data, sizeof(data), "%s/data.tsv", dir);
	snprintf(script, sizeof(script), "%s/chart.gp", dir);
	snprintf(out, sizeof(out), "%s/chart.svg", dir);
	snprintf(err, sizeof(err), "%s/gnuplot.err", dir);

	if (chart_write_data(c, data) == -1 ||
	    chart_write_script(c, script, data, out) == -1)
		goto done;
	if (chart_run(script, err) == -1)
		goto done;
	if ((file = read_file(out, CHART_MAX_SVG, &len)) == NULL) {
		fprintf(stderr, "gr-analyst: gnuplot wrote no chart: %s\n",
		    strerror(errno));
		goto done;
	}
	/* Only the element: no XML declaration or DOCTYPE inside HTML. */
	if ((start = strstr(file, "<svg")) == NULL) {
		fprintf(stderr, "gr-analyst: gnuplot's output holds no <svg> element\n");
		goto done;
	}
	len -= (size_t)(start - file);
	svg = xstrndup(start, len);
	if (lenp != NULL)
		*lenp = len;
done:
	free(file);
	unlink(data);
	unlink(script);
	unlink(out);
	unlink(err);
	rmdir(dir);
	return svg;
}

/* One line per row: the label, then the values, tab-separated, '?' for
 * none.  Tabs, newlines and double quotes in labels become spaces. */
static int
chart_write_data(const struct chart *c, const char *path)
{
	FILE *fp;
	int cols = 1 + c->nseries, rc = 0;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gr-analyst: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int r = 0; r < c->nrows; r++) {
		for (int k = 0; k < cols; k++) {
			const char *v = c->cells[r * cols + k];

			if (k > 0)
				putc('\t', fp);
			if (v == NULL || *v == '\0') {
				fputs(k == 0 ? "-" : "?", fp);
				continue;
			}
			for (; *v != '\0'; v++)
				putc(strchr("\t\r\n\"", *v) != NULL ? ' ' : *v, fp);
		}
		putc('\n', fp);
	}
	if (ferror(fp))
		rc = -1;
	if (fclose(fp) == EOF)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "gr-analyst: %s: write error\n", path);
	return rc;
}

/* A gnuplot single-quoted string: a quote is doubled. */
static void
chart_quote(FILE *fp, const char *s)
{
	putc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			putc('\'', fp);
		if (*s != '\n' && *s != '\r')
			putc(*s, fp);
	}
	putc('\'', fp);
}

static int
chart_write_script(const struct chart *c, const char *path, const char *data,
    const char *out)
{
	FILE *fp;
	int rc = 0;
	size_t ncol = sizeof(chart_colours) / sizeof(chart_colours[0]);

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gr-analyst: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "set terminal svg size %d,%d noenhanced font 'sans,12' background '#ffffff'\n",
	    c->width, c->height);
	fputs("set output ", fp);
	chart_quote(fp, out);
	fputs("\nset encoding utf8\n"
	    "set datafile separator \"\\t\"\n"
	    "set datafile missing '?'\n"
	    "set border 3 lc rgb '#555555'\n"
	    "set tics nomirror\n"
	    "set grid ytics lc rgb '#dddddd' lw 1 dt 1\n"
	    "set key below center horizontal noautotitle\n", fp);
	for (size_t i = 0; i < ncol; i++)
		fprintf(fp, "set linetype %zu lc rgb '%s' lw 2 pt 7 ps 0.7\n",
		    i + 1, chart_colours[i]);
	if (c->ylabel != NULL) {
		fputs("set ylabel ", fp);
		chart_quote(fp, c->ylabel);
		putc('\n', fp);
	}
	fputs(c->percent ? "set yrange [0:105]\nset ytics 0,20,100\n" :
	    "set yrange [0:*]\n", fp);
	if (c->nrows > 6)
		fputs("set xtics rotate by -40\n", fp);
	if (c->kind == CHART_BARS) {
		fputs("set style data histograms\n"
		    "set style histogram clustered gap 1\n"
		    "set style fill solid 0.85 border -1\n"
		    "set boxwidth 0.9\n", fp);
		if (c->nseries == 1)
			fputs("unset key\n", fp);
	} else {
		/* Every row has its place and label, with a value or none;
		 * at most about 24 labels. */
		int step = (c->nrows + 23) / 24;

		fputs("set style data linespoints\n", fp);
		fprintf(fp, "set xrange [-0.5:%d.5]\n", c->nrows - 1);
		fputs("set xtics (", fp);
		for (int r = 0, first = 1; r < c->nrows; r += step) {
			const char *label = c->cells[r * (1 + c->nseries)];

			if (!first)
				fputs(", ", fp);
			first = 0;
			chart_quote(fp, label != NULL ? label : "");
			fprintf(fp, " %d", r);
		}
		fputs(")\n", fp);
	}
	fputs("plot ", fp);
	for (int s = 0; s < c->nseries; s++) {
		if (s > 0)
			fputs(", ", fp);
		chart_quote(fp, data);
		if (c->kind == CHART_BARS)
			fprintf(fp, " using %d%s", s + 2, s == 0 ? ":xtic(1)" : "");
		else
			fprintf(fp, " using 0:%d", s + 2);
		fputs(" title ", fp);
		chart_quote(fp, c->titles[s]);
	}
	fputs("\n", fp);
	if (ferror(fp))
		rc = -1;
	if (fclose(fp) == EOF)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "gr-analyst: %s: write error\n", path);
	return rc;
}

/* Run gnuplot on the script, its messages into err. */
static int
chart_run(const char *script, const char *err)
{
	posix_spawn_file_actions_t fa;
	const char *prog = getenv("GR_GNUPLOT");
	char *argv[3];
	pid_t pid;
	int rc, status;

	if (prog == NULL || *prog == '\0')
		prog = "gnuplot";
	argv[0] = (char *)(uintptr_t)prog;
	argv[1] = (char *)(uintptr_t)script;
	argv[2] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "gr-analyst: cannot run %s: %s (install gnuplot-nox)\n",
		    prog, strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "gr-analyst: waitpid: %s\n", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		fprintf(stderr, "gr-analyst: cannot run %s (install gnuplot-nox)\n", prog);
	else
		fprintf(stderr, "gr-analyst: %s failed (%s %d)\n", prog,
		    WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	chart_show_errors(err);
	return -1;
}

static void
chart_show_errors(const char *err)
{
	char *text;
	size_t len;

	if ((text = read_file(err, 64 * 1024, &len)) == NULL)
		return;
	if (len > 0)
		fprintf(stderr, "%.*s%s", (int)(len > 2000 ? 2000 : len), text,
		    text[len - 1] == '\n' ? "" : "\n");
	free(text);
}
