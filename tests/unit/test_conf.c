/* test_conf.c -- unit tests of the table-driven "key value" configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "mqtt.h"

struct tconf {
	char	*host;
	long	 port;
	long	 tls;
	char	*password;
	char	*name;
};

static const struct conf_opt opts[] = {
	{ "host", CONF_STR, offsetof(struct tconf, host), "localhost", 0, 0,
	    0 },
	{ "port", CONF_INT, offsetof(struct tconf, port), "1883", 1, 65535, 0 },
	{ "tls", CONF_BOOL, offsetof(struct tconf, tls), "false", 0, 0, 0 },
	{ "password", CONF_STR, offsetof(struct tconf, password), NULL, 0, 0,
	    CONF_SECRET },
	{ "name", CONF_STR, offsetof(struct tconf, name), NULL, 0, 0, 0 },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

static char	*write_temp(const char *);
static int	 load_text(struct tconf *, const char *, char *, size_t);
static void	 test_defaults(void **);
static void	 test_set_types(void **);
static void	 test_set_int_bounds(void **);
static void	 test_set_bool_bad(void **);
static void	 test_set_unknown(void **);
static void	 test_load(void **);
static void	 test_load_named(void **);
static void	 test_load_errors(void **);
static void	 test_load_missing_file(void **);
static void	 test_load_long_line(void **);
static void	 test_print_hides_secret(void **);
static void	 test_same_and_move(void **);
static void	 test_copy(void **);

/* A temporary file holding text; the caller unlinks and frees the path. */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/test_conf.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int
load_text(struct tconf *c, const char *text, char *err, size_t errsize)
{
	char *path = write_temp(text);
	int rc;

	rc = conf_load(opts, NOPTS, c, path, err, errsize);
	/* On failure the message starts with the path. */
	if (rc < 0)
		assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	free(path);
	return rc;
}

static void
test_defaults(void **state)
{
	struct tconf c;

	(void)state;
	memset(&c, 0xA5, sizeof(c));
	conf_defaults(opts, NOPTS, &c);
	assert_string_equal(c.host, "localhost");
	assert_int_equal(c.port, 1883);
	assert_int_equal(c.tls, 0);
	assert_null(c.password);
	assert_null(c.name);
	conf_free(opts, NOPTS, &c);
	assert_null(c.host);
}

static void
test_set_types(void **state)
{
	struct tconf c;
	char err[128];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_set(opts, NOPTS, &c, "host", "broker.example",
	    err, sizeof(err)), 0);
	assert_string_equal(c.host, "broker.example");
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "8883", err,
	    sizeof(err)), 0);
	assert_int_equal(c.port, 8883);
	assert_int_equal(conf_set(opts, NOPTS, &c, "tls", "yes", err,
	    sizeof(err)), 0);
	assert_int_equal(c.tls, 1);
	assert_int_equal(conf_set(opts, NOPTS, &c, "tls", "0", err,
	    sizeof(err)), 0);
	assert_int_equal(c.tls, 0);
	assert_int_equal(conf_set(opts, NOPTS, &c, "tls", "true", err,
	    sizeof(err)), 0);
	assert_int_equal(c.tls, 1);
	assert_int_equal(conf_set(opts, NOPTS, &c, "tls", "no", err,
	    sizeof(err)), 0);
	assert_int_equal(c.tls, 0);
	assert_int_equal(conf_set(opts, NOPTS, &c, "name", "网格员", err,
	    sizeof(err)), 0);
	assert_string_equal(c.name, "网格员");
	conf_free(opts, NOPTS, &c);
	assert_null(c.name);
}

static void
test_set_int_bounds(void **state)
{
	struct tconf c;
	char err[128];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "1", err,
	    sizeof(err)), 0);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "65535", err,
	    sizeof(err)), 0);
	assert_int_equal(c.port, 65535);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "0", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "port"));
	assert_non_null(strstr(err, "65535"));
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "65536", err,
	    sizeof(err)), -1);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "12ab", err,
	    sizeof(err)), -1);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port", "", err,
	    sizeof(err)), -1);
	assert_int_equal(conf_set(opts, NOPTS, &c, "port",
	    "99999999999999999999999", err, sizeof(err)), -1);
	/* A rejected value leaves the old one. */
	assert_int_equal(c.port, 65535);
	conf_free(opts, NOPTS, &c);
}

