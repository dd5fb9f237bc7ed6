/* test_codec.c -- unit tests of bounded protobuf decoding and packing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define ARENA_CAP	(256 * 1024)

struct fix {
	Gr__Report	 r;
	Gr__Location	 loc;
	Gr__Party	 party[2];
	Gr__Party	*partyp[2];
};

static void	build(struct fix *);
static void	assert_str_eq(const char *, const char *);
static void	test_round_trip(void **);
static void	test_empty_message(void **);
static void	test_truncated(void **);
static void	test_random_bytes(void **);
static void	test_fuzz_no_crash(void **);
static void	test_embedded_nul(void **);
static void	test_embedded_nul_nested(void **);
static void	test_arena_too_small(void **);
static void	test_duplicate_scalar(void **);
static void	test_overlong_varint(void **);
static void	test_notice_round_trip(void **);
static void	test_action_and_case(void **);

static void
build(struct fix *f)
{
	Gr__Report r = GR__REPORT__INIT;
	Gr__Location l = GR__LOCATION__INIT;
	Gr__Party p = GR__PARTY__INIT;

	f->r = r;
	f->loc = l;
	f->party[0] = p;
	f->party[1] = p;
	f->partyp[0] = &f->party[0];
	f->partyp[1] = &f->party[1];
	f->party[0].has_role = 1;
	f->party[0].role = GR__PARTY_ROLE__PETITIONER;
	f->party[0].name = "张三";
	f->party[0].phone = "13900001111";
	f->party[0].id_number = "11010519491231002X";
	f->party[1].has_role = 1;
	f->party[1].role = GR__PARTY_ROLE__RESPONDENT;
	f->party[1].organisation = "某建筑公司";
	f->loc.has_lat = 1;
	f->loc.lat = 25.0412345;
	f->loc.has_lon = 1;
	f->loc.lon = 100.5198765;
	f->loc.address = "南涧镇";

	f->r.has_schema_version = 1;
	f->r.schema_version = 1;
	f->r.id = "01KDX0000000000000000000AB";
	f->r.worker_id = "w01";
	f->r.device_id = "dev-1";
	f->r.grid_code = "530322100001001";
	f->r.has_created_at = 1;
	f->r.created_at = 1767312000000LL;
	f->r.has_occurred_at = 1;
	f->r.occurred_at = 1767225600000LL;
	f->r.category = "02";
	f->r.item = "0203";
	f->r.has_colour = 1;
	f->r.colour = GR__COLOUR__RED;
	f->r.has_people = 1;
	f->r.people = 12;
	f->r.has_amount_fen = 1;
	f->r.amount_fen = 35050;
	f->r.summary = "拖欠农民工工资";
	f->r.description = "三个月\n未发";
	f->r.n_parties = 2;
	f->r.parties = f->partyp;
	f->r.location = &f->loc;
	f->r.has_resolved_on_spot = 1;
	f->r.resolved_on_spot = 1;
	f->r.has_channel = 1;
	f->r.channel = GR__CHANNEL__HOTLINE;
	f->r.link_report_id = "01KDW0000000000000000000AB";
}

static void
assert_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
test_round_trip(void **state)
{
	struct codec_arena a;
	struct fix f;
	Gr__Report *d;
	uint8_t *buf, *buf2;
	size_t len, len2;

	(void)state;
	build(&f);
	buf = codec_pack(&f.r.base, &len);
	assert_non_null(buf);
	assert_int_equal(len, protobuf_c_message_get_packed_size(&f.r.base));
	codec_arena_init(&a, ARENA_CAP);
	d = codec_report_decode(&a, buf, len);
	assert_non_null(d);
	assert_true(a.used > 0 && a.used <= a.cap);
	assert_true(d->has_schema_version);
	assert_int_equal(d->schema_version, 1);
	assert_str_eq(d->id, f.r.id);
	assert_str_eq(d->worker_id, "w01");
	assert_str_eq(d->device_id, "dev-1");
	assert_str_eq(d->grid_code, "530322100001001");
	assert_true(d->has_created_at);
	assert_int_equal(d->created_at, 1767312000000LL);
	assert_int_equal(d->occurred_at, 1767225600000LL);
	assert_str_eq(d->category, "02");
	assert_str_eq(d->item, "0203");
	assert_int_equal(d->colour, GR__COLOUR__RED);
	assert_int_equal(d->people, 12);
	assert_true(d->has_amount_fen);
	assert_int_equal(d->amount_fen, 35050);
	assert_str_eq(d->summary, "拖欠农民工工资");
	assert_str_eq(d->description, "三个月\n未发");
	assert_int_equal(d->n_parties, 2);
	assert_int_equal(d->parties[0]->role, GR__PARTY_ROLE__PETITIONER);
	assert_str_eq(d->parties[0]->name, "张三");
	assert_str_eq(d->parties[0]->phone, "13900001111");
	assert_str_eq(d->parties[0]->id_number, "11010519491231002X");
	assert_null(d->parties[0]->organisation);
	assert_int_equal(d->parties[1]->role, GR__PARTY_ROLE__RESPONDENT);
	assert_null(d->parties[1]->name);
	assert_str_eq(d->parties[1]->organisation, "某建筑公司");
	assert_non_null(d->location);
	assert_true(d->location->has_lat && d->location->has_lon);
	assert_true(d->location->lat == 25.0412345);
	assert_true(d->location->lon == 100.5198765);
	assert_str_eq(d->location->address, "南涧镇");
	assert_true(d->has_resolved_on_spot && d->resolved_on_spot);
	assert_int_equal(d->channel, GR__CHANNEL__HOTLINE);
	assert_str_eq(d->link_report_id, f.r.link_report_id);
	assert_int_equal(d->n_attachments, 0);
	/* Packing the decoded report gives the same bytes back. */
	buf2 = codec_pack(&d->base, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(buf2, buf, len);
	free(buf2);
	free(buf);
	codec_arena_free(&a);
	assert_null(a.base);
}

