/* grmsg.c -- test tool: write Report payloads, good or deliberately bad, and
 * print Notices (Acks, case updates) and dispatch entries as text.
 *
 *   grmsg report [mutations] > payload      a Report, valid unless mutated
 *   grmsg action --unit U --case NO --kind K [...] > payload
 *   grmsg notice < hex-lines                one line of text per Notice
 *   grmsg case < hex-lines                  the same (dispatch feed)
 *
 * Input lines for notice and case are hex payloads, optionally after a
 * topic and a space (mosquitto_sub -v -F '%t %x'). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "ulid.h"
#include "util.h"
#include "validate.h"

static int	cmd_report(int, char **);
static int	cmd_action(int, char **);
static const char *state_name(int);
static const char *alert_name(int);
static const char *enum_name(const ProtobufCEnumDescriptor *, int);
static int	cmd_decode(int);
static size_t	unhex(const char *, uint8_t *, size_t);

static const char *const status_names[] = { "unspecified", "stored",
    "duplicate", "rejected" };

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "worker", required_argument, NULL, 'w' },
		{ "grid", required_argument, NULL, 'g' },
		{ "category", required_argument, NULL, 'c' },
		{ "item", required_argument, NULL, 'I' },
		{ "colour", required_argument, NULL, 'k' },
		{ "people", required_argument, NULL, 'p' },
		{ "summary", required_argument, NULL, 's' },
		{ "summary-hex", required_argument, NULL, 'S' },
		{ "schema", required_argument, NULL, 'v' },
		{ "created-offset", required_argument, NULL, 't' },
		{ "lat", required_argument, NULL, 'a' },
		{ "lon", required_argument, NULL, 'o' },
		{ "phone", required_argument, NULL, 'P' },
		{ "id-number", required_argument, NULL, 'N' },
		{ "omit", required_argument, NULL, 'x' },
		{ "attachment", no_argument, NULL, 'A' },
		{ "truncate", required_argument, NULL, 'T' },
		{ "pad", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	Gr__Report r = GR__REPORT__INIT;
	Gr__Location loc = GR__LOCATION__INIT;
	Gr__Party party = GR__PARTY__INIT, *partyp = &party;
	Gr__Attachment att = GR__ATTACHMENT__INIT, *attp = &att;
	char id[ULID_LEN + 1];
	uint8_t hexbuf[512];
	char *pad = NULL;
	uint8_t *buf;
	size_t len, truncate = 0;
	int ch;

	ulid_make(id, now_ms());
	r.has_schema_version = 1;
	r.schema_version = REPORT_SCHEMA_VERSION;
	r.id = id;
	r.worker_id = "gw001";
	r.device_id = "test-device";
	r.grid_code = "530322001001001";
	r.has_created_at = 1;
	r.created_at = now_ms();
	r.category = "02";
	r.item = "0201";
	r.has_colour = 1;
	r.colour = GR__COLOUR__YELLOW;
	r.has_people = 1;
	r.people = 2;
	r.summary = "test report";
	party.has_role = 1;
	party.role = GR__PARTY_ROLE__PETITIONER;
	party.name = "test party";
	r.n_parties = 1;
	r.parties = &partyp;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': r.id = optarg; break;
		case 'w': r.worker_id = optarg; break;
		case 'g': r.grid_code = optarg; break;
		case 'c': r.category = optarg; break;
		case 'I': r.item = optarg; break;
		case 'k': r.colour = (Gr__Colour)atoi(optarg); break;
		case 'p': r.people = (uint32_t)atol(optarg); break;
		case 's': r.summary = optarg; break;
		case 'S':
			len = unhex(optarg, hexbuf, sizeof(hexbuf) - 1);
			hexbuf[len] = '\0';
			r.summary = (char *)hexbuf;
			break;
		case 'v': r.schema_version = (uint32_t)atol(optarg); break;
		case 't': r.created_at += atoll(optarg) * 1000; break;
		case 'a':
			loc.has_lat = 1;
			loc.lat = atof(optarg);
			r.location = &loc;
			break;
		case 'o':
			loc.has_lon = 1;
			loc.lon = atof(optarg);
			r.location = &loc;
			break;
		case 'P': party.phone = optarg; break;
		case 'N': party.id_number = optarg; break;
		case 'A':
			att.sha256 = "00";
			r.n_attachments = 1;
			r.attachments = &attp;
			break;
		case 'T': truncate = (size_t)atol(optarg); break;
		case 'L':
			len = (size_t)atol(optarg);
			pad = xmalloc(len + 1);
			memset(pad, 'x', len);
			pad[len] = '\0';
			r.description = pad;
			break;
		case 'x':
			if (strcmp(optarg, "summary") == 0) r.summary = NULL;
			else if (strcmp(optarg, "category") == 0) r.category = NULL;
			else if (strcmp(optarg, "colour") == 0) r.has_colour = 0;
			else if (strcmp(optarg, "people") == 0) r.has_people = 0;
			else if (strcmp(optarg, "created_at") == 0) r.has_created_at = 0;
			else if (strcmp(optarg, "id") == 0) r.id = NULL;
			else if (strcmp(optarg, "worker_id") == 0) r.worker_id = NULL;
			else if (strcmp(optarg, "grid_code") == 0) r.grid_code = NULL;
			else if (strcmp(optarg, "schema_version") == 0) r.has_schema_version = 0;
			else {
				fprintf(stderr, "grmsg: cannot omit %s\n", optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	buf = codec_pack(&r.base, &len);
	if (truncate > 0 && truncate < len)
		len = truncate;
	fwrite(buf, 1, len, stdout);
	free(buf);
	free(pad);
	return 0;
}

static const char *
state_name(int v)
{
	return enum_name(&gr__case_state__descriptor, v);
}

static const char *
alert_name(int v)
{
	return enum_name(&gr__alert_kind__descriptor, v);
}

/* An enum value's name in lower case, e.g. "double_check". */
static const char *
enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
	    d, v);
	static char buf[32];

	if (ev == NULL)
		return "?";
	snprintf(buf, sizeof(buf), "%s", ev->name);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf;
}

