/* compose.c -- build a Report from the grid worker's input: flags or
 * "key: value" records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose.h"
#include "util.h"

static int	 parse_party(struct draft *, const char *, char *, size_t);
static int	 parse_amount(const char *, long long *);
static int	 parse_double(const char *, double *);
static char	*keep(struct draft *, const char *, size_t);

static const struct { const char *name; int value; } colours[] = {
	{ "green", GR__COLOUR__GREEN }, { "绿", GR__COLOUR__GREEN },
	{ "yellow", GR__COLOUR__YELLOW }, { "黄", GR__COLOUR__YELLOW },
	{ "red", GR__COLOUR__RED }, { "红", GR__COLOUR__RED },
}, channels[] = {
	{ "grid", GR__CHANNEL__GRID_VISIT }, { "letter", GR__CHANNEL__LETTER },
	{ "visit", GR__CHANNEL__VISIT }, { "internet", GR__CHANNEL__INTERNET },
	{ "hotline", GR__CHANNEL__HOTLINE },
}, roles[] = {
	{ "petitioner", GR__PARTY_ROLE__PETITIONER },
	{ "respondent", GR__PARTY_ROLE__RESPONDENT },
	{ "other", GR__PARTY_ROLE__OTHER_PARTY },
};

#define LOOKUP(table, s, out) do {					\
	for (size_t i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++)\
		if (strcmp(table[i_].name, (s)) == 0) {			\
			*(out) = table[i_].value;			\
			break;						\
		}							\
} while (0)

void
compose_init(struct draft *d)
{
	Gr__Report r = GR__REPORT__INIT;
	Gr__Location l = GR__LOCATION__INIT;

	memset(d, 0, sizeof(*d));
	d->r = r;
	d->loc = l;
	d->r.parties = d->partyp;
}

void
compose_free(struct draft *d)
{
	for (size_t i = 0; i < d->ncopies; i++)
		free(d->copies[i]);
	free(d->copies);
	d->copies = NULL;
	d->ncopies = d->capcopies = 0;
}

/* A copy of n bytes of s that the draft owns; NULL past a sane count. */
static char *
keep(struct draft *d, const char *s, size_t n)
{
	if (d->ncopies == d->capcopies) {
		if (d->capcopies >= 1024)
			return NULL;
		d->capcopies = d->capcopies ? d->capcopies * 2 : 16;
		d->copies = xrealloc(d->copies, d->capcopies *
		    sizeof(*d->copies));
	}
	return d->copies[d->ncopies++] = xstrndup(s, n);
}

int
compose_parse_cst(const char *s, long long *ms)
{
	struct tm tm, check;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
			return -1;
	}
	if (*end != '\0')
		return -1;
	/* strptime takes 2026-02-30; timegm would move it to March. */
	check = tm;
	t = timegm(&check);
	if (check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
		return -1;
	*ms = ((long long)t - 8 * 3600) * 1000;
	return 0;
}

static int
parse_amount(const char *s, long long *fen)
{
	long long yuan = 0, cents = 0;
	int nd = 0, nf = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		if (yuan > 100000000000000LL)
			return -1;
		yuan = yuan * 10 + (*p - '0');
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && nf < 2; p++, nf++)
			cents = cents * 10 + (*p - '0');
	if (nd == 0 || *p != '\0')
		return -1;
	if (nf == 1)
		cents *= 10;
	*fen = yuan * 100 + cents;
	return 0;
}

static int
parse_double(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return (end == s || *end != '\0') ? -1 : 0;
}

