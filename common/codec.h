/* codec.h -- protobuf-c glue: bounded decoding and packing. */
#ifndef GR_CODEC_H
#define GR_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "gr.pb-c.h"

/* A bump allocator with a hard cap, so a hostile payload cannot make
 * protobuf-c allocate without bound.  Reset it after each message. */
struct codec_arena {
	unsigned char	*base;
	size_t		 cap;
	size_t		 used;
	ProtobufCAllocator allocator;
};

void	codec_arena_init(struct codec_arena *, size_t cap);
void	codec_arena_reset(struct codec_arena *);
void	codec_arena_free(struct codec_arena *);

/* Decode a message from the arena.  NULL when the bytes are not a
 * well-formed, canonically encoded message of that type, contain a string
 * with an embedded NUL, or need more memory than the arena has.  The result
 * lives until the arena is reset. */
Gr__Report	*codec_report_decode(struct codec_arena *, const uint8_t *, size_t);
/* The same, keeping what the arena holds (several reports at once); on
 * failure the arena is as before.  A report that fails here may fit an
 * empty arena: try it again after a reset before calling it malformed. */
Gr__Report	*codec_report_decode_keep(struct codec_arena *, const uint8_t *,
		    size_t);
Gr__Notice	*codec_notice_decode(struct codec_arena *, const uint8_t *, size_t);
Gr__CaseEntry	*codec_case_decode(struct codec_arena *, const uint8_t *, size_t);
Gr__Action	*codec_action_decode(struct codec_arena *, const uint8_t *, size_t);

/*
 * Call fn for each notice that n carries: n itself, or, for a list
 * (Notice.list), each of its case updates and then each of its alerts as
 * a notice of its own (valid during the call).  Stops at fn's first
 * negative answer and returns it; else 1 when some call answered
 * positive, 0 when none did.
 */
typedef int	(*codec_notice_fn)(void *arg, const Gr__Notice *);
int	codec_notice_each(const Gr__Notice *, codec_notice_fn, void *arg);

/* Pack a message into a new malloc'd buffer the caller frees. */
uint8_t	*codec_pack(const ProtobufCMessage *, size_t *lenp);

#endif
