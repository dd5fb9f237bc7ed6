/* fuzz_report.c -- libFuzzer target: any bytes through the collector's
 * decode and validation of a Report and of an Action, and through the
 * agent's decode of a Notice.  Nothing may crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A fixed clock keeps runs reproducible: 2026-01-01T00:00:00Z. */
#define FUZZ_NOW	1767225600000LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codec_arena arena;
	static int ready;
	struct verr e;
	Gr__Report *r;
	Gr__Action *a;

	if (!ready) {
		codec_arena_init(&arena, REPORT_MAX_BYTES * 80);
		ready = 1;
	}
	if (size > REPORT_MAX_BYTES)
		return 0;	/* the collector refuses these before decoding */
	if ((r = codec_report_decode(&arena, data, size)) != NULL) {
		if (validate_report(r, FUZZ_NOW, 0, &e) == 0)
			(void)validate_identity(r, "gw001", &e);
		(void)validate_report(r, FUZZ_NOW, VALIDATE_TAXONOMY, &e);
	}
	(void)codec_notice_decode(&arena, data, size);
	if ((a = codec_action_decode(&arena, data, size)) != NULL)
		(void)validate_action(a, "530322001", &e);
	return 0;
}