/* ROLE:NAME[:PHONE[:IDNUMBER[:ORGANISATION]]]; empty parts are absent. */
static int
parse_party(struct draft *d, const char *s, char *err, size_t errsize)
{
	Gr__Party init = GR__PARTY__INIT;
	Gr__Party *p;
	char *parts[5] = { NULL };
	const char *q = s;
	int role = 0;

	if (d->r.n_parties == COMPOSE_MAX_PARTIES) {
		snprintf(err, errsize, "at most %d parties",
		    COMPOSE_MAX_PARTIES);
		return -1;
	}
	for (int i = 0; i < 5 && q != NULL; i++) {
		const char *colon = strchr(q, ':');
		size_t n = colon ? (size_t)(colon - q) : strlen(q);

		if (i == 4)
			n = strlen(q);	/* an organisation may hold ':' */
		if (n > 0 && (parts[i] = keep(d, q, n)) == NULL) {
			snprintf(err, errsize, "too many parties");
			return -1;
		}
		q = (colon && i < 4) ? colon + 1 : NULL;
	}
	if (parts[0] != NULL)
		LOOKUP(roles, parts[0], &role);
	if (role == 0) {
		snprintf(err, errsize, "--party: role must be petitioner, "
		    "respondent or other (ROLE:NAME[:PHONE[:ID[:ORG]]])");
		return -1;
	}
	p = &d->party[d->r.n_parties];
	*p = init;
	p->has_role = 1;
	p->role = (Gr__PartyRole)role;
	p->name = parts[1];
	p->phone = parts[2];
	/* The check character is written X; a lowercase x, as often
	 * typed, is the same. */
	if (parts[3] != NULL && strlen(parts[3]) == 18 && parts[3][17] == 'x')
		parts[3][17] = 'X';
	p->id_number = parts[3];
	p->organisation = parts[4];
	d->partyp[d->r.n_parties++] = p;
	return 0;
}

int
compose_set(struct draft *d, const char *f, const char *v, char *err,
    size_t errsize)
{
	Gr__Report *r = &d->r;
	long long ll;
	long l;
	int e = 0;

	if (strcmp(f, "category") == 0)
		r->category = (char *)(uintptr_t)v;
	else if (strcmp(f, "item") == 0)
		r->item = (char *)(uintptr_t)v;
	else if (strcmp(f, "grid") == 0)
		r->grid_code = (char *)(uintptr_t)v;
	else if (strcmp(f, "summary") == 0)
		r->summary = (char *)(uintptr_t)v;
	else if (strcmp(f, "description") == 0)
		r->description = (char *)(uintptr_t)v;
	else if (strcmp(f, "link") == 0)
		r->link_report_id = (char *)(uintptr_t)v;
	else if (strcmp(f, "address") == 0) {
		d->loc.address = (char *)(uintptr_t)v;
		r->location = &d->loc;
	} else if (strcmp(f, "colour") == 0) {
		LOOKUP(colours, v, &e);
		if (e == 0) {
			snprintf(err, errsize, "--colour must be green, yellow "
			    "or red (绿, 黄, 红)");
			return -1;
		}
		r->has_colour = 1;
		r->colour = (Gr__Colour)e;
	} else if (strcmp(f, "channel") == 0) {
		LOOKUP(channels, v, &e);
		if (e == 0) {
			snprintf(err, errsize, "--channel must be grid, letter, "
			    "visit, internet or hotline");
			return -1;
		}
		r->has_channel = 1;
		r->channel = (Gr__Channel)e;
	} else if (strcmp(f, "people") == 0) {
		if (parse_long(v, 1, 100000, &l) < 0) {
			snprintf(err, errsize, "--people must be a whole number "
			    "from 1 to 100000");
			return -1;
		}
		r->has_people = 1;
		r->people = (uint32_t)l;
	} else if (strcmp(f, "amount") == 0) {
		if (parse_amount(v, &ll) < 0) {
			snprintf(err, errsize, "--amount must be yuan, e.g. "
			    "12000 or 350.50");
			return -1;
		}
		r->has_amount_fen = 1;
		r->amount_fen = ll;
	} else if (strcmp(f, "occurred") == 0) {
		if (compose_parse_cst(v, &ll) < 0) {
			snprintf(err, errsize, "--occurred must be YYYY-MM-DD "
			    "or 'YYYY-MM-DD HH:MM' (China Standard Time)");
			return -1;
		}
		r->has_occurred_at = 1;
		r->occurred_at = ll;
	} else if (strcmp(f, "lat") == 0 || strcmp(f, "lon") == 0) {
		double x;

		if (parse_double(v, &x) < 0) {
			snprintf(err, errsize, "--%s must be decimal degrees",
			    f);
			return -1;
		}
		if (f[1] == 'a') {
			d->loc.has_lat = 1;
			d->loc.lat = x;
		} else {
			d->loc.has_lon = 1;
			d->loc.lon = x;
		}
		r->location = &d->loc;
	} else if (strcmp(f, "on-spot") == 0) {
		r->has_resolved_on_spot = 1;
		r->resolved_on_spot = 1;
	} else if (strcmp(f, "party") == 0)
		return parse_party(d, v, err, errsize);
	else {
		snprintf(err, errsize, "unknown field '%s'", f);
		return -1;
	}
	return 0;
}

