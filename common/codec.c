/* codec.c -- protobuf-c glue: bounded decoding and packing. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util.h"

static void	*arena_alloc(void *, size_t);
static void	 arena_noop_free(void *, void *);
static ProtobufCMessage *codec_decode(struct codec_arena *,
		    const ProtobufCMessageDescriptor *, const uint8_t *, size_t);
static ProtobufCMessage *codec_decode_keep(struct codec_arena *,
		    const ProtobufCMessageDescriptor *, const uint8_t *, size_t);

static void *
arena_alloc(void *data, size_t n)
{
	struct codec_arena *a = data;
	size_t off = (a->used + 15) & ~(size_t)15;

	if (n > a->cap || off > a->cap - n)
		return NULL;
	a->used = off + n;
	return a->base + off;
}

static void
arena_noop_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

void
codec_arena_init(struct codec_arena *a, size_t cap)
{
	a->base = xmalloc(cap);
	a->cap = cap;
	a->used = 0;
	a->allocator.alloc = arena_alloc;
	a->allocator.free = arena_noop_free;
	a->allocator.allocator_data = a;
}

void
codec_arena_reset(struct codec_arena *a)
{
	a->used = 0;
}

void
codec_arena_free(struct codec_arena *a)
{
	free(a->base);
	a->base = NULL;
	a->cap = a->used = 0;
}

static ProtobufCMessage *
codec_decode(struct codec_arena *a, const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len)
{
	codec_arena_reset(a);
	return codec_decode_keep(a, desc, buf, len);
}

/* Decode after what the arena holds; on failure the arena is as before. */
static ProtobufCMessage *
codec_decode_keep(struct codec_arena *a, const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len)
{
	size_t mark = a->used;
	ProtobufCMessage *m;

	m = protobuf_c_message_unpack(desc, &a->allocator, len, buf);
	/*
	 * protobuf-c cuts a string at an embedded NUL and keeps the last of
	 * repeated scalar fields; either makes the re-encoded size differ.
	 */
	if (m == NULL || protobuf_c_message_get_packed_size(m) != len) {
		a->used = mark;
		return NULL;
	}
	return m;
}

Gr__Report *
codec_report_decode_keep(struct codec_arena *a, const uint8_t *buf, size_t len)
{
	return (Gr__Report *)codec_decode_keep(a, &gr__report__descriptor, buf,
	    len);
}

Gr__Report *
codec_report_decode(struct codec_arena *a, const uint8_t *buf, size_t len)
{
	return (Gr__Report *)codec_decode(a, &gr__report__descriptor, buf, len);
}

Gr__Notice *
codec_notice_decode(struct codec_arena *a, const uint8_t *buf, size_t len)
{
	return (Gr__Notice *)codec_decode(a, &gr__notice__descriptor, buf, len);
}

Gr__CaseEntry *
codec_case_decode(struct codec_arena *a, const uint8_t *buf, size_t len)
{
	return (Gr__CaseEntry *)codec_decode(a, &gr__case_entry__descriptor,
	    buf, len);
}

Gr__Action *
codec_action_decode(struct codec_arena *a, const uint8_t *buf, size_t len)
{
	return (Gr__Action *)codec_decode(a, &gr__action__descriptor, buf, len);
}

/* fn's answer folded into the running one (see codec_notice_each). */
static int
fold(int acc, int rc)
{
	if (rc < 0)
		return rc;
	return acc > 0 || rc > 0;
}

int
codec_notice_each(const Gr__Notice *n, codec_notice_fn fn, void *arg)
{
	const Gr__NoticeList *l = n->list;
	int acc = 0;

	if (n->body_case != GR__NOTICE__BODY_LIST)
		return fold(0, fn(arg, n));
	for (size_t i = 0; i < l->n_updates && acc >= 0; i++) {
		Gr__Notice one = GR__NOTICE__INIT;

		one.body_case = GR__NOTICE__BODY_UPDATE;
		one.update = l->updates[i];
		acc = fold(acc, fn(arg, &one));
	}
	for (size_t i = 0; i < l->n_alerts && acc >= 0; i++) {
		Gr__Notice one = GR__NOTICE__INIT;

		one.body_case = GR__NOTICE__BODY_ALERT;
		one.alert = l->alerts[i];
		acc = fold(acc, fn(arg, &one));
	}
	return acc;
}

uint8_t *
codec_pack(const ProtobufCMessage *m, size_t *lenp)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = xmalloc(len);

	protobuf_c_message_pack(m, buf);
	*lenp = len;
	return buf;
}
