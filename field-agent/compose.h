/* compose.h -- build a Report from the grid worker's input (flags). */
#ifndef GR_COMPOSE_H
#define GR_COMPOSE_H

#include <stddef.h>

#include "gr.pb-c.h"

#define COMPOSE_MAX_PARTIES 20

/* A report being written.  Strings point at the caller's arguments or at
 * copies owned by the draft; compose_free() releases the copies. */
struct draft {
	Gr__Report	 r;
	Gr__Location	 loc;
	Gr__Party	 party[COMPOSE_MAX_PARTIES];
	Gr__Party	*partyp[COMPOSE_MAX_PARTIES];
	char		*copies[COMPOSE_MAX_PARTIES * 5];	/* 5 parts a party */
	size_t		 ncopies;
	char		 id[32];
};

void	compose_init(struct draft *);
void	compose_free(struct draft *);

/*
 * Set one field from its flag name ("category", "colour", "people",
 * "party", ...) and text.  0, or -1 with a message in err.  Shapes are
 * checked here; the full rules run in validate_report().
 */
int	compose_set(struct draft *, const char *field, const char *value,
	    char *err, size_t errsize);

/* Parse "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" in China Standard Time into
 * milliseconds since the epoch; -1 when malformed. */
int	compose_parse_cst(const char *, long long *ms);

#endif