int
compose_set_copy(struct draft *d, const char *f, const char *v, char *err,
    size_t errsize)
{
	char *c;

	/* A party is split into copies of its own. */
	if (strcmp(f, "party") == 0)
		return compose_set(d, f, v, err, errsize);
	if ((c = keep(d, v, strlen(v))) == NULL) {
		snprintf(err, errsize, "too many fields");
		return -1;
	}
	return compose_set(d, f, c, err, errsize);
}

int
compose_getline(FILE *fp, char *buf)
{
	size_t n;

	if (fgets(buf, COMPOSE_LINE_MAX + 2, fp) == NULL)
		return 0;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n > COMPOSE_LINE_MAX) {
		/* Skip the rest of the line, so that reading can go on. */
		int ch;

		while ((ch = getc(fp)) != EOF && ch != '\n')
			;
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 1;
}

static const char *const record_keys[] = {
	"grid", "category", "item", "colour", "people", "amount", "summary",
	"description", "party", "lat", "lon", "address", "occurred",
	"channel", "link", "on-spot",
};

int
compose_read(FILE *fp, struct draft *d, long *lineno, char *err,
    size_t errsize)
{
	char *line = xmalloc(COMPOSE_LINE_MAX + 2);
	char msg[256];
	unsigned seen = 0;
	int rc, got = 0;

	while ((rc = compose_getline(fp, line)) != 0) {
		char *key = line, *val, *end, *sep, *wide;
		size_t k;

		++*lineno;
		if (rc < 0) {
			snprintf(err, errsize, "line %ld: longer than %d bytes",
			    *lineno, COMPOSE_LINE_MAX);
			goto fail;
		}
		key += strspn(key, " \t");
		if (*key == '\0') {
			if (got)
				break;		/* a blank line ends the record */
			continue;
		}
		if (*key == '#')
			continue;
		/* "key: value", or the full-width colon of a Chinese keyboard */
		sep = strchr(key, ':');
		wide = strstr(key, "\xef\xbc\x9a");
		if (wide != NULL && (sep == NULL || wide < sep)) {
			*wide = '\0';
			val = wide + 3;
		} else if (sep != NULL) {
			*sep = '\0';
			val = sep + 1;
		} else {
			snprintf(err, errsize, "line %ld: expected 'key: value'",
			    *lineno);
			goto fail;
		}
		for (end = key + strlen(key); end > key && (end[-1] == ' ' ||
		    end[-1] == '\t'); end--)
			;
		*end = '\0';
		val += strspn(val, " \t");
		for (end = val + strlen(val); end > val && (end[-1] == ' ' ||
		    end[-1] == '\t'); end--)
			;
		*end = '\0';
		for (k = 0; k < sizeof(record_keys) / sizeof(record_keys[0]); k++)
			if (strcmp(key, record_keys[k]) == 0)
				break;
		if (k == sizeof(record_keys) / sizeof(record_keys[0])) {
			/* Not repeated: a mistyped party line ("party 张某:
			 * 139...", "13900000001：张某") must not put a name
			 * or a phone on the screen or in a script's log. */
			snprintf(err, errsize, "line %ld: unknown key "
			    "(grid, category, item, colour, people, amount, "
			    "summary, description, party, lat, lon, address, "
			    "occurred, channel, link, on-spot)", *lineno);
			goto fail;
		}
		if (strcmp(key, "party") != 0 && (seen & (1u << k))) {
			snprintf(err, errsize, "line %ld: '%s' given twice in "
			    "one report", *lineno, key);
			goto fail;
		}
		seen |= 1u << k;
		got = 1;
		if (strcmp(key, "on-spot") == 0) {
			if (strcmp(val, "no") == 0 || strcmp(val, "否") == 0)
				continue;
			if (strcmp(val, "yes") != 0 && strcmp(val, "是") != 0) {
				snprintf(err, errsize, "line %ld: on-spot must "
				    "be yes or no (是/否)", *lineno);
				goto fail;
			}
		}
		if (compose_set_copy(d, key, val, msg, sizeof(msg)) < 0) {
			snprintf(err, errsize, "line %ld: %s", *lineno, msg);
			goto fail;
		}
	}
	free(line);
	if (ferror(fp)) {
		snprintf(err, errsize, "line %ld: read error", *lineno);
		return -1;
	}
	return got;
fail:
	free(line);
	return -1;
}