static void
test_empty_message(void **state)
{
	Gr__Report r = GR__REPORT__INIT;
	struct codec_arena a;
	Gr__Report *d;
	uint8_t *buf;
	size_t len = 99;

	(void)state;
	buf = codec_pack(&r.base, &len);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	codec_arena_init(&a, ARENA_CAP);
	d = codec_report_decode(&a, buf, 0);
	assert_non_null(d);
	assert_false(d->has_schema_version);
	assert_null(d->summary);
	free(buf);
	codec_arena_free(&a);
}

static void
test_truncated(void **state)
{
	struct codec_arena a;
	struct fix f;
	const uint8_t *sum;
	uint8_t *buf;
	size_t len;

	(void)state;
	build(&f);
	buf = codec_pack(&f.r.base, &len);
	codec_arena_init(&a, ARENA_CAP);
	assert_null(codec_report_decode(&a, buf, len - 1));
	/* Cut inside the summary, and inside the parties. */
	sum = memmem(buf, len, f.r.summary, strlen(f.r.summary));
	assert_non_null(sum);
	assert_null(codec_report_decode(&a, buf, (size_t)(sum - buf) + 4));
	sum = memmem(buf, len, "13900001111", 11);
	assert_non_null(sum);
	assert_null(codec_report_decode(&a, buf, (size_t)(sum - buf) + 4));
	assert_null(codec_report_decode(&a, buf, 1));	/* a lone tag */
	/* The whole buffer still decodes after the failures. */
	assert_non_null(codec_report_decode(&a, buf, len));
	free(buf);
	codec_arena_free(&a);
}

