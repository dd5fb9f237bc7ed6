/* conf.c -- "key value" configuration files and flags through one table. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util.h"

#define CONF_LINE_MAX	1024

static char	**str_at(void *, const struct conf_opt *);
static long	 *long_at(void *, const struct conf_opt *);

static char **
str_at(void *obj, const struct conf_opt *o)
{
	return (char **)((char *)obj + o->off);
}

static long *
long_at(void *obj, const struct conf_opt *o)
{
	return (long *)((char *)obj + o->off);
}

void
conf_defaults(const struct conf_opt *opts, size_t n, void *obj)
{
	char err[128];

	for (size_t i = 0; i < n; i++) {
		if (opts[i].type == CONF_STR)
			*str_at(obj, &opts[i]) = NULL;
		else
			*long_at(obj, &opts[i]) = 0;
		if (opts[i].defval != NULL && conf_set(opts, n, obj,
		    opts[i].name, opts[i].defval, err, sizeof(err)) < 0)
			abort();	/* a bad default is a programming error */
	}
}

/* The index of the option called name, or -1. */
static int
find(const struct conf_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
conf_set(const struct conf_opt *opts, size_t n, void *obj, const char *name,
    const char *value, char *err, size_t errsize)
{
	int at = find(opts, n, name);

	if (at >= 0) {
		const struct conf_opt *o = &opts[at];
		long v;

		switch (o->type) {
		case CONF_STR:
			free(*str_at(obj, o));
			*str_at(obj, o) = xstrdup(value);
			return 0;
		case CONF_INT:
			if (parse_long(value, o->min, o->max, &v) < 0) {
				snprintf(err, errsize, "%s must be a whole "
				    "number from %ld to %ld", name, o->min,
				    o->max);
				return -1;
			}
			*long_at(obj, o) = v;
			return 0;
		case CONF_BOOL:
			if (strcmp(value, "true") == 0 ||
			    strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
				*long_at(obj, o) = 1;
			else if (strcmp(value, "false") == 0 ||
			    strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
				*long_at(obj, o) = 0;
			else {
				snprintf(err, errsize,
				    "%s must be true or false", name);
				return -1;
			}
			return 0;
		}
	}
	snprintf(err, errsize, "unknown option '%s'", name);
	return -1;
}

int
conf_load(const struct conf_opt *opts, size_t n, void *obj, const char *path,
    char *err, size_t errsize)
{
	return conf_load_named(opts, n, obj, path, NULL, err, errsize);
}

int
conf_load_named(const struct conf_opt *opts, size_t n, void *obj,
    const char *path, unsigned char *named, char *err, size_t errsize)
{
	FILE *fp;
	char line[CONF_LINE_MAX], msg[256];
	int lineno = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *key, *val, *end;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsize, "%s:%d: line too long", path,
			    lineno);
			rc = -1;
			break;
		}
		key = line + strspn(line, " \t");
		if (*key == '#' || *key == '\n' || *key == '\0')
			continue;
		end = key + strlen(key);
		while (end > key && isspace((unsigned char)end[-1]))
			*--end = '\0';
		val = key + strcspn(key, " \t");
		if (*val != '\0')
			*val++ = '\0';
		val += strspn(val, " \t");
		if (*val == '\0') {
			snprintf(err, errsize, "%s:%d: %s has no value", path,
			    lineno, key);
			rc = -1;
			break;
		}
		if (conf_set(opts, n, obj, key, val, msg, sizeof(msg)) < 0) {
			snprintf(err, errsize, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
		if (named != NULL)	/* conf_set() found it */
			named[find(opts, n, key)] = 1;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errsize, "%s: read error", path);
		rc = -1;
	}
	fclose(fp);
	return rc;
}

void
conf_print(const struct conf_opt *opts, size_t n, const void *obj, FILE *fp)
{
	for (size_t i = 0; i < n; i++) {
		const struct conf_opt *o = &opts[i];
		const char *p = (const char *)obj + o->off;

		if (o->type == CONF_STR) {
			const char *s = *(char *const *)(const void *)p;

			fprintf(fp, "%s %s\n", o->name, s == NULL ? "(unset)" :
			    o->flags & CONF_SECRET ? "(hidden)" : s);
		} else if (o->type == CONF_INT)
			fprintf(fp, "%s %ld\n", o->name,
			    *(const long *)(const void *)p);
		else
			fprintf(fp, "%s %s\n", o->name,
			    *(const long *)(const void *)p ? "true" : "false");
	}
}

int
conf_same(const struct conf_opt *o, const void *a, const void *b)
{
	const char *pa = (const char *)a + o->off, *pb = (const char *)b + o->off;

	if (o->type == CONF_STR) {
		const char *sa = *(char *const *)(const void *)pa;
		const char *sb = *(char *const *)(const void *)pb;

		return sa == NULL || sb == NULL ? sa == sb : strcmp(sa, sb) == 0;
	}
	return *(const long *)(const void *)pa == *(const long *)(const void *)pb;
}

void
conf_move(const struct conf_opt *o, void *dst, void *src)
{
	if (o->type == CONF_STR) {
		char **d = str_at(dst, o), **s = str_at(src, o);

		free(*d);
		*d = *s;
		*s = NULL;
	} else
		*long_at(dst, o) = *long_at(src, o);
}

void
conf_copy(const struct conf_opt *opts, size_t n, void *dst, const void *src)
{
	for (size_t i = 0; i < n; i++) {
		const struct conf_opt *o = &opts[i];
		const char *at = (const char *)src + o->off;

		if (o->type == CONF_STR) {
			const char *str = *(char *const *)(const void *)at;

			*str_at(dst, o) = str != NULL ? xstrdup(str) : NULL;
		} else
			*long_at(dst, o) = *(const long *)(const void *)at;
	}
}

void
conf_free(const struct conf_opt *opts, size_t n, void *obj)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].type == CONF_STR) {
			free(*str_at(obj, &opts[i]));
			*str_at(obj, &opts[i]) = NULL;
		}
}

int
conf_first_pass(int argc, char **argv, const char *shortopts,
    const struct option *longopts, const char *prog, void (*usage)(FILE *),
    const struct conf_opt *opts, size_t n, void *obj)
{
	const char *path = NULL;
	char err[512];
	int ch;

	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", prog, GR_VERSION);
			return 0;
		case '?':
			usage(stderr);
			return 2;
		case 'c':
			path = optarg;
			break;
		default:
			break;
		}
	}
	optind = 1;
	if (path != NULL && conf_load(opts, n, obj, path, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 2;
	}
	return -1;
}
