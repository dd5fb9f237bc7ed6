/* compose.h -- build a Report from the grid worker's input: flags, or
 * "key: value" records read from a file or standard input. */
#ifndef GR_COMPOSE_H
#define GR_COMPOSE_H

#include <stddef.h>
#include <stdio.h>

#include "gr.pb-c.h"

#define COMPOSE_MAX_PARTIES 20

/* A report being written.  Strings point at the caller's arguments or at
 * copies owned by the draft; compose_free() releases the copies. */
struct draft {
	Gr__Report	 r;
	Gr__Location	 loc;
	Gr__Party	 party[COMPOSE_MAX_PARTIES];
	Gr__Party	*partyp[COMPOSE_MAX_PARTIES];
	char		**copies;	/* strings the draft owns */
	size_t		 ncopies, capcopies;
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

/* The same with a copy of value that the draft keeps. */
int	compose_set_copy(struct draft *, const char *field, const char *value,
	    char *err, size_t errsize);

/* The longest line compose_read() and compose_getline() take, in bytes. */
#define COMPOSE_LINE_MAX	16384

/*
 * Read one record into a fresh draft (compose_init() done by the caller):
 * "key: value" lines (or the full-width colon "："), keys named as the
 * report flags without the dashes ("grid", "party", "on-spot", ...),
 * '#' comment lines, records separated by blank lines.  *lineno counts
 * the lines read so far.  1 when a record was read, 0 at the end of the
 * input, -1 with "line N: message" in err.
 */
int	compose_read(FILE *, struct draft *, long *lineno, char *err,
	    size_t errsize);

/* Read one line of at most COMPOSE_LINE_MAX bytes into buf (of at least
 * COMPOSE_LINE_MAX + 2 bytes) without its line end.  1 read, 0 at the
 * end of the input, -1 when the line is too long. */
int	compose_getline(FILE *, char *buf);

/* Parse "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" in China Standard Time into
 * milliseconds since the epoch; -1 when malformed. */
int	compose_parse_cst(const char *, long long *ms);

#endif