static void
test_random_bytes(void **state)
{
	static const uint8_t junk1[] = { 0xde, 0xad, 0xbe, 0xef, 0x13, 0x37,
	    0xca, 0xfe, 0xba, 0xbe, 0x00, 0xff, 0x42, 0x99, 0x7f, 0x01 };
	static const uint8_t junk2[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t junk3[] = { 0x6a, 0xff, 0xff, 0xff, 0xff, 0x0f,
	    'a' };	/* summary of length 4 GiB */
	static const char json[] = "{\"summary\":\"x\"}";
	struct codec_arena a;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	assert_null(codec_report_decode(&a, junk1, sizeof(junk1)));
	assert_null(codec_report_decode(&a, junk2, sizeof(junk2)));
	assert_null(codec_report_decode(&a, junk3, sizeof(junk3)));
	assert_null(codec_report_decode(&a, (const uint8_t *)json,
	    sizeof(json) - 1));
	assert_null(codec_notice_decode(&a, junk1, sizeof(junk1)));
	assert_null(codec_case_decode(&a, junk2, sizeof(junk2)));
	assert_null(codec_action_decode(&a, junk1, sizeof(junk1)));
	codec_arena_free(&a);
}

/* Whatever random input does, the arena bounds the memory and a decoded
 * message packs back to exactly as many bytes. */
static void
test_fuzz_no_crash(void **state)
{
	struct codec_arena a;
	uint8_t buf[96];
	uint32_t x = 2463534242u;

	(void)state;
	codec_arena_init(&a, 4096);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(i % (int)sizeof(buf));
		Gr__Report *d;

		for (size_t k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[k] = (uint8_t)x;
		}
		d = codec_report_decode(&a, buf, len);
		assert_true(a.used <= a.cap);
		if (d != NULL)
			assert_int_equal(protobuf_c_message_get_packed_size(
			    &d->base), len);
	}
	codec_arena_free(&a);
}

static void
test_embedded_nul(void **state)
{
	/* Field 13 (summary), wire type 2: tag 0x6a, length 3. */
	static const uint8_t bad[] = { 0x6a, 0x03, 'a', 0x00, 'b' };
	static const uint8_t good[] = { 0x6a, 0x03, 'a', 'x', 'b' };
	struct codec_arena a;
	Gr__Report *d;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	assert_null(codec_report_decode(&a, bad, sizeof(bad)));
	d = codec_report_decode(&a, good, sizeof(good));
	assert_non_null(d);
	assert_string_equal(d->summary, "axb");
	codec_arena_free(&a);
}

static void
test_embedded_nul_nested(void **state)
{
	/* Field 15 (parties) holding field 2 (name) "a\0b". */
	static const uint8_t bad[] = { 0x7a, 0x05, 0x12, 0x03, 'a', 0x00,
	    'b' };
	static const uint8_t good[] = { 0x7a, 0x05, 0x12, 0x03, 'a', 'y',
	    'b' };
	static const uint8_t trailing[] = { 0x6a, 0x02, 'a', 0x00 };
	struct codec_arena a;
	Gr__Report *d;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	assert_null(codec_report_decode(&a, bad, sizeof(bad)));
	assert_null(codec_report_decode(&a, trailing, sizeof(trailing)));
	d = codec_report_decode(&a, good, sizeof(good));
	assert_non_null(d);
	assert_int_equal(d->n_parties, 1);
	assert_string_equal(d->parties[0]->name, "ayb");
	codec_arena_free(&a);
}

static void
test_arena_too_small(void **state)
{
	struct codec_arena small, big;
	struct fix f;
	uint8_t *buf;
	size_t len;

	(void)state;
	build(&f);
	buf = codec_pack(&f.r.base, &len);
	codec_arena_init(&big, ARENA_CAP);
	assert_non_null(codec_report_decode(&big, buf, len));
	/* Decoding needs more than the report struct itself. */
	codec_arena_init(&small, sizeof(Gr__Report));
	assert_null(codec_report_decode(&small, buf, len));
	assert_true(small.used <= small.cap);
	codec_arena_free(&small);
	codec_arena_init(&small, 16);
	assert_null(codec_report_decode(&small, buf, len));
	codec_arena_free(&small);
	/* Just what the big arena needed is enough. */
	codec_arena_init(&small, big.used);
	assert_non_null(codec_report_decode(&small, buf, len));
	codec_arena_free(&small);
	codec_arena_free(&big);
	free(buf);
}

