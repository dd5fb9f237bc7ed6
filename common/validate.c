/* validate.c -- the validation rules of DESIGN.md section 5, one function per
 * rule family, shared by the field agent and the collector. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "taxonomy.h"
#include "topic.h"
#include "ulid.h"
#include "utf8.h"
#include "util.h"
#include "validate.h"

static int	fail(struct verr *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	digits(const char *, size_t);
static int	check_text(const char *, const char *, long, int, struct verr *);
static int	rule_version(const Gr__Report *, struct verr *);
static int	rule_required(const Gr__Report *, struct verr *);
static int	rule_enums(const Gr__Report *, struct verr *);
static int	rule_text(const Gr__Report *, struct verr *);
static int	rule_codes(const Gr__Report *, int, struct verr *);
static int	rule_times(const Gr__Report *, int64_t, struct verr *);
static int	rule_location(const Gr__Report *, struct verr *);
static int	rule_numbers(const Gr__Report *, struct verr *);
static int	rule_parties(const Gr__Report *, struct verr *);

static int
fail(struct verr *e, const char *reason, const char *fmt, ...)
{
	va_list ap;

	e->reason = reason;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static int
digits(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
validate_grid_code(const char *s)
{
	return digits(s, 15);
}

int
validate_unit_code(const char *s)
{
	return digits(s, 6) || digits(s, 9);
}

int
validate_id_number(const char *s)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10,
	    5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0;

	if (s == NULL || strlen(s) != 18)
		return 0;
	for (int i = 0; i < 17; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		sum += (s[i] - '0') * w[i];
	}
	return s[17] == check[sum % 11];
}

int
validate_phone(const char *s)
{
	size_t n = 0, nd = 0;

	if (s == NULL)
		return 0;
	if (*s == '+')
		s++;
	for (; s[n] != '\0'; n++) {
		if (s[n] >= '0' && s[n] <= '9')
			nd++;
		else if (s[n] != '-' || n == 0)
			return 0;
	}
	return nd >= 5 && n <= 20;
}

int
validate_device_id(const char *s)
{
	return token_valid(s, "_.:-", 1, 64);
}

/* A present string must be UTF-8 of at most max characters; a required
 * one must also hold something besides white space. */
static int
check_text(const char *field, const char *s, long max, int required,
    struct verr *e)
{
	long n;

	if (s == NULL) {
		if (required)
			return fail(e, VR_MISSING_FIELD, "%s is required",
			    field);
		return 0;
	}
	if ((n = utf8_chars(s, strlen(s))) < 0)
		return fail(e, VR_BAD_UTF8,
		    "%s is not valid UTF-8 text", field);
	if (n > max)
		return fail(e, VR_TOO_LONG,
		    "%s has %ld characters, at most %ld allowed", field, n, max);
	if (required && strspn(s, " \t\r\n") == strlen(s))
		return fail(e, VR_MISSING_FIELD, "%s is empty", field);
	return 0;
}

static int
rule_version(const Gr__Report *r, struct verr *e)
{
	if (!r->has_schema_version)
		return fail(e, VR_MISSING_FIELD, "schema_version is required");
	if (r->schema_version != REPORT_SCHEMA_VERSION)
		return fail(e, VR_SCHEMA_VERSION,
		    "schema version %u is not supported (expected %d)",
		    r->schema_version, REPORT_SCHEMA_VERSION);
	return 0;
}