static void
test_set_bool_bad(void **state)
{
	struct tconf c;
	char err[128];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_set(opts, NOPTS, &c, "tls", "maybe", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "tls"));
	assert_int_equal(c.tls, 0);
	conf_free(opts, NOPTS, &c);
}

static void
test_set_unknown(void **state)
{
	struct tconf c;
	char err[128];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_set(opts, NOPTS, &c, "hots", "x", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option 'hots'"));
	conf_free(opts, NOPTS, &c);
}

static void
test_load(void **state)
{
	struct tconf c;
	char err[256];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(load_text(&c,
	    "# broker settings\n"
	    "\n"
	    "   # indented comment\n"
	    "host   mqtt.county.example  \n"
	    "\tport\t8883\n"
	    "tls yes\r\n"
	    "name 南涧 县 网格\n"
	    "password s3cret", err, sizeof(err)), 0);
	assert_string_equal(c.host, "mqtt.county.example");
	assert_int_equal(c.port, 8883);
	assert_int_equal(c.tls, 1);
	/* The value is the rest of the line, inner spaces kept. */
	assert_string_equal(c.name, "南涧 县 网格");
	assert_string_equal(c.password, "s3cret");
	conf_free(opts, NOPTS, &c);
}

/* The options a file names are marked, a default value named too; the
 * others keep their marks. */
static void
test_load_named(void **state)
{
	struct tconf c;
	unsigned char named[NOPTS] = { 0 };
	char err[256], *path;

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	named[4] = 7;
	path = write_temp("# the default port, named\nport 1883\ntls yes\n");
	assert_int_equal(conf_load_named(opts, NOPTS, &c, path, named, err,
	    sizeof(err)), 0);
	unlink(path);
	free(path);
	assert_int_equal(named[0], 0);	/* host */
	assert_int_equal(named[1], 1);	/* port */
	assert_int_equal(named[2], 1);	/* tls */
	assert_int_equal(named[3], 0);	/* password */
	assert_int_equal(named[4], 7);	/* name: left as it was */
	assert_int_equal(c.tls, 1);
	conf_free(opts, NOPTS, &c);
}

static void
test_load_errors(void **state)
{
	struct tconf c;
	char err[256];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(load_text(&c, "host a\nport 70000\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: "));
	assert_non_null(strstr(err, "port"));
	assert_int_equal(load_text(&c, "# x\n\nbogus 1\n", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, ":3: unknown option 'bogus'"));
	assert_int_equal(load_text(&c, "host\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: host has no value"));
	assert_int_equal(load_text(&c, "tls   \n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has no value"));
	conf_free(opts, NOPTS, &c);
}

static void
test_load_missing_file(void **state)
{
	struct tconf c;
	char err[256];

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_load(opts, NOPTS, &c,
	    "/nonexistent/dir/gr.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/gr.conf"));
	conf_free(opts, NOPTS, &c);
}