static void
test_duplicate_scalar(void **state)
{
	static const uint8_t once[] = { 0x08, 0x01, 0x58, 0x05 };
	static const uint8_t twice[] = { 0x08, 0x01, 0x58, 0x05, 0x08, 0x02 };
	static const uint8_t twice_same[] = { 0x08, 0x01, 0x08, 0x01 };
	static const uint8_t two_summaries[] = { 0x6a, 0x01, 'a', 0x6a, 0x01,
	    'b' };
	struct codec_arena a;
	Gr__Report *d;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	d = codec_report_decode(&a, once, sizeof(once));
	assert_non_null(d);
	assert_int_equal(d->schema_version, 1);
	assert_int_equal(d->people, 5);
	assert_null(codec_report_decode(&a, twice, sizeof(twice)));
	assert_null(codec_report_decode(&a, twice_same, sizeof(twice_same)));
	assert_null(codec_report_decode(&a, two_summaries,
	    sizeof(two_summaries)));
	codec_arena_free(&a);
}

static void
test_overlong_varint(void **state)
{
	/* schema_version 1 written in two bytes. */
	static const uint8_t overlong[] = { 0x08, 0x81, 0x00 };
	/* summary length 1 written in two bytes. */
	static const uint8_t overlong_len[] = { 0x6a, 0x81, 0x00, 'a' };
	struct codec_arena a;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	assert_null(codec_report_decode(&a, overlong, sizeof(overlong)));
	assert_null(codec_report_decode(&a, overlong_len,
	    sizeof(overlong_len)));
	codec_arena_free(&a);
}

static void
test_notice_round_trip(void **state)
{
	Gr__Ack ack = GR__ACK__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	struct codec_arena a;
	Gr__Notice *d;
	uint8_t *buf;
	size_t len;

	(void)state;
	ack.has_schema_version = 1;
	ack.schema_version = 1;
	ack.report_id = "01KDX0000000000000000000AB";
	ack.has_status = 1;
	ack.status = GR__ACK_STATUS__STORED;
	ack.case_no = "530322-2026-000123";
	ack.has_resolve_due = 1;
	ack.resolve_due = 1769904000000LL;
	n.body_case = GR__NOTICE__BODY_ACK;
	n.ack = &ack;
	buf = codec_pack(&n.base, &len);
	codec_arena_init(&a, ARENA_CAP);
	d = codec_notice_decode(&a, buf, len);
	assert_non_null(d);
	assert_int_equal(d->body_case, GR__NOTICE__BODY_ACK);
	assert_string_equal(d->ack->report_id, ack.report_id);
	assert_int_equal(d->ack->status, GR__ACK_STATUS__STORED);
	assert_string_equal(d->ack->case_no, "530322-2026-000123");
	assert_int_equal(d->ack->resolve_due, 1769904000000LL);
	/* A notice cut short does not decode. */
	assert_null(codec_notice_decode(&a, buf, len - 1));
	free(buf);
	codec_arena_free(&a);
}

/* What codec_notice_each() showed: body and case number (or alert id)
 * per call; answer is what the callback returns, by call. */
struct seen {
	int		 n;
	int		 body[8];
	char		 what[8][32];
	int		 answer[8];
};

static int
see(void *arg, const Gr__Notice *m)
{
	struct seen *s = arg;
	int i = s->n++;

	s->body[i] = (int)m->body_case;
	if (m->body_case == GR__NOTICE__BODY_UPDATE)
		snprintf(s->what[i], sizeof(s->what[i]), "%s",
		    m->update->case_no);
	else if (m->body_case == GR__NOTICE__BODY_ALERT)
		snprintf(s->what[i], sizeof(s->what[i]), "alert %llu",
		    (unsigned long long)m->alert->id);
	return s->answer[i];
}

