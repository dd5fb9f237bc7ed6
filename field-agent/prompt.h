/* prompt.h -- a report asked for field by field (field-agent report
 * --interactive), in Chinese or English. */
#ifndef GR_PROMPT_H
#define GR_PROMPT_H

#include <stddef.h>
#include <stdio.h>

#include "compose.h"
#include "config.h"

/*
 * Ask for each field of a report on out, reading the answers from in (one
 * line each), in lang ("zh" or "en"), into d (compose_init() done by the
 * caller), and ask to confirm.  A bad answer is explained and asked again.
 * 1 when confirmed, 0 when the worker cancelled, -1 when the input ended
 * or an answer stayed wrong, with a message in err.
 */
int	prompt_report(FILE *in, FILE *out, const char *lang,
	    const struct agent_conf *, struct draft *, char *err,
	    size_t errsize);

#endif