static void
test_load_long_line(void **state)
{
	struct tconf c;
	char err[256], *text;
	size_t n = 3000;

	(void)state;
	text = malloc(n + 16);
	assert_non_null(text);
	memcpy(text, "host ", 5);
	memset(text + 5, 'h', n);
	strcpy(text + 5 + n, "\n");
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(load_text(&c, text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	assert_string_equal(c.host, "localhost");
	conf_free(opts, NOPTS, &c);
	free(text);
}

static void
test_print_hides_secret(void **state)
{
	struct tconf c;
	char err[128], *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	conf_defaults(opts, NOPTS, &c);
	assert_int_equal(conf_set(opts, NOPTS, &c, "password", "hunter2", err,
	    sizeof(err)), 0);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	conf_print(opts, NOPTS, &c, fp);
	fclose(fp);
	assert_string_equal(out,
	    "host localhost\n"
	    "port 1883\n"
	    "tls false\n"
	    "password (hidden)\n"
	    "name (unset)\n");
	assert_null(strstr(out, "hunter2"));
	free(out);
	conf_free(opts, NOPTS, &c);
}

/* What a reload compares and takes over, option by option. */
static void
test_same_and_move(void **state)
{
	struct tconf a, b;
	char err[128];

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	conf_defaults(opts, NOPTS, &a);
	conf_defaults(opts, NOPTS, &b);
	for (size_t i = 0; i < NOPTS; i++)
		assert_int_equal(conf_same(&opts[i], &a, &b), 1);
	assert_int_equal(conf_set(opts, NOPTS, &b, "host", "broker.local",
	    err, sizeof(err)), 0);
	assert_int_equal(conf_set(opts, NOPTS, &b, "port", "8883", err,
	    sizeof(err)), 0);
	assert_int_equal(conf_set(opts, NOPTS, &b, "name", "county", err,
	    sizeof(err)), 0);
	assert_int_equal(conf_same(&opts[0], &a, &b), 0);	/* host */
	assert_int_equal(conf_same(&opts[1], &a, &b), 0);	/* port */
	assert_int_equal(conf_same(&opts[2], &a, &b), 1);	/* tls */
	assert_int_equal(conf_same(&opts[3], &a, &b), 1);	/* both unset */
	assert_int_equal(conf_same(&opts[4], &a, &b), 0);	/* unset, set */
	conf_move(&opts[0], &a, &b);
	conf_move(&opts[1], &a, &b);
	conf_move(&opts[4], &a, &b);
	assert_string_equal(a.host, "broker.local");
	assert_int_equal(a.port, 8883);
	assert_string_equal(a.name, "county");
	assert_null(b.host);		/* a string moves, not copied */
	assert_null(b.name);
	conf_free(opts, NOPTS, &a);
	conf_free(opts, NOPTS, &b);
}

/* A copy holds the same values in strings of its own. */
static void
test_copy(void **state)
{
	struct tconf a, b;
	char err[128];

	(void)state;
	memset(&a, 0, sizeof(a));
	conf_defaults(opts, NOPTS, &a);
	assert_int_equal(conf_set(opts, NOPTS, &a, "port", "8883", err,
	    sizeof(err)), 0);
	assert_int_equal(conf_set(opts, NOPTS, &a, "tls", "true", err,
	    sizeof(err)), 0);
	assert_int_equal(conf_set(opts, NOPTS, &a, "name", "county", err,
	    sizeof(err)), 0);
	memset(&b, 0xff, sizeof(b));	/* every member is written */
	conf_copy(opts, NOPTS, &b, &a);
	for (size_t i = 0; i < NOPTS; i++)
		assert_int_equal(conf_same(&opts[i], &a, &b), 1);
	assert_string_equal(b.host, "localhost");
	assert_int_equal(b.port, 8883);
	assert_int_equal(b.tls, 1);
	assert_null(b.password);		/* unset stays unset */
	assert_string_equal(b.name, "county");
	assert_ptr_not_equal(b.host, a.host);	/* copied, not shared */
	assert_ptr_not_equal(b.name, a.name);
	conf_free(opts, NOPTS, &a);
	assert_string_equal(b.name, "county");	/* outlives the original */
	conf_free(opts, NOPTS, &b);
}

/* The broker endpoint every program checks: a scheme mqtt_connect()
 * knows, and a client certificate with its key. */
static void
test_endpoint_check(void **state)
{
	static const struct { const char *uri; int ok; } uris[] = {
		{ "tcp://127.0.0.1:1883", 1 }, { "mqtt://host", 1 },
		{ "ssl://host:8883", 1 }, { "mqtts://host", 1 },
		{ "https://host", 0 }, { "wss://host", 0 }, { "host:1883", 0 },
		{ "", 0 }, { NULL, 0 },
	};
	struct mqtt_endpoint e;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.broker = (char *)(uintptr_t)uris[i].uri;
		err[0] = '\0';
		if ((mqtt_endpoint_check(&e, err, sizeof(err)) == 0) !=
		    uris[i].ok)
			fail_msg("%s: want %s", uris[i].uri ? uris[i].uri :
			    "NULL", uris[i].ok ? "ok" : "refused");
		if (!uris[i].ok)
			assert_non_null(strstr(err, "broker must be"));
	}
	memset(&e, 0, sizeof(e));
	e.broker = (char *)(uintptr_t)"ssl://host:8883";
	e.certfile = (char *)(uintptr_t)"client.crt";
	assert_int_equal(mqtt_endpoint_check(&e, err, sizeof(err)), -1);
	assert_string_equal(err, "certfile and keyfile go together");
	e.keyfile = (char *)(uintptr_t)"client.key";
	assert_int_equal(mqtt_endpoint_check(&e, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_types),
		cmocka_unit_test(test_set_int_bounds),
		cmocka_unit_test(test_set_bool_bad),
		cmocka_unit_test(test_set_unknown),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_named),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_long_line),
		cmocka_unit_test(test_print_hides_secret),
		cmocka_unit_test(test_same_and_move),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_endpoint_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
