/* conf.h -- "key value" configuration files and flags through one table
 * of names, types, defaults and bounds. */
#ifndef GR_CONF_H
#define GR_CONF_H

#include <stddef.h>
#include <stdio.h>

enum conf_type { CONF_STR, CONF_INT, CONF_BOOL };

struct conf_opt {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* of a char * or a long in the object */
	const char	*defval;	/* NULL: no default */
	long		 min, max;	/* CONF_INT bounds */
	unsigned	 flags;		/* CONF_SECRET, CONF_LIVE */
};

#define CONF_SECRET	0x1	/* never printed */
#define CONF_LIVE	0x2	/* may change while the program runs (the
				   collector's SIGHUP) */

/* The broker options of a program whose settings (type) hold a struct
 * mqtt_endpoint (mqtt.h) as member m. */
#define CONF_MQTT_ENDPOINT(type, m) \
	{ "broker", CONF_STR, offsetof(type, m.broker), "tcp://127.0.0.1:1883", \
	  0, 0, 0 }, \
	{ "username", CONF_STR, offsetof(type, m.username), NULL, 0, 0, 0 }, \
	{ "password_file", CONF_STR, offsetof(type, m.password_file), NULL, \
	  0, 0, 0 }, \
	{ "cafile", CONF_STR, offsetof(type, m.cafile), NULL, 0, 0, 0 }, \
	{ "certfile", CONF_STR, offsetof(type, m.certfile), NULL, 0, 0, 0 }, \
	{ "keyfile", CONF_STR, offsetof(type, m.keyfile), NULL, 0, 0, 0 }

/* Set every option to its default.  Strings are malloc'd. */
void	conf_defaults(const struct conf_opt *, size_t, void *obj);

/* Set one option from text.  0, or -1 with a message in err. */
int	conf_set(const struct conf_opt *, size_t, void *obj, const char *name,
	    const char *value, char *err, size_t errsize);

/* Read "key value" lines ('#' starts a comment).  0, or -1 with
 * "path:line: message" in err. */
int	conf_load(const struct conf_opt *, size_t, void *obj, const char *path,
	    char *err, size_t errsize);

/* conf_load(), and named[i] set to 1 for each option opts[i] the file
 * names (named: n flags, left as they are for the others; on failure, set
 * for the lines read before the bad one). */
int	conf_load_named(const struct conf_opt *, size_t, void *obj,
	    const char *path, unsigned char *named, char *err, size_t errsize);

/* Print the effective configuration, secrets hidden. */
void	conf_print(const struct conf_opt *, size_t, const void *obj, FILE *);

/*
 * The first pass over a program's command line: -h/--help, -V/--version
 * and -c/--config FILE, which is loaded now so that the flags, read in a
 * second pass, override it.  optind is reset for that pass.  Returns -1 to
 * go on, or the exit status: 0 after help or version, 2 after a bad option
 * or a config file that cannot be used (said on stderr as "prog: ...").
 */
struct option;
int	conf_first_pass(int argc, char **argv, const char *shortopts,
	    const struct option *longopts, const char *prog,
	    void (*usage)(FILE *), const struct conf_opt *, size_t, void *obj);

/* 1 when option o has the same value in a and b (two objects of the
 * table's type), else 0. */
int	conf_same(const struct conf_opt *o, const void *a, const void *b);

/* Give dst option o's value in src (a string moves: src's becomes NULL). */
void	conf_move(const struct conf_opt *o, void *dst, void *src);

/* Give dst a copy of every option of src (strings duplicated); dst's
 * strings are not freed first: dst is empty or freed. */
void	conf_copy(const struct conf_opt *, size_t, void *dst, const void *src);

/* Free the strings. */
void	conf_free(const struct conf_opt *, size_t, void *obj);

#endif