static int
rule_required(const Gr__Report *r, struct verr *e)
{
	static const struct { const char *name; size_t off; } strs[] = {
		{ "id", offsetof(Gr__Report, id) },
		{ "worker_id", offsetof(Gr__Report, worker_id) },
		{ "device_id", offsetof(Gr__Report, device_id) },
		{ "grid_code", offsetof(Gr__Report, grid_code) },
		{ "category", offsetof(Gr__Report, category) },
		{ "summary", offsetof(Gr__Report, summary) },
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (*(char *const *)((const char *)r + strs[i].off) == NULL)
			return fail(e, VR_MISSING_FIELD, "%s is required",
			    strs[i].name);
	if (!r->has_created_at)
		return fail(e, VR_MISSING_FIELD, "created_at is required");
	if (!r->has_colour)
		return fail(e, VR_MISSING_FIELD, "colour is required");
	if (!r->has_people)
		return fail(e, VR_MISSING_FIELD, "people is required");
	return 0;
}

static int
rule_enums(const Gr__Report *r, struct verr *e)
{
	if (r->colour < GR__COLOUR__GREEN || r->colour > GR__COLOUR__RED)
		return fail(e, VR_BAD_ENUM, "colour %d is not green, yellow "
		    "or red", (int)r->colour);
	if (r->has_channel && (r->channel < GR__CHANNEL__GRID_VISIT ||
	    r->channel > GR__CHANNEL__HOTLINE))
		return fail(e, VR_BAD_ENUM, "channel %d is unknown",
		    (int)r->channel);
	for (size_t i = 0; i < r->n_parties; i++) {
		const Gr__Party *p = r->parties[i];

		if (!p->has_role)
			return fail(e, VR_MISSING_FIELD,
			    "party %zu has no role", i + 1);
		if (p->role < GR__PARTY_ROLE__PETITIONER ||
		    p->role > GR__PARTY_ROLE__OTHER_PARTY)
			return fail(e, VR_BAD_ENUM, "party %zu has unknown "
			    "role %d", i + 1, (int)p->role);
	}
	return 0;
}

static int
rule_text(const Gr__Report *r, struct verr *e)
{
	if (check_text("summary", r->summary, LIMIT_SUMMARY, 1, e) < 0 ||
	    check_text("description", r->description, LIMIT_DESCRIPTION, 0,
	    e) < 0)
		return -1;
	if (r->location != NULL && check_text("address",
	    r->location->address, LIMIT_ADDRESS, 0, e) < 0)
		return -1;
	for (size_t i = 0; i < r->n_parties; i++) {
		const Gr__Party *p = r->parties[i];

		if (check_text("party name", p->name, LIMIT_NAME, 0, e) < 0 ||
		    check_text("party organisation", p->organisation,
		    LIMIT_ORGANISATION, 0, e) < 0 ||
		    check_text("party phone", p->phone, 20, 0, e) < 0 ||
		    check_text("party ID number", p->id_number, 18, 0, e) < 0)
			return -1;
	}
	return 0;
}

static int
rule_codes(const Gr__Report *r, int flags, struct verr *e)
{
	const struct taxon *t;

	if (!ulid_valid(r->id))
		return fail(e, VR_BAD_CODE, "id is not a ULID");
	if (!topic_id_valid(r->worker_id))
		return fail(e, VR_BAD_CODE, "worker_id must be 3 to 32 of "
		    "A-Z a-z 0-9 _ -");
	if (!validate_device_id(r->device_id))
		return fail(e, VR_BAD_CODE, "device_id must be 1 to 64 of "
		    "A-Z a-z 0-9 _ . : -");
	if (!validate_grid_code(r->grid_code))
		return fail(e, VR_BAD_CODE, "grid_code must be 15 digits");
	if (!digits(r->category, 2))
		return fail(e, VR_BAD_CODE, "category must be 2 digits");
	if (r->item != NULL && (!digits(r->item, 4) ||
	    strncmp(r->item, r->category, 2) != 0))
		return fail(e, VR_BAD_CODE, "item must be 4 digits starting "
		    "with its category");
	if (r->link_report_id != NULL && !ulid_valid(r->link_report_id))
		return fail(e, VR_BAD_CODE, "link_report_id is not a ULID");
	if (flags & VALIDATE_TAXONOMY) {
		t = taxonomy_find(r->category);
		if (t == NULL || t->parent != NULL)
			return fail(e, VR_UNKNOWN_CATEGORY,
			    "category %s is not in the taxonomy", r->category);
		if (r->item != NULL && taxonomy_find(r->item) == NULL)
			return fail(e, VR_UNKNOWN_CATEGORY,
			    "item %s is not in the taxonomy", r->item);
	}
	return 0;
}

static int
rule_times(const Gr__Report *r, int64_t now, struct verr *e)
{
	if (r->created_at < LIMIT_EARLIEST_MS)
		return fail(e, VR_BAD_TIME, "created_at is before 2020");
	if (r->created_at > now + LIMIT_CLOCK_SKEW_MS)
		return fail(e, VR_BAD_TIME, "created_at is in the future");
	if (r->has_occurred_at)
		switch (validate_occurred(r->occurred_at, r->created_at)) {
		case -1:
			return fail(e, VR_BAD_TIME,
			    "occurred_at is before 1990");
		case 1:
			return fail(e, VR_BAD_TIME,
			    "occurred_at is after created_at");
		}
	return 0;
}

int
validate_occurred(int64_t occurred_at, int64_t created_at)
{
	if (occurred_at < LIMIT_OCCURRED_EARLIEST_MS)
		return -1;
	return occurred_at > created_at + LIMIT_OCCURRED_SLACK_MS;
}

static int
rule_location(const Gr__Report *r, struct verr *e)
{
	const Gr__Location *l = r->location;

	if (l == NULL)
		return 0;
	if (l->has_lat != l->has_lon)
		return fail(e, VR_BAD_LOCATION,
		    "location needs both lat and lon, or neither");
	if (l->has_lat && (!isfinite(l->lat) || l->lat < -90 || l->lat > 90))
		return fail(e, VR_BAD_LOCATION, "lat out of range");
	if (l->has_lon && (!isfinite(l->lon) || l->lon < -180 ||
	    l->lon > 180))
		return fail(e, VR_BAD_LOCATION, "lon out of range");
	return 0;
}

static int
rule_numbers(const Gr__Report *r, struct verr *e)
{
	if (r->people < 1 || r->people > LIMIT_PEOPLE)
		return fail(e, VR_BAD_NUMBER, "people must be 1 to %d",
		    LIMIT_PEOPLE);
	if (r->has_amount_fen && (r->amount_fen < 0 ||
	    r->amount_fen > LIMIT_AMOUNT_FEN))
		return fail(e, VR_BAD_NUMBER, "amount out of range");
	if (r->n_attachments > 0)
		return fail(e, VR_UNSUPPORTED,
		    "attachments are not accepted by schema version 1");
	return 0;
}

static int
rule_parties(const Gr__Report *r, struct verr *e)
{
	if (r->n_parties > LIMIT_PARTIES)
		return fail(e, VR_TOO_LONG, "at most %d parties",
		    LIMIT_PARTIES);
	for (size_t i = 0; i < r->n_parties; i++) {
		const Gr__Party *p = r->parties[i];

		if (p->phone != NULL && !validate_phone(p->phone))
			return fail(e, VR_BAD_CODE,
			    "party %zu: phone is not a phone number", i + 1);
		if (p->id_number != NULL && !validate_id_number(p->id_number))
			return fail(e, VR_BAD_CODE,
			    "party %zu: ID number is malformed", i + 1);
	}
	return 0;
}

int
validate_report(const Gr__Report *r, int64_t now, int flags, struct verr *e)
{
	e->reason = NULL;
	e->detail[0] = '\0';
	if (rule_version(r, e) < 0 || rule_required(r, e) < 0 ||
	    rule_enums(r, e) < 0 || rule_text(r, e) < 0 ||
	    rule_codes(r, flags, e) < 0 || rule_times(r, now, e) < 0 ||
	    rule_location(r, e) < 0 || rule_numbers(r, e) < 0 ||
	    rule_parties(r, e) < 0)
		return -1;
	return 0;
}

int
validate_identity(const Gr__Report *r, const char *topic_worker,
    struct verr *e)
{
	if (r->worker_id == NULL || strcmp(r->worker_id, topic_worker) != 0)
		return fail(e, VR_WORKER_MISMATCH,
		    "worker in the topic is not the worker in the report");
	return 0;
}

int
validate_case_no(const char *s)
{
	size_t n;

	if (s == NULL || strlen(s) < 18 || strlen(s) > 24 || s[6] != '-' ||
	    s[11] != '-')
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (n != 6 && n != 11 && (s[n] < '0' || s[n] > '9'))
			return 0;
	return 1;
}

int
validate_action(const Gr__Action *a, const char *topic_unit, struct verr *e)
{
	e->reason = NULL;
	e->detail[0] = '\0';
	if (!a->has_schema_version)
		return fail(e, VR_MISSING_FIELD, "schema_version is required");
	if (a->schema_version != REPORT_SCHEMA_VERSION)
		return fail(e, VR_SCHEMA_VERSION, "schema version %u is not "
		    "supported", a->schema_version);
	if (a->id == NULL || a->unit == NULL || a->actor == NULL ||
	    !a->has_kind)
		return fail(e, VR_MISSING_FIELD, "an action needs id, unit, "
		    "actor, case_no and kind");
	/* A snapshot is of the unit's cases, not of one. */
	if (a->kind == GR__ACTION_KIND__SNAPSHOT && a->case_no != NULL)
		return fail(e, VR_BAD_CODE, "a snapshot request names no case");
	if (a->kind != GR__ACTION_KIND__SNAPSHOT && a->case_no == NULL)
		return fail(e, VR_MISSING_FIELD, "an action needs id, unit, "
		    "actor, case_no and kind");
	if (!ulid_valid(a->id))
		return fail(e, VR_BAD_CODE, "id is not a ULID");
	if (!validate_unit_code(a->unit))
		return fail(e, VR_BAD_CODE, "unit must be a 6- or 9-digit "
		    "division code");
	if (strcmp(a->unit, topic_unit) != 0)
		return fail(e, VR_WORKER_MISMATCH, "the unit in the topic is "
		    "not the unit in the action");
	if (!token_valid(a->actor, "_.:-", 1, 64))
		return fail(e, VR_BAD_CODE, "actor must be 1 to 64 of "
		    "A-Z a-z 0-9 _ . : -");
	if (a->case_no != NULL && !validate_case_no(a->case_no))
		return fail(e, VR_BAD_CODE, "case_no is not a case number");
	if (a->kind < GR__ACTION_KIND__ACCEPT ||
	    a->kind > GR__ACTION_KIND__SNAPSHOT)
		return fail(e, VR_BAD_ENUM, "kind %d is unknown", (int)a->kind);
	if (check_text("note", a->note, LIMIT_NOTE, 0, e) < 0 ||
	    check_text("department", a->department, LIMIT_DEPARTMENT, 0, e) < 0)
		return -1;
	if (a->has_satisfaction && (a->satisfaction < 1 || a->satisfaction > 5))
		return fail(e, VR_BAD_NUMBER, "satisfaction must be 1 to 5");
	if (a->has_extension_days && (a->extension_days < 1 ||
	    a->extension_days > 30))
		return fail(e, VR_BAD_NUMBER, "an extension is 1 to 30 days");
	return 0;
}