static int
cmd_action(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "unit", required_argument, NULL, 'u' },
		{ "actor", required_argument, NULL, 'a' },
		{ "case", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'k' },
		{ "note", required_argument, NULL, 'n' },
		{ "department", required_argument, NULL, 'd' },
		{ "satisfaction", required_argument, NULL, 's' },
		{ "extension", required_argument, NULL, 'e' },
		{ "schema", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	Gr__Action a = GR__ACTION__INIT;
	const ProtobufCEnumValue *ev;
	char id[ULID_LEN + 1], kind[32];
	uint8_t *buf;
	size_t len;
	int ch;

	ulid_make(id, now_ms());
	a.has_schema_version = 1;
	a.schema_version = REPORT_SCHEMA_VERSION;
	a.id = id;
	a.actor = "dispatcher-1";
	a.has_at = 1;
	a.at = now_ms();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': a.id = optarg; break;
		case 'u': a.unit = optarg; break;
		case 'a': a.actor = optarg; break;
		case 'c': a.case_no = optarg; break;
		case 'n': a.note = optarg; break;
		case 'd': a.department = optarg; break;
		case 'v': a.schema_version = (uint32_t)atol(optarg); break;
		case 's':
			a.has_satisfaction = 1;
			a.satisfaction = (uint32_t)atol(optarg);
			break;
		case 'e':
			a.has_extension_days = 1;
			a.extension_days = (uint32_t)atol(optarg);
			break;
		case 'k':
			snprintf(kind, sizeof(kind), "%s", optarg);
			for (char *p = kind; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
			ev = protobuf_c_enum_descriptor_get_value_by_name(
			    &gr__action_kind__descriptor, kind);
			a.has_kind = 1;
			a.kind = ev ? (Gr__ActionKind)ev->value :
			    (Gr__ActionKind)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	buf = codec_pack(&a.base, &len);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

/* One line per notice (a list's entries each on their own). */
static int
print_notice(void *arg, const Gr__Notice *m)
{
	(void)arg;
	if (m->body_case == GR__NOTICE__BODY_ACK) {
		Gr__Ack *a = m->ack;

		printf("ack report=%s status=%s reason=%s case=%s "
		    "unit=%s\n", a->report_id ? a->report_id :
		    "-", status_names[a->status & 3],
		    a->reason ? a->reason : "-",
		    a->case_no ? a->case_no : "-",
		    a->routed_unit ? a->routed_unit : "-");
	} else if (m->body_case == GR__NOTICE__BODY_UPDATE) {
		Gr__CaseEntry *e = m->update;
		char acc[24] = "-", evid[24] = "-";

		if (e->has_accepted_at)
			snprintf(acc, sizeof(acc), "%lld",
			    (long long)e->accepted_at);
		if (e->has_event_id)
			snprintf(evid, sizeof(evid), "%llu",
			    (unsigned long long)e->event_id);
		printf("case case_no=%s report=%s unit=%s "
		    "state=%s worker=%s action=%s accepted=%s event=%s\n",
		    e->case_no, e->report_id, e->unit,
		    state_name(e->state), e->worker_id,
		    e->action_id ? e->action_id : "-", acc, evid);
	} else if (m->body_case == GR__NOTICE__BODY_ALERT) {
		Gr__Alert *al = m->alert;

		printf("alert id=%llu kind=%s case=%s township=%s "
		    "related=", (unsigned long long)al->id,
		    alert_name(al->kind),
		    al->case_no ? al->case_no : "-",
		    al->township ? al->township : "-");
		for (size_t i = 0; i < al->n_related; i++)
			printf("%s%s", i ? "," : "",
			    al->related[i]);
		printf("%s note=%s\n", al->n_related ? "" : "-",
		    al->note ? al->note : "-");
	} else if (m->body_case == GR__NOTICE__BODY_RESULT) {
		Gr__ActionResult *r = m->result;

		printf("result action=%s case=%s ok=%d reason=%s\n",
		    r->action_id ? r->action_id : "-",
		    r->case_no ? r->case_no : "-", (int)r->ok,
		    r->reason ? r->reason : "-");
	}
	return 0;
}

static int
cmd_decode(int want_case)
{
	struct codec_arena arena;
	static char line[1 << 20];
	static uint8_t buf[1 << 19];

	codec_arena_init(&arena, 1 << 22);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *hex = strrchr(line, ' ');
		size_t n;

		hex = hex ? hex + 1 : line;
		hex[strcspn(hex, "\r\n")] = '\0';
		n = unhex(hex, buf, sizeof(buf));
		(void)want_case;
		{
			Gr__Notice *m = codec_notice_decode(&arena, buf, n);

			if (m == NULL)
				printf("unreadable\n");
			else
				(void)codec_notice_each(m, print_notice, NULL);
		}
		fflush(stdout);
	}
	codec_arena_free(&arena);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "action") == 0)
		return cmd_action(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "notice") == 0)
		return cmd_decode(0);
	if (argc == 2 && strcmp(argv[1], "case") == 0)
		return cmd_decode(1);
	fprintf(stderr, "usage: grmsg report [mutations] | action [...] | "
	    "notice | case\n");
	return 2;
}