static void
test_notice_list(void **state)
{
	Gr__CaseEntry e1 = GR__CASE_ENTRY__INIT, e2 = GR__CASE_ENTRY__INIT;
	Gr__CaseEntry *ep[] = { &e1, &e2 };
	Gr__Alert al = GR__ALERT__INIT, *ap[] = { &al };
	Gr__NoticeList l = GR__NOTICE_LIST__INIT;
	Gr__Notice n = GR__NOTICE__INIT;
	struct codec_arena a;
	struct seen s;
	Gr__Notice *d;
	uint8_t *buf;
	size_t len;

	(void)state;
	e1.case_no = "530322-2026-000001";
	e2.case_no = "530322-2026-000002";
	al.has_id = 1;
	al.id = 42;
	l.n_updates = 2;
	l.updates = ep;
	l.n_alerts = 1;
	l.alerts = ap;
	n.body_case = GR__NOTICE__BODY_LIST;
	n.list = &l;
	buf = codec_pack(&n.base, &len);
	codec_arena_init(&a, ARENA_CAP);
	d = codec_notice_decode(&a, buf, len);
	assert_non_null(d);
	assert_int_equal(d->body_case, GR__NOTICE__BODY_LIST);

	memset(&s, 0, sizeof(s));
	assert_int_equal(codec_notice_each(d, see, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.body[0], GR__NOTICE__BODY_UPDATE);
	assert_string_equal(s.what[0], "530322-2026-000001");
	assert_int_equal(s.body[1], GR__NOTICE__BODY_UPDATE);
	assert_string_equal(s.what[1], "530322-2026-000002");
	assert_int_equal(s.body[2], GR__NOTICE__BODY_ALERT);
	assert_string_equal(s.what[2], "alert 42");

	/* one positive answer among others makes the whole positive */
	memset(&s, 0, sizeof(s));
	s.answer[1] = 1;
	assert_int_equal(codec_notice_each(d, see, &s), 1);
	assert_int_equal(s.n, 3);

	/* a negative answer stops the walk and is returned */
	memset(&s, 0, sizeof(s));
	s.answer[0] = 1;
	s.answer[1] = -1;
	assert_int_equal(codec_notice_each(d, see, &s), -1);
	assert_int_equal(s.n, 2);

	/* a notice that is no list is shown as it is, once */
	memset(&s, 0, sizeof(s));
	s.answer[0] = 1;
	n.body_case = GR__NOTICE__BODY_UPDATE;
	n.update = &e2;
	assert_int_equal(codec_notice_each(&n, see, &s), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.what[0], "530322-2026-000002");
	free(buf);
	codec_arena_free(&a);
}

static void
test_action_and_case(void **state)
{
	Gr__Action act = GR__ACTION__INIT;
	Gr__CaseEntry ce = GR__CASE_ENTRY__INIT;
	struct codec_arena a;
	Gr__Action *da;
	Gr__CaseEntry *dc;
	uint8_t *buf;
	size_t len;

	(void)state;
	codec_arena_init(&a, ARENA_CAP);
	act.id = "01KDX0000000000000000000AC";
	act.has_kind = 1;
	act.kind = GR__ACTION_KIND__EXTEND;
	act.has_extension_days = 1;
	act.extension_days = 30;
	buf = codec_pack(&act.base, &len);
	da = codec_action_decode(&a, buf, len);
	assert_non_null(da);
	assert_int_equal(da->kind, GR__ACTION_KIND__EXTEND);
	assert_int_equal(da->extension_days, 30);
	free(buf);

	ce.case_no = "530322-2026-000123";
	ce.has_state = 1;
	ce.state = GR__CASE_STATE__ESCALATED;
	ce.summary = "拖欠工资";
	buf = codec_pack(&ce.base, &len);
	dc = codec_case_decode(&a, buf, len);
	assert_non_null(dc);
	assert_int_equal(dc->state, GR__CASE_STATE__ESCALATED);
	assert_string_equal(dc->summary, "拖欠工资");
	free(buf);
	codec_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_fuzz_no_crash),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_embedded_nul_nested),
		cmocka_unit_test(test_arena_too_small),
		cmocka_unit_test(test_duplicate_scalar),
		cmocka_unit_test(test_overlong_varint),
		cmocka_unit_test(test_notice_round_trip),
		cmocka_unit_test(test_notice_list),
		cmocka_unit_test(test_action_and_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
